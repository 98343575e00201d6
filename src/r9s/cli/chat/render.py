"""Showing an answer while it streams.

Two renderers share one interface (``waiting``, ``feed``, ``reasoning``, ``aside``,
``finish``):

- :class:`PlainRenderer` writes each delta to stdout as it comes (pipes, ``--plain``,
  ``NO_COLOR`` does not matter here: there is no styling at all).
- :class:`RichRenderer` renders Markdown and code with rich. Finished blocks (a
  paragraph, a list, a code block...) are printed once, for good, and scroll like any
  output; only the block still being written is redrawn in a small live region. That
  region is never allowed to grow past the screen: when it would, its lines are
  printed for good first. So an answer longer than the screen is never cropped, and
  what is left in the scrollback is the final rendering.

A spinner runs on stderr until the first text arrives. The model's reasoning and the
notes between parts of an answer (a tool call, its result) are dim and go to stderr, so
that stdout carries the answer alone.

Single line breaks are kept (a poem, an address, steps on lines of their own), as chat
UIs show them, although Markdown would join the lines of a paragraph.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol, TextIO

from r9s.cli.common.interact import draws_on, no_color
from r9s.cli.common.terminal import printable

REFRESH_INTERVAL = 0.05  # seconds between redraws of the live region


class Renderer(Protocol):
    def waiting(self, label: str) -> None:
        """Show that an answer is awaited (spinner)."""

    def feed(self, text: str) -> None:
        """Show the next piece of the answer."""

    def reasoning(self, text: str) -> None:
        """Show the next piece of the model's reasoning (dim, on stderr)."""

    def aside(self, line: str) -> None:
        """Show a note between parts of the answer (a tool call, its result): dim, stderr."""

    def code(self, text: str, language: str) -> None:
        """Show a whole block of code (a structured answer's JSON)."""

    def finish(self) -> None:
        """The answer is complete (or was interrupted): leave it on screen, cursor below."""


def wants_rich(plain: bool) -> bool:
    """Rich rendering: stdout is a terminal and ``--plain`` was not given."""
    return not plain and draws_on(sys.stdout)


_QUIET: list[tuple[int, list[Any], list[Any]]] = []
"""The terminal made quiet (its fd, saved and changed settings), while an answer streams."""


@contextlib.contextmanager
def quiet_terminal() -> Iterator[None]:
    """While an answer streams on a terminal: keys typed are not echoed (they would land
    in the middle of the drawing), and Ctrl-C does not make the terminal driver throw
    away the output it still holds (``NOFLSH``). Without that, the cursor moves of the
    redrawn region are lost with it and the partial answer ends up on screen twice.
    The terminal is put back however r9s ends (:func:`guarded_terminal`)."""
    with guarded_terminal():
        state = _set_quiet()
        if state is None:
            yield
            return
        _QUIET.append(state)
        try:
            yield
        finally:
            _QUIET.remove(state)
            _apply(state[0], state[1])


@contextlib.contextmanager
def guarded_terminal() -> Iterator[None]:
    """The terminal's settings as they are now, put back should r9s be ended by SIGTERM
    or SIGHUP meanwhile (a closed window, ``kill``): Python would die without unwinding,
    leaving a terminal without echo (or, from the interactive prompt, in raw mode)."""
    saved = _settings()
    if saved is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    fd, attributes = saved
    previous: dict[int, Any] = {}

    def restore_and_die(signum: int, frame: Any) -> None:
        _apply(fd, attributes)
        signal.signal(signum, previous.get(signum, signal.SIG_DFL))
        os.kill(os.getpid(), signum)

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, restore_and_die)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _settings() -> tuple[int, list[Any]] | None:
    try:
        import termios

        fd = sys.stdin.fileno()
        if not os.isatty(fd):
            return None
        return fd, termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError):
        return None
    except Exception:  # termios.error
        return None


