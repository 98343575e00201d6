"""Talking to the person at the terminal: messages on stderr, and the few prompts we ask.

Prompts use the standard library only (``getpass`` for the key, ``input`` with readline
completion for picking), so they work in any terminal and under a pseudo-terminal.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from r9s.cli.common.errors import UsageError
from r9s.cli.common.i18n import _
from r9s.cli.common.terminal import printable

LIST_LIMIT = 40


class NotInteractive(UsageError):
    """A value is missing and there is no terminal to ask for it (exit status 2)."""


def is_interactive() -> bool:
    """Whether we may ask questions: stdin is a terminal (it may even be closed)."""
    return sys.stdin is not None and sys.stdin.isatty()


def say(message: str = "") -> None:
    """A message for the person (stderr; stdout stays for data)."""
    print(message, file=sys.stderr, flush=True)


def warn(message: str) -> None:
    """A warning; what it quotes (a server's message, a file's name) cannot drive the
    terminal."""
    say(_("r9s: warning: {message}").format(message=printable(message, keep_lines=True)))


def error(message: str) -> None:
    say(_("r9s: error: {message}").format(message=printable(message, keep_lines=True)))


def draws_on(stream: TextIO | None) -> bool:
    """Whether styles, spinners and progress bars may go to ``stream``: a terminal that is
    not ``TERM=dumb`` (never a file or a pipe)."""
    return stream is not None and stream.isatty() and os.environ.get("TERM", "") != "dumb"


def no_color() -> bool:
    """``NO_COLOR`` is set (https://no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def bold(text: str, stream: TextIO | None = None) -> str:
    """``text`` in bold when it goes to a terminal (``stream``, stderr by default), and
    plain with NO_COLOR or when redirected."""
    if no_color() or not draws_on(sys.stderr if stream is None else stream):
        return text
    return f"\033[1m{text}\033[0m"


def _read(prompt: str) -> str:
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        return input().strip()
    except EOFError:
        say()
        raise KeyboardInterrupt from None


def ask_secret(prompt: str) -> str:
    """A hidden entry (not echoed), asked until it is not empty."""
    while True:
        try:
            value = getpass.getpass(prompt, stream=sys.stderr).strip()
        except EOFError:
            say()
            raise KeyboardInterrupt from None
        if value:
            return value
        say(_("  (empty: please paste the key, or press Ctrl-C to stop)"))


def ask_text(prompt: str, default: str | None = None) -> str:
    """A line of text; Enter takes ``default`` when there is one."""
    shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
    while True:
        value = _read(shown)
        if value or default:
            return value or str(default)


def confirm(prompt: str, default: bool = True) -> bool:
    """Yes or no; Enter takes ``default``."""
    hint = "[Y/n]" if default else "[y/N]"
    while True:
        answer = _read(f"{prompt} {hint} ").lower()
        if not answer:
            return default
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False


def choose(
    prompt: str,
    options: Sequence[str],
    default: str | None = None,
    *,
    notes: Mapping[str, str] | None = None,
    allow_other: bool = True,
) -> str:
    """One of ``options``, by number, by name or by a part of a name that is unique.

    With ``allow_other`` a name outside the list is accepted after a confirmation.
    """
    notes = notes or {}
    shown = list(options)
    _complete_with(options)
    while True:
        _print_options(shown, notes)
        hint = "number, name or part of a name"
        answer = _read(f"{prompt} [{default}] ({hint}): " if default else f"{prompt} ({hint}): ")
        if not answer and default:
            return default
        if answer.isdigit() and 1 <= int(answer) <= len(shown):
            return shown[int(answer) - 1]
        if answer in options:
            return answer
        matches = [option for option in options if answer.lower() in option.lower()]
        if len(matches) == 1:
            return matches[0]
        if matches:
            shown = matches
            continue
        if (
            answer
            and allow_other
            and confirm(_("{answer!r} is not in the list; use it anyway?").format(answer=answer))
        ):
            return answer
        shown = list(options)


def _print_options(options: Sequence[str], notes: Mapping[str, str]) -> None:
    width = len(str(min(len(options), LIST_LIMIT)))
    name_width = max((len(option) for option in options[:LIST_LIMIT]), default=0)
    for number, option in enumerate(options[:LIST_LIMIT], start=1):
        note = printable(notes.get(option, ""))
        line = f"  {number:>{width}}) {printable(option):<{name_width}}  {note}"
        say(line.rstrip())
    if len(options) > LIST_LIMIT:
        say(
            _("  ... and {value} more: type part of a name to narrow the list").format(
                value=len(options) - LIST_LIMIT
            )
        )


def _complete_with(options: Sequence[str]) -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: typing still works
        return

    def complete(text: str, state: int) -> str | None:
        matches = [option for option in options if option.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" ")
    readline.parse_and_bind("tab: complete")
