"""Entry point of the ``r9s`` command.

The parser is built from the ``COMMANDS`` table. Only the command being run is
imported (each command module keeps third-party imports inside ``run``), so
``r9s --help`` imports neither httpx, pydantic, rich nor prompt_toolkit.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from r9s._version import __version__


@dataclass(frozen=True)
class Command:
    """A command: its module is ``r9s.cli.commands.<name>`` (``-`` read as ``_``)."""

    name: str
    help: str
    aliases: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return f"r9s.cli.commands.{self.name.replace('-', '_')}"


# The one table of commands, in the order --help lists them: the parser, --help and shell
# completion are built from it.
COMMANDS: tuple[Command, ...] = (
    Command("chat", "talk to a model: interactive, one-shot or piped"),
    Command("logs", "search and show the log of every chat turn"),
    Command("usage", "tokens and cost by day and model, from the log"),
    Command("templates", "saved prompts for r9s chat -t NAME"),
    Command("agents", "versioned instructions, model and skills: r9s chat --agent"),
    Command("skills", "Agent Skills (SKILL.md folders) for r9s chat --skill"),
    Command("models", "list the models the router serves"),
    Command("images", "generate or edit images"),
    Command("audio", "text to speech, transcription, translation"),
    Command("batch", "send a file of requests, resumably and rate-aware"),
    Command("login", "check an API key and store it"),
    Command("config", "show or edit ~/.r9s/config.toml"),
    Command("completion", "shell completion for bash, zsh, fish"),
    Command("mock", "run the local r9s-compatible server (offline)"),
    Command("set", "point a coding tool (Claude Code, Codex, ...) at r9s"),
    Command("reset", "restore a coding tool's config from a backup"),
    Command("run", "run a coding tool against r9s, changing no file"),
    Command(
        "doctor", "check which coding tools are installed and pointed at r9s", aliases=("status",)
    ),
)

EPILOG = """\
settings (a flag beats the environment, which beats ./.env, which beats ~/.r9s/config.toml):
  R9S_API_KEY    API key            R9S_BASE_URL   base URL (default https://api.r9s.ai/v1)
  R9S_MODEL      default model      R9S_NO_DOTENV=1  ignore ./.env

examples:
  r9s login                        check a key and store it in ~/.r9s/config.toml
  r9s chat                         interactive chat (r9s chat "question" for one answer)
  r9s logs -q "rust"               search every question and answer so far
  r9s models --filter claude       the models the router serves
  r9s set claude-code              point Claude Code at r9s
  r9s mock --port 8765             start the offline local server
  r9s <command> --help             help and examples for one command
"""


def find_command(name: str) -> Command | None:
    for command in COMMANDS:
        if name == command.name or name in command.aliases:
            return command
    return None


def load(command: Command) -> ModuleType:
    return importlib.import_module(command.module)


def _selected(argv: Sequence[str]) -> Command | None:
    for token in argv:
        if token == "--":
            return None
        if not token.startswith("-"):
            return find_command(token)
    return None


def build_parser(argv: Sequence[str] = (), *, full: bool = False) -> argparse.ArgumentParser:
    """Build the parser; with ``full`` every command's arguments are added (for completion)."""
    parser = argparse.ArgumentParser(
        prog="r9s",
        description="r9s: talk to any model behind the r9s router, and point coding tools at it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"r9s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    selected = _selected(argv)
    for command in COMMANDS:
        child = sub.add_parser(
            command.name,
            aliases=list(command.aliases),
            help=command.help,
            description=command.help,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if full or command is selected:
            load(command).add_arguments(child)
        child.set_defaults(_command=command)
    return parser


def _report(message: str) -> None:
    print(f"r9s: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    command: Command | None = getattr(args, "_command", None)
    if command is None:
        parser.print_help()
        return 0
    try:
        return int(load(command).run(args) or 0)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout closed early (`r9s models | head`): not an error for the user.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # one line for the user, never a traceback
        if os.environ.get("R9S_DEBUG"):
            raise
        from r9s.cli.common.errors import UsageError, describe

        _report(describe(exc))
        return 2 if isinstance(exc, UsageError) else 1


if __name__ == "__main__":
    sys.exit(main())