@contextlib.contextmanager
def speaking_terminal() -> Iterator[None]:
    """The terminal as it was, for a question asked in the middle of an answer (a tool
    call to confirm): what is typed shows again."""
    if not _QUIET:
        yield
        return
    fd, saved, changed = _QUIET[-1]
    _apply(fd, saved)
    try:
        yield
    finally:
        _apply(fd, changed)


def _set_quiet() -> tuple[int, list[Any], list[Any]] | None:
    found = _settings()
    if found is None:
        return None
    fd, saved = found
    try:
        import termios

        changed = list(saved)
        changed[3] = (changed[3] & ~termios.ECHO) | termios.NOFLSH
        termios.tcsetattr(fd, termios.TCSANOW, changed)
    except (ImportError, OSError, ValueError, AttributeError):
        return None  # no terminal (or not a POSIX one): nothing to protect
    except Exception:  # termios.error
        return None
    return fd, saved, changed


def _apply(fd: int, attributes: list[Any]) -> None:
    import termios

    with contextlib.suppress(Exception):
        termios.tcsetattr(fd, termios.TCSANOW, attributes)


class SideText:
    """Dim text on stderr (plain when stderr is not a terminal, or with NO_COLOR): the
    reasoning as it streams, and whole lines of notes."""

    def __init__(self) -> None:
        self.stream = sys.stderr
        self.dim = draws_on(self.stream) and not no_color()
        # reasoning and tool arguments come from the model: on a terminal they must not
        # drive it (escape sequences)
        self._terminal = self.stream.isatty()
        self.mid_line = False  # the last text written did not end a line
        self.used = False

    def write(self, text: str) -> None:
        if not text:
            return
        self.used = True
        if self._terminal:
            text = printable(text, keep_lines=True)
        self.stream.write(f"\033[2m{text}\033[0m" if self.dim else text)
        self.stream.flush()
        self.mid_line = not text.endswith("\n")

    def line(self, text: str) -> None:
        self.end_line()
        self.write(f"{text}\n")

    def end_line(self) -> None:
        if self.mid_line:
            self.write("\n")


class _Spinner:
    """A spinner on stderr (when stderr is a terminal)."""

    def __init__(self) -> None:
        self._status: Any = None

    def start(self, label: str) -> None:
        if not draws_on(sys.stderr):
            return
        from rich.console import Console

        console = Console(file=sys.stderr, no_color=no_color())
        self._status = console.status(label, spinner="dots")
        self._status.start()

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


class PlainRenderer:
    """Deltas straight to stdout; a final newline if the answer lacks one."""

    def __init__(
        self, out: TextIO | None = None, spinner: bool = True, reasoning: bool = True
    ) -> None:
        self.out = out or sys.stdout
        # On a terminal a model's answer must not drive it (escape sequences); piped or
        # redirected, it is passed on as sent.
        self._terminal = self.out.isatty()
        self._spinner = _Spinner() if spinner else None
        self._show_reasoning = reasoning
        self._side = SideText()
        self._last = ""
        self._started = False
        self._aside = False  # a note came after the text shown so far

    def waiting(self, label: str) -> None:
        if self._spinner is not None:
            self._spinner.start(label)

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()

    def feed(self, text: str) -> None:
        if not text:
            return
        self._stop_spinner()
        if self._side.mid_line:
            self._side.end_line()
            if _same_screen(self.out):
                self._side.write("\n")
        if self._aside and self._started and not _same_screen(self.out):
            # text of the model's next turn (after a tool call): a paragraph of its own
            self.out.write("\n" if self._last.endswith("\n") else "\n\n")
        self._aside = False
        self._started = True
        if self._terminal:
            text = printable(text, keep_lines=True)
        self.out.write(text)
        self.out.flush()
        self._last = text

    def reasoning(self, text: str) -> None:
        if not self._show_reasoning:
            return
        self._stop_spinner()
        self._end_answer_line()
        self._side.write(text)

    def aside(self, line: str) -> None:
        self._stop_spinner()
        self._end_answer_line()
        self._side.line(line)
        self._aside = True

    def code(self, text: str, language: str) -> None:
        self.feed(text if text.endswith("\n") else f"{text}\n")

    def _end_answer_line(self) -> None:
        # Only on a shared screen: a piped answer must stay exactly what the model said.
        if self._started and not self._last.endswith("\n") and _same_screen(self.out):
            self.out.write("\n")
            self.out.flush()
            self._last = "\n"

    def finish(self) -> None:
        self._stop_spinner()
        self._side.end_line()
        if self._started and not self._last.endswith("\n"):
            self.out.write("\n")
        self.out.flush()


