"""Arguments shared by several commands (standard library only)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping

from r9s.cli.common.i18n import N_, _


def add_tool_argument(parser: argparse.ArgumentParser, *, optional: bool) -> None:
    """The TOOL positional: a name or alias (any case); anything else is a usage error
    (exit 2), and the names are offered by shell completion."""
    from r9s.cli.tools import all_tools, find, unknown_tool

    tools = all_tools()
    # the short forms, as examples: "claude" for claude-code
    short = [alias for tool in tools for alias in tool.aliases if tool.name.startswith(alias)]

    def tool_name(text: str) -> str:
        tool = find(text)
        if tool is None:
            raise argparse.ArgumentTypeError(unknown_tool(text))
        return tool.name

    parser.add_argument(
        "tool",
        nargs="?" if optional else None,
        metavar="TOOL",
        type=tool_name,
        choices=[name for tool in tools for name in (tool.name, *tool.aliases)],
        help=_("a coding tool (listed below) or an alias ({join}...)").format(
            join=", ".join(short[:2])
        ),
    )


def tools_line(prefix: str = "tools: ") -> str:
    """Every tool's name, wrapped at 88 columns without breaking a name at its hyphen."""
    import textwrap

    from r9s.cli.tools import names

    return (
        textwrap.fill(
            prefix + ", ".join(names()), width=88, break_on_hyphens=False, subsequent_indent="  "
        )
        + "\n"
    )


def add_connection_arguments(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    timeout: str | None = N_("seconds to wait (default 600)"),
) -> None:
    """``--api-key``, ``--base-url`` and (unless ``timeout`` is None, its help) ``--timeout``:
    how every command that talks to r9s is pointed at it."""
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        help=_(
            "API key (default: $R9S_API_KEY, ./.env, ~/.r9s/config.toml; "
            "safer than this flag, seen in `ps`)"
        ),
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help=_(
            "r9s base URL, with or without /v1 (default: $R9S_BASE_URL, ./.env, "
            "~/.r9s/config.toml, else https://api.r9s.ai/v1)"
        ),
    )
    if timeout is not None:
        parser.add_argument("--timeout", type=float, metavar="S", help=_(timeout))


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """``--api-key``, ``--base-url``, ``--model``, ``--small-model``, the model slots
    (``--opus-model``..., ``--slot NAME=MODEL``) and ``--reasoning-effort``."""
    from r9s.cli.tools import all_tools

    tools = all_tools()
    small = ", ".join(tool.title for tool in tools if tool.uses_small_model)
    add_connection_arguments(parser, timeout=None)
    parser.add_argument(
        "--model",
        metavar="MODEL",
        help=_("model id (without it: $R9S_MODEL or a pick from the server's list; see below)"),
    )
    parser.add_argument(
        "--small-model",
        metavar="MODEL",
        help=_("small, fast model for background tasks ({small})").format(small=small),
    )

    slots = {slot.name: (slot, tool) for tool in tools for slot in tool.slots}
    for name, (slot, tool) in slots.items():
        parser.add_argument(
            f"--{name}-model",
            metavar="MODEL",
            help=f"{tool.title}: {slot.setting}",
        )
    parser.add_argument(
        "--slot",
        action="append",
        metavar="NAME=MODEL",
        help=_("a model slot by name ({join})").format(join=", ".join(slots)),
    )
    efforts = {effort: None for tool in tools for effort in tool.reasoning_efforts}
    with_effort = ", ".join(tool.title for tool in tools if tool.reasoning_efforts)
    parser.add_argument(
        "--reasoning-effort",
        choices=list(efforts),
        metavar="LEVEL",
        help=f"{with_effort}: {', '.join(efforts)}",
    )


def subcommands(
    parser: argparse.ArgumentParser, examples: Mapping[str, str], *, required: bool = True
) -> Callable[[str, str], argparse.ArgumentParser]:
    """The ``ACTION`` subcommands of ``parser`` (``args.action``): returns
    ``action(name, help)``, which adds one with ``examples[name]`` as its epilog."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=required)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=text,
            description=text,
            epilog=_(examples[name]),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    return action
