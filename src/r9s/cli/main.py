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
import typing
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
    Command("agents", "instructions, model and skills for r9s chat --agent"),
    Command("skills", "Agent Skills (SKILL.md folders) for r9s chat --skill"),
    Command("models", "list the models the router serves, or show one"),
    Command("embed", "embedding vectors; search a local collection"),
    Command("images", "generate, edit or describe images"),
    Command("audio", "text to speech, transcription, translation"),
    Command("batch", "send a file of requests, resumably and rate-aware"),
    Command("web", "a local page to chat and compare models side by side"),
    Command("login", "check an API key and store it"),
    Command("config", "show or edit ~/.r9s/config.toml"),
    Command("completion", "shell completion for bash, zsh, fish"),
    Command("mock", "run the local r9s-compatible server (offline)"),
    Command("set", "point a coding tool (Claude Code, Codex, ...) at r9s"),
    Command("reset", "restore a coding tool's config from a backup"),
    Command("run", "run a coding tool against r9s, changing no file"),
    Command("env", "print variables that point a tool or an SDK app at r9s"),
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
  r9s "Name three rivers"          one answer: r9s "question" is r9s chat "question"
  r9s logs -q "rust"               search every question and answer so far
  r9s models --filter claude       the models the router serves
  r9s set claude-code              point Claude Code at r9s
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


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors suggest the choice closest to a mistyped one
    (``images generat``: did you mean generate?). Sub-parsers are of this class too."""

    def error(self, message: str) -> typing.NoReturn:
        import re

        found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if found:
            from r9s.cli.common.errors import did_you_mean

            choices = re.findall(r"'([^']*)'", found.group(2))
            close = did_you_mean(found.group(1), choices)
            if close:
                message = f"{message}; did you mean {close!r}?"
        super().error(message)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help, with an option's forms on one line (``-m, --model MODEL``, not
    ``-m MODEL, --model MODEL``): most options then take one line, not two."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        value = self._format_args(action, self._get_default_metavar_for_optional(action))
        return f"{', '.join(action.option_strings)} {value}"


TOP_OPTIONS = ("-h", "--help", "--version")


def route(argv: Sequence[str]) -> list[str]:
    """``r9s "question"`` (a first word that is no command) as ``r9s chat "question"``.

    A lone word close to a command's name (``r9s modles``) is taken for a typo, not a
    question: ``UnknownCommand`` suggests the command."""
    argv = list(argv)
    if not argv or argv[0] in TOP_OPTIONS or argv[0] == "--":
        return argv
    first = argv[0]
    if not first.startswith("-") and find_command(first) is not None:
        return argv
    if not first.startswith("-") and all(token.startswith("-") for token in argv[1:]):
        typo = _typo(first)
        if typo is not None:
            raise UnknownCommand(first, typo)
    if first.startswith("-") and any(find_command(token) for token in argv[1:]):
        return argv  # options before a command (r9s --api-key K models): argparse says no
    return ["chat", *argv]


def _typo(word: str) -> str | None:
    if not word or any(char.isspace() for char in word):
        return None
    import difflib

    names = [name for command in COMMANDS for name in (command.name, *command.aliases)]
    close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.75)
    return close[0] if close else None


class UnknownCommand(Exception):
    def __init__(self, word: str, close: str) -> None:
        super().__init__(word, close)
        self.word = word
        self.close = close


class TopHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The command list with a column wide enough for ``doctor (status)`` on one line.

    argparse measures sub-commands at the section's indent but prints them two columns
    further in, so the longest one wraps; the extra two columns make up for that."""

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if isinstance(action, argparse._SubParsersAction):
            self._action_max_length += 2


def build_parser(argv: Sequence[str] = (), *, full: bool = False) -> argparse.ArgumentParser:
    """Build the parser; with ``full`` every command's arguments are added (for completion)."""
    parser = Parser(
        prog="r9s",
        description="r9s: talk to any model behind the r9s router, and point coding tools at it.",
        epilog=EPILOG,
        formatter_class=TopHelpFormatter,
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
            formatter_class=HelpFormatter,
        )
        if full or command is selected:
            load(command).add_arguments(child)
        child.set_defaults(_command=command)
    return parser


def _report(message: str) -> None:
    print(f"r9s: error: {message}", file=sys.stderr)


def _unknown_arguments(
    parser: argparse.ArgumentParser, args: argparse.Namespace, unknown: list[str]
) -> typing.NoReturn:
    """argparse's "unrecognized arguments" error, with the closest option of the command
    that was run (``--modle``: did you mean --model?)."""
    from r9s.cli.common.errors import did_you_mean
    from r9s.cli.common.i18n import _

    flags = [token.split("=", 1)[0] for token in unknown if token.startswith("-")]
    known, deepest = _option_strings(parser, args)
    for flag in flags:
        close = did_you_mean(flag, known, cutoff=0.7)
        if close:
            deepest.error(
                _("unrecognized argument {flag}; did you mean {close}?").format(
                    flag=flag, close=close
                )
            )
    deepest.error(_("unrecognized arguments: {arguments}").format(arguments=" ".join(unknown)))


def _check_long_flags(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """A mistyped long flag, before argparse takes the word after it for something else
    (``models --filtre x``: "invalid choice: 'x'"): said with the closest flag."""
    known: set[str] = set()

    def visit(current: argparse.ArgumentParser) -> None:
        for action in current._actions:
            known.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    visit(child)

    visit(parser)
    for token in argv:
        if token == "--":
            return
        if not token.startswith("--") or any(char.isspace() for char in token):
            continue
        flag = token.split("=", 1)[0]
        if flag in known or any(option.startswith(flag) for option in known):
            continue  # argparse takes unique prefixes
        from r9s.cli.common.errors import did_you_mean

        close = did_you_mean(flag, sorted(known), cutoff=0.7)
        if close:
            from r9s.cli.common.i18n import _

            deepest = _option_strings(parser, _partial_namespace(parser, argv))[1]
            deepest.error(
                _("unrecognized argument {flag}; did you mean {close}?").format(
                    flag=flag, close=close
                )
            )


def _partial_namespace(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Which command and subcommand ``argv`` names (to show that one's usage)."""
    namespace = argparse.Namespace()
    words = [token for token in argv if not token.startswith("-")]
    if words:
        command = find_command(words[0])
        if command is not None:
            namespace._command = command
        for index, word in enumerate(words[1:3]):
            setattr(namespace, f"_word{index}", word)
    return namespace


def _option_strings(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> tuple[list[str], argparse.ArgumentParser]:
    """The options of the (sub)command ``args`` ran, its parents' included, and its parser."""
    found: list[str] = []
    deepest = parser
    command = getattr(args, "_command", None)
    current: argparse.ArgumentParser | None = parser
    while current is not None:
        found += [flag for action in current._actions for flag in action.option_strings]
        deepest = current
        child = None
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                names = [command.name] if command is not None and current is parser else []
                names += [str(value) for value in vars(args).values() if isinstance(value, str)]
                for name in names:
                    if name in action.choices:
                        child = action.choices[name]
                        break
        current = child
    return found, deepest


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        argv = route(argv)
    except UnknownCommand as typo:
        from r9s.cli.common.i18n import _

        _report(
            _(
                "unknown command {word!r}; did you mean {close!r}? (to ask it as a question: "
                "r9s chat {word})"
            ).format(word=typo.word, close=typo.close)
        )
        return 2
    parser = build_parser(argv)
    _check_long_flags(parser, argv)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        _unknown_arguments(parser, args, unknown)
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
