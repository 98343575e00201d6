"""Every Python example of every docs page (``docs/*.md``, and the README) runs against
the local server, so the examples cannot rot and a new page cannot be forgotten.

A page reads top to bottom like a notebook: its ``python`` blocks run in order in one
process and one namespace, so a block may use what an earlier block of the page made
(``r9s``, ``messages``...), and top-level ``await`` works as in ``python -m asyncio``.
A block that prints must print something. A block that cannot run (a sketch, a fragment
of a bigger program) is preceded by ``<!-- not runnable: <reason> -->``; the reason is
required.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from mypy import api as mypy_api

from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.support.processes import run_python_against

REPO = Path(__file__).resolve().parents[2]
PAGES = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]
# A marker is a line of its own (a mention of one in prose, as in the README, is not).
SKIP = r"^<!--\s*not runnable:(?P<reason>[^>]*?)-->\s*\n"
BLOCK = re.compile(
    rf"(?:{SKIP})?^(?P<indent>[ \t]*)```python\n(?P<code>.*?)^(?P=indent)```", re.S | re.M
)
MARKER = re.compile(r"^<!--\s*not runnable\b", re.M)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the block's first line of code in the page
    code: str
    skip_reason: str | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    return [
        Block(
            page,
            text.count("\n", 0, match.start("code")) + 1,
            textwrap.dedent(match["code"]),
            None if match["reason"] is None else match["reason"].strip(),
        )
        for match in BLOCK.finditer(text)
    ]


RUNNER = REPO / "tests" / "support" / "doc_blocks.py"

RUNNABLE = {
    page.name: runnable
    for page in PAGES
    if (runnable := [block for block in blocks(page) if block.skip_reason is None])
}


def test_a_marker_skips_the_block_right_after_it(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nprint(1)\n```\n"
        "<!-- not runnable: needs a real key -->\n```python\nprint(2)\n```\n"
        "<!-- not runnable: -->\n\n```python\nprint(3)\n```\n"
        "- in a list:\n\n  ```python\n  if True:\n      print(4)\n  ```\n"
    )
    found = [(block.line, block.code, block.skip_reason) for block in blocks(page)]
    # The third has no reason: test_every_block_is_found_and_every_skip_says_why fails that.
    assert found == [
        (2, "print(1)\n", None),
        (6, "print(2)\n", "needs a real key"),
        (11, "print(3)\n", ""),
        (16, "if True:\n    print(4)\n", None),
    ]


def test_the_pages_are_found() -> None:
    names = {page.name for page in PAGES}
    assert {"chat.md", "models.md", "client.md", "README.md"} <= names
    assert len(RUNNABLE) >= 15


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_block_is_found_and_every_skip_says_why(page: Path) -> None:
    found = blocks(page)
    assert len(found) == page.read_text().count("```python")
    skipped = [block for block in found if block.skip_reason is not None]
    for block in skipped:
        assert block.skip_reason, f"{block.where}: 'not runnable' needs a reason"
    # A marker not directly before a python block skips nothing: a mistake.
    assert len(MARKER.findall(page.read_text())) == len(skipped)


@pytest.mark.parametrize("page", sorted(RUNNABLE))
def test_the_examples_of_the_page_run(page: str, server: LocalServer, tmp_path: Path) -> None:
    payload = [
        {"page": str(block.page), "line": block.line, "code": block.code, "where": block.where}
        for block in RUNNABLE[page]
    ]
    (tmp_path / "blocks.json").write_text(json.dumps(payload))
    done = run_python_against(server.url, API_KEY, tmp_path, str(RUNNER), "blocks.json")
    assert done.returncode == 0, done.stderr[-3000:]


# -- type checking ---------------------------------------------------------------------


def page_module(page: Path) -> str:
    """The runnable blocks of ``page`` as one module, each block at its line in the page
    (so mypy's messages point into the page). A page with top-level ``await`` runs as
    one coroutine (as in ``python -m asyncio``): it is checked as the body of one."""
    runnable = [block for block in blocks(page) if block.skip_reason is None]
    awaits = any(
        compile(block.code, str(page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT).co_flags
        & inspect.CO_COROUTINE
        for block in runnable
    )
    indent = "    " if awaits else ""
    lines: list[str] = []
    for block in runnable:
        lines += [""] * (block.line - 1 - len(lines))
        lines += [indent + line if line else "" for line in block.code.splitlines()]
    if awaits:
        lines[0] = "async def _page() -> None:  # the page, run as one coroutine"
    return "\n".join(lines) + "\n"


def test_a_page_with_top_level_await_is_checked_as_one_coroutine(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Text\n\n```python\nx = 1\n```\n\n```python\nawait f(x)\n```\n")
    module = page_module(page).splitlines()
    assert module[0] == "async def _page() -> None:  # the page, run as one coroutine"
    assert (module[3], module[7]) == ("    x = 1", "    await f(x)")  # lines as in the page
    assert len(module) == 8


def test_the_examples_pass_mypy_strict_as_written(tmp_path: Path) -> None:
    """Every runnable block of the docs and the README, and every script of examples/,
    type-checks with ``mypy --strict`` (the project's configuration) as a user would
    write it: without a ``cast`` or an annotation the example does not show."""
    sources: dict[str, str] = {}  # module file -> the page it stands for
    for page in PAGES:
        if page.name in RUNNABLE:
            source = tmp_path / f"doc_{page.stem.replace('-', '_').lower()}.py"
            source.write_text(page_module(page))
            sources[str(source)] = str(page.relative_to(REPO))
    examples = [str(path) for path in sorted((REPO / "examples").glob("*.py"))]
    config = ["--config-file", str(REPO / "pyproject.toml")]
    cache = ["--cache-dir", str(tmp_path / "mypy_cache")]
    out, err, status = mypy_api.run([*config, *cache, *sources, *examples])
    for module_file, page_name in sources.items():
        out = out.replace(module_file, page_name)
    assert status == 0, out + err
