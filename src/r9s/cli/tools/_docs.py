"""The tables that describe the tools, generated from the registry: for ``--help`` of
``set``/``run``/..., and for the Markdown docs.

In a Markdown file, a generated part sits between ``<!-- tools:NAME -->`` and
``<!-- /tools:NAME -->`` (see :data:`SECTIONS`). ``python -m r9s.cli.tools._docs FILE...``
rewrites those parts; a test checks that README.md and docs/ are up to date.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from r9s.cli.common.i18n import _
from r9s.cli.tools import all_tools
from r9s.cli.tools._base import ConfigFile, Format, Tool

# ------------------------------------------------------------------ --help


def help_table(describe: Callable[[Tool], str], tools: Sequence[Tool] | None = None) -> str:
    """One entry per tool, its name in a column: ``describe(tool)`` may span lines."""
    tools = all_tools() if tools is None else tools
    width = max(len(tool.name) for tool in tools) + 2
    lines = []
    for tool in tools:
        first, *more = _(describe(tool)).split("\n")  # a Blurb's help: N_() marked
        lines.append(f"  {tool.name:<{width}}{first}")
        lines += [" " * (2 + width) + line for line in more]
    return "\n".join(lines) + "\n"


def names_sentence(names: Sequence[str]) -> str:
    """``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# ------------------------------------------------------------------ Markdown

# How each JSON dialect is read by the tools whose files use it ({tools}: their titles),
# and what r9s does.
JSON_FORMATS: dict[Format, tuple[str, str]] = {
    "json": (
        "strict JSON only (for {tools}, one comment spoils the whole file)",
        "refuses a file with comments, naming the line",
    ),
    "json-comments": (
        "`//` and `/* */` comments (the tools strip them before `JSON.parse`), no trailing commas",
        "keeps the comments; reads trailing commas but removes them when it writes, since "
        "the tool would reject the file, and says so",
    ),
    "jsonc": ("comments and trailing commas (jsonc-parser)", "keeps both"),
}


def _file(config: ConfigFile) -> str:
    where = f"`~/{config.home_path}`"
    return f"{where} (`${config.dir_env}`)" if config.dir_env else where


def _code(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [f"| {' | '.join(header)} |", "|" + "---|" * len(header)]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def _titles(tools: Sequence[Tool]) -> str:
    return names_sentence([tool.title for tool in tools])


def _set_table(tools: Sequence[Tool]) -> str:
    rows = []
    for tool in tools:
        aliases = f" ({_code(tool.aliases)})" if tool.aliases else ""
        files = ", ".join(_file(config) for config in tool.files)
        rows.append([f"`{tool.name}`{aliases}", files, tool.writes.markdown])
    return _table(["tool (aliases)", "file", "what r9s writes"], rows)


def _run_table(tools: Sequence[Tool]) -> str:
    rows = [[tool.title, tool.injects.markdown] for tool in tools]
    return _table(["tool", "injected by"], rows)


def _json_table(tools: Sequence[Tool]) -> str:
    rows = []
    for fmt, (accepts, does) in JSON_FORMATS.items():
        files = [_file(c).split(" ")[0] for t in tools for c in t.files if c.format == fmt]
        users = [tool.title for tool in tools if any(c.format == fmt for c in tool.files)]
        if files:
            rows.append([", ".join(files), accepts.format(tools=names_sentence(users)), does])
    return _table(["file", "its tool accepts", "r9s"], rows)


SECTIONS: dict[str, Callable[[Sequence[Tool]], str]] = {
    "titles": _titles,
    "set-table": _set_table,
    "run-table": _run_table,
    "json-table": _json_table,
}
"""The generated parts a Markdown file may hold, by name."""

_SECTION = re.compile(r"(<!-- tools:([\w-]+) -->)(.*?)(<!-- /tools:\2 -->)", re.DOTALL)


def update(text: str, tools: Sequence[Tool] | None = None) -> str:
    """``text`` with every generated part regenerated (a block part keeps its newlines)."""
    tools = all_tools() if tools is None else tools

    def regenerate(match: re.Match[str]) -> str:
        start, name, old, end = match.groups()
        body = SECTIONS[name](tools)
        if old.startswith("\n"):
            body = f"\n{body}\n"
        return f"{start}{body}{end}"

    return _SECTION.sub(regenerate, text)


def main(paths: Sequence[str]) -> int:
    for name in paths:
        path = Path(name)
        text = path.read_text("utf-8")
        new = update(text)
        if new != text:
            path.write_text(new, "utf-8")
            print(f"updated {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
