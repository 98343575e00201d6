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
from r9s.cli.common.i18n import N_, _


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
    Command("chat", N_("talk to a model: interactive, one-shot or piped")),
    Command("logs", N_("search and show the log of every chat turn")),
    Command("usage", N_("tokens and cost by day and model, from the log")),
    Command("templates", N_("saved prompts for r9s chat -t NAME")),
    Command("agents", N_("instructions, model and skills for r9s chat --agent")),
    Command("skills", N_("Agent Skills (SKILL.md folders) for r9s chat --skill")),
    Command("models", N_("list the models the router serves, or show one")),
    Command("embed", N_("embedding vectors; search a local collection")),
    Command("images", N_("generate, edit or describe images")),
    Command("audio", N_("text to speech, transcription, translation")),
    Command("batch", N_("send a file of requests, resumably and rate-aware")),
    Command("web", N_("a local page to chat and compare models side by side")),
    Command("login", N_("check an API key and store it")),
    Command("config", N_("show or edit ~/.r9s/config.toml")),
    Command("completion", N_("shell completion for bash, zsh, fish")),
    Command("mock", N_("run the local r9s-compatible server (offline)")),
    Command("set", N_("point a coding tool (Claude Code, Codex, ...) at r9s")),
    Command("reset", N_("restore a coding tool's config from a backup")),
    Command("run", N_("run a coding tool against r9s, changing no file")),
    Command("env", N_("print variables that point a tool or an SDK app at r9s")),
    Command(
        "doctor",
        N_("check which coding tools are installed and pointed at r9s"),
        aliases=("status",),
    ),
)

EPILOG = N_("""\
settings (a flag beats the environment, which beats ./.env, which beats ~/.r9s/config.toml):
  R9S_API_KEY    API key            R9S_BASE_URL   base URL (default https://api.r9s.ai/v1)
  R9S_MODEL      default model      R9S_NO_DOTENV=1  ignore ./.env
  R9S_LANG or --lang LANG   language: en, zh-CN (default: the locale)

examples:
  r9s login                        check a key and store it in ~/.r9s/config.toml
  r9s chat                         interactive chat (r9s chat "question" for one answer)
  r9s "Name three rivers"          one answer: r9s "question" is r9s chat "question"
  r9s logs -q "rust"               search every question and answer so far
  r9s models --filter claude       the models the router serves
  r9s set claude-code              point Claude Code at r9s
  r9s <command> --help             help and examples for one command
""")


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
    (``images generat``: did you mean generate?), whose help wraps Chinese by its width
    on the terminal, and which takes the global ``--lang`` (the top help's settings list
    it: the options stay short). Sub-parsers are of this class too."""

    def __init__(self, *args: typing.Any, **kwargs: typing.Any):
        kwargs["formatter_class"] = _wide(kwargs.get("formatter_class", argparse.HelpFormatter))
        super().__init__(*args, **kwargs)
        # read before the parser is built (``i18n.choose``): here it is only accepted
        self.add_argument(
            "--lang", metavar="LANG", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )

    def _check_value(self, action: argparse.Action, value: typing.Any) -> None:
        if action.choices is None or value in action.choices:
            return
        from r9s.cli.common.errors import did_you_mean

        names = [str(choice) for choice in action.choices]
        choices = ", ".join(map(repr, action.choices))
        close = did_you_mean(value, names) if isinstance(value, str) else None
        if close:
            message = _(
                "invalid choice: {value!r} (choose from {choices}); did you mean {close!r}?"
            ).format(value=value, choices=choices, close=close)
        else:
            message = _("invalid choice: {value!r} (choose from {choices})").format(
                value=value, choices=choices
            )
        raise argparse.ArgumentError(action, message)


class WideText(argparse.HelpFormatter):
    """Help wrapped by display width: a Chinese character takes two columns, and a line
    may break between two of them (argparse counts characters and breaks at spaces).
    ASCII help is left to argparse, unchanged."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if text.isascii():
            return super()._split_lines(text, width)
        from r9s.cli.common.terminal import wrap

        return wrap(" ".join(text.split()), width)

    def _format_usage(
        self, usage: typing.Any, actions: typing.Any, groups: typing.Any, prefix: typing.Any
    ) -> str:
        if prefix is None:
            prefix = argparse._("usage: ")  # type: ignore[attr-defined]
        text = super()._format_usage(usage, actions, groups, prefix)
        from r9s.cli.common.terminal import display_width

        extra = display_width(prefix) - len(prefix)
        if not extra:
            return text
        # continuation lines are indented by the prefix's length: make it its width
        lines = text.split("\n")
        return "\n".join(
            [lines[0]]
            + [" " * extra + line if line.startswith(" ") else line for line in lines[1:]]
        )


_WIDE: dict[type, type] = {}


def _wide(formatter: typing.Any) -> typing.Any:
    """``formatter`` (an argparse formatter class) with :class:`WideText`'s wrapping."""
    if not isinstance(formatter, type) or issubclass(formatter, WideText):
        return formatter
    if formatter not in _WIDE:
        _WIDE[formatter] = type(f"Wide{formatter.__name__}", (WideText, formatter), {})
    return _WIDE[formatter]


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
    if argv[:1] == ["--lang"] and len(argv) > 1 or argv[:1] and argv[0].startswith("--lang="):
        width = 1 if argv[0].startswith("--lang=") else 2
        return argv[:width] + route(argv[width:])  # `r9s --lang zh-CN` alone: the help
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
        description=_(
            "r9s: talk to any model behind the r9s router, and point coding tools at it."
        ),
        epilog=_(EPILOG),
        formatter_class=TopHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"r9s {__version__}",
        help=_("show program's version number and exit"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    selected = _selected(argv)
    for command in COMMANDS:
        child = sub.add_parser(
            command.name,
            aliases=list(command.aliases),
            help=_(command.help),
            description=_(command.help),
            formatter_class=HelpFormatter,
        )
        if full or command is selected:
            load(command).add_arguments(child)
        child.set_defaults(_command=command)
    return parser


def _report(message: str) -> None:
    print(_("r9s: error: {message}").format(message=message), file=sys.stderr)


def _unknown_arguments(
    parser: argparse.ArgumentParser, args: argparse.Namespace, unknown: list[str]
) -> typing.NoReturn:
    """argparse's "unrecognized arguments" error, with the closest option of the command
    that was run (``--modle``: did you mean --model?)."""
    from r9s.cli.common.errors import did_you_mean

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
    from r9s.cli.common import i18n

    try:
        i18n.use(i18n.choose(argv))  # before any parser: the help is translated too
    except i18n.UnknownLanguage as asked:
        _report(str(asked))
        return 2
    try:
        argv = route(argv)
    except UnknownCommand as typo:
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