def _same_screen(out: TextIO) -> bool:
    """Whether ``out`` and stderr show on the same terminal (notes then interleave)."""
    return draws_on(out) and draws_on(sys.stderr)


class RichRenderer:
    """Markdown rendering that commits finished blocks and redraws only the last one."""

    def __init__(self, code_theme: str = "monokai") -> None:
        from rich.console import Console

        # The real size of the terminal, not $LINES/$COLUMNS (rich prefers those, and a
        # stale value would let the live region outgrow the screen).
        try:
            size: os.terminal_size | None = os.get_terminal_size(sys.stdout.fileno())
        except (OSError, ValueError):
            size = None
        self.console = Console(
            file=sys.stdout,
            no_color=no_color(),
            highlight=False,
            soft_wrap=False,
            width=size.columns if size else None,
            height=size.lines if size else None,
        )
        self.code_theme = code_theme
        self._spinner = _Spinner()
        self._side = SideText()
        self._live: Any = None
        self._pending: list[str] = []  # lines of the block being written
        self._partial = ""  # text after the last newline
        self._fence: str | None = None  # the opening fence (``` or ~~~) while in code
        self._language = ""
        self._last_refresh = 0.0
        self._started = False
        self._gap = False  # a blank line is due before the next block

    # -- the interface ------------------------------------------------------------------

    def waiting(self, label: str) -> None:
        self._spinner.start(label)

    def feed(self, text: str) -> None:
        if not text:
            return
        self._spinner.stop()
        if self._side.mid_line:
            self._side.end_line()
            self._gap = True
        if self._live is None:
            self._started = True
            self._start_live()
        self._partial += printable(text, keep_lines=True)  # always a terminal here
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self._line(line)
        self._keep_on_screen()
        now = time.monotonic()
        if now - self._last_refresh >= REFRESH_INTERVAL:
            self._refresh()

    def reasoning(self, text: str) -> None:
        self._pause()
        self._side.write(text)

    def aside(self, line: str) -> None:
        self._pause()
        self._side.line(line)
        self._gap = True

    def code(self, text: str, language: str) -> None:
        from rich.syntax import Syntax

        self._pause()
        if self._gap:
            self.console.print()
        self._started = True
        self.console.print(
            Syntax(
                printable(text, keep_lines=True),
                language,
                theme=self.code_theme,
                word_wrap=True,
                background_color="default",
            )
        )
        self._gap = True

    def _pause(self) -> None:
        """Print what was shown of the answer for good, so that dim text can follow it."""
        self._spinner.stop()
        if self._live is not None:
            self._live.update("", refresh=True)
            self._live.stop()
            self._live = None
        if self._partial:
            # the last line, as complete: a closing fence without a newline closes
            partial, self._partial = self._partial, ""
            self._line(partial)
        self._commit()
        if self._fence is None and self._started:
            self._gap = True

    def finish(self) -> None:
        self._pause()
        self._side.end_line()
        self._fence = None

    # -- blocks -------------------------------------------------------------------------

    def _start_live(self) -> None:
        from rich.live import Live

        self._live = Live(
            "",
            console=self.console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            vertical_overflow="visible",
        )
        self._live.start()

    def _line(self, line: str) -> None:
        stripped = line.strip()
        if self._fence is not None:
            if stripped.startswith(self._fence) and not stripped.strip(self._fence[0]):
                self._commit()
                self._fence = None
                self._gap = True
            else:
                self._pending.append(line)
            return
        if stripped.startswith(("```", "~~~")):
            self._commit()
            marker = stripped[0] * (len(stripped) - len(stripped.lstrip(stripped[0])))
            self._fence = marker
            self._language = stripped[len(marker) :].strip().split(" ")[0]
            return
        if not stripped:
            self._commit()
            return
        if stripped.startswith("#"):
            self._commit()
            self._pending.append(line)
            self._commit()
            return
        self._pending.append(line)

    def _renderable(self, lines: list[str]) -> Any:
        if self._fence is not None:
            text = "\n".join(lines)
            from rich.syntax import Syntax

            return Syntax(
                text,
                self._language or "text",
                theme=self.code_theme,
                word_wrap=True,
                background_color="default",
            )
        from rich.markdown import Markdown

        # A line break ends every line (two trailing spaces: Markdown's hard break), so
        # that single line breaks show as the model wrote them.
        text = "\n".join(f"{line}  " for line in lines)
        return _Trimmed(Markdown(text, code_theme=self.code_theme))

    def _commit(self, gap_after: bool = True) -> None:
        """Print the pending block for good (above the live region)."""
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        if self._gap:
            self.console.print()
        self.console.print(self._renderable(lines))
        self._gap = gap_after

    def _height(self, lines: list[str]) -> int:
        return len(self.console.render_lines(self._renderable(lines), pad=False))

    def _keep_on_screen(self) -> None:
        """Never let the live region outgrow the screen: print what would not fit."""
        limit = max(3, self.console.size.height - 2)
        shown = self._pending + ([self._partial] if self._partial else [])
        if not shown or self._height(shown) <= limit:
            return
        if self._pending:
            self._commit_keeping_fence()
            if not self._partial or self._height([self._partial]) <= limit:
                return
        # One line taller than the screen (a long paragraph): print all but its last
        # words for good.
        cut = self._partial.rfind(" ", 0, max(1, len(self._partial) - 80))
        if cut <= 0:
            cut = max(1, len(self._partial) - 80)
        head, self._partial = self._partial[:cut], self._partial[cut:].lstrip(" ")
        self._pending.append(head)
        self._commit_keeping_fence()

    def _commit_keeping_fence(self) -> None:
        # part of a block that goes on: no blank line after it
        self._commit(gap_after=False)

    def _refresh(self) -> None:
        if self._live is None:
            return
        shown = self._pending + ([self._partial] if self._partial else [])
        self._live.update(self._renderable(shown) if shown else "", refresh=True)
        self._last_refresh = time.monotonic()


