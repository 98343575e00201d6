"""``r9s env TOOL``: the variables that point a coding tool, or any OpenAI/Anthropic SDK
app, at r9s, written for a shell (``eval "$(r9s env claude-code)"``)."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_target_arguments, tools_line
from r9s.cli.common.i18n import N_, _

SHELLS = ("bash", "zsh", "fish", "powershell", "dotenv", "json")
SDKS = ("openai", "anthropic")

EPILOG = N_("""\
TOOL is a coding tool or an SDK: `openai` (OPENAI_BASE_URL, OPENAI_API_KEY: the openai
SDKs, most OpenAI-compatible apps and IDE plugins) or `anthropic` (ANTHROPIC_BASE_URL,
ANTHROPIC_API_KEY: the anthropic SDKs and the Claude Agent SDK). Values come as for `r9s
set` (flags, the tool's current r9s models, R9S_* settings, the best listed model);
nothing is asked and no file is written. The key is printed in full when stdout is not a
terminal (as under eval or a redirect) and masked on a terminal unless --reveal. The shell
is guessed from $SHELL (else bash). A tool that reads its setup only from files or
arguments (Codex, Cline, Droid, llm) has no variables: use `r9s run` or `r9s set`.

{tools}
examples:
  eval "$(r9s env claude-code)"                 this shell's claude uses r9s
  r9s env openai --shell fish | source          fish
  r9s env anthropic --shell dotenv >> .env      an app's .env
  r9s env openai --shell powershell | Invoke-Expression
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from r9s.cli.tools import all_tools, find, unknown_tool

    def target_name(text: str) -> str:
        if text.strip().lower() in SDKS:
            return text.strip().lower()
        tool = find(text)
        if tool is None:
            raise argparse.ArgumentTypeError(unknown_tool(text) + " or an SDK: openai, anthropic")
        return tool.name

    tools = all_tools()
    parser.epilog = _(EPILOG).format(tools=tools_line())
    parser.add_argument(
        "tool",
        metavar="TOOL",
        type=target_name,
        choices=[*SDKS, *(n for tool in tools for n in (tool.name, *tool.aliases))],
        help=_("a coding tool (listed below), or openai / anthropic"),
    )
    parser.add_argument("--shell", choices=SHELLS, help=_("output syntax (default: from $SHELL)"))
    parser.add_argument(
        "--reveal", action="store_true", help=_("print the key in full even on a terminal")
    )
    add_target_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from r9s._config import mask_key
    from r9s.cli.common import interact

    variables, key = _variables(args)
    on_terminal = sys.stdout.isatty()
    if on_terminal and not args.reveal:
        variables = {name: value.replace(key, mask_key(key)) for name, value in variables.items()}
        interact.warn(
            _('the key is masked on a terminal: eval "$(r9s env {tool})", or --reveal').format(
                tool=args.tool
            )
        )
    shell = args.shell or _default_shell(os.environ.get("SHELL", ""))
    sys.stdout.write(render(variables, shell))
    return 0


def _variables(args: argparse.Namespace) -> tuple[dict[str, str], str]:
    """The variables for ``args.tool``, and the key they hold."""
    import os
    from pathlib import Path

    from r9s._config import root_url
    from r9s.cli.tools import find
    from r9s.cli.tools._base import Target
    from r9s.cli.tools._configure import check_target, read_configs
    from r9s.cli.tools._target import resolve_target

    if args.tool in SDKS:
        from r9s._config import ENV_API_KEY
        from r9s.cli.common.interact import NotInteractive
        from r9s.cli.common.settings import base_url, resolve

        base, _source = base_url(args.base_url)
        assert base is not None
        key, _source = resolve(args.api_key, ENV_API_KEY, flag_name="--api-key")
        if not key:
            raise NotInteractive(
                _("no API key: pass --api-key or set {ENV_API_KEY}").format(ENV_API_KEY=ENV_API_KEY)
            )
        check_target(Target(base, key, "", ""), into=N_("variables"))
        if args.tool == "openai":
            found = {"OPENAI_BASE_URL": base, "OPENAI_API_KEY": key}
        else:
            found = {"ANTHROPIC_BASE_URL": root_url(base), "ANTHROPIC_API_KEY": key}
        return found, key
    tool = find(args.tool)
    assert tool is not None
    states = read_configs(tool, Path.home(), os.environ)
    current = tool.inspect([state.values for state in states], os.environ)
    target, _sources = resolve_target(tool, args, False, current=current)
    check_target(target, into=N_("variables"))  # for eval: no control characters
    if tool.env is not None:
        return tool.env(target), target.api_key
    plan = tool.run_plan(target)
    if plan.args or plan.files:
        raise ValueError(
            _(
                "{title} reads its setup only from files or arguments, not variables: "
                "use `r9s run {name}` or `r9s set {name}`"
            ).format(title=tool.title, name=tool.name)
        )
    return dict(plan.env), target.api_key


def _default_shell(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name if name in ("bash", "zsh", "fish") else "bash"


def render(variables: dict[str, str], shell: str) -> str:
    """``variables`` in ``shell``'s syntax, one per line (JSON: one object)."""
    import json

    if shell == "json":
        return json.dumps(variables, indent=2) + "\n"
    if shell == "dotenv":  # quoted as dotenv reads it back (its writer refuses what cannot be)
        from r9s.cli.common import dotenv

        return dotenv.edit("", dict(variables))
    lines = []
    for name, value in variables.items():
        if shell == "fish":
            quoted = "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
            lines.append(f"set -gx {name} {quoted}")
        elif shell == "powershell":
            lines.append(f"$env:{name} = '" + value.replace("'", "''") + "'")
        else:
            lines.append(f"export {name}='" + value.replace("'", "'\\''") + "'")
    return "\n".join(lines) + "\n"