class _Trimmed:
    """A renderable without the blank lines rich puts around some blocks (lists), so
    that a block printed in two parts does not get a gap between them."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.segment import Segment

        lines = console.render_lines(self.inner, options, pad=False)
        blank = ["".join(segment.text for segment in line).strip() == "" for line in lines]
        start = blank.index(False) if False in blank else len(lines)
        end = len(lines) - (blank[::-1].index(False) if False in blank else 0)
        for line in lines[start:end]:
            yield from line
            yield Segment.line()


def first_code_block(text: str) -> str | None:
    """The content of the first fenced code block of Markdown ``text`` (``` or ~~~, three
    or more, closed by a fence of the same character at least as long; an unclosed one
    runs to the end), or None when there is none."""
    lines = text.splitlines(keepends=True)
    for start, line in enumerate(lines):
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) > 3 or stripped[:3] not in ("```", "~~~"):
            continue
        mark = stripped[0]
        length = len(stripped) - len(stripped.lstrip(mark))
        info = stripped[length:].strip()
        if mark == "`" and "`" in info:
            continue  # not a fence: inline code such as ```a``` on one line
        body: list[str] = []
        for inner in lines[start + 1 :]:
            closing = inner.strip()
            if closing and set(closing) == {mark} and len(closing) >= length:
                break
            body.append(inner)
        return "".join(body)
    return None


def make_renderer(plain: bool) -> Renderer:
    return RichRenderer() if wants_rich(plain) else PlainRenderer()
