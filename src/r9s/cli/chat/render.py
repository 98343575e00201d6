"""Showing an answer while it streams.

Two renderers share one interface (``waiting``, ``feed``, ``finish``):

- :class:`PlainRenderer` writes each delta to stdout as it comes (pipes, ``--plain``,
  ``NO_COLOR`` does not matter here: there is no styling at all).
- :class:`RichRenderer` renders Markdown and code with rich. Finished blocks (a
  paragraph, a list, a code block...) are printed once, for good, and scroll like any
  output; only the block still being written is redrawn in a small live region. That
  region is never allowed to grow past the screen: when it would, its lines are
  printed for good first. So an answer longer than the screen is never cropped, and
  what is left in the scrollback is the final rendering.

A spinner runs on stderr until the first text arrives.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Protocol, TextIO

from r9s.cli.common.interact import draws_on, no_color
from r9s.cli.common.terminal import printable

REFRESH_INTERVAL = 0.05  # seconds between redraws of the live region


class Renderer(Protocol):
    def waiting(self, label: str) -> None:
        """Show that an answer is awaited (spinner)."""

    def feed(self, text: str) -> None:
        """Show the next piece of the answer."""

    def finish(self) -> None:
        """The answer is complete (or was interrupted): leave it on screen, cursor below."""


def wants_rich(plain: bool) -> bool:
    """Rich rendering: stdout is a terminal and ``--plain`` was not given."""
    return not plain and draws_on(sys.stdout)


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

    def __init__(self, out: TextIO | None = None, spinner: bool = True) -> None:
        self.out = out or sys.stdout
        # On a terminal a model's answer must not drive it (escape sequences); piped or
        # redirected, it is passed on as sent.
        self._terminal = self.out.isatty()
        self._spinner = _Spinner() if spinner else None
        self._last = ""
        self._started = False

    def waiting(self, label: str) -> None:
        if self._spinner is not None:
            self._spinner.start(label)

    def feed(self, text: str) -> None:
        if not text:
            return
        if not self._started:
            self._started = True
            if self._spinner is not None:
                self._spinner.stop()
        if self._terminal:
            text = printable(text, keep_lines=True)
        self.out.write(text)
        self.out.flush()
        self._last = text

    def finish(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
        if self._started and not self._last.endswith("\n"):
            self.out.write("\n")
        self.out.flush()


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
        if not self._started:
            self._started = True
            self._spinner.stop()
            self._start_live()
        self._partial += printable(text, keep_lines=True)  # always a terminal here
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self._line(line)
        self._keep_on_screen()
        now = time.monotonic()
        if now - self._last_refresh >= REFRESH_INTERVAL:
            self._refresh()

    def finish(self) -> None:
        self._spinner.stop()
        if self._live is not None:
            self._live.update("", refresh=True)
            self._live.stop()
            self._live = None
        if self._partial:
            self._pending.append(self._partial)
            self._partial = ""
        self._commit()

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
        text = "\n".join(lines)
        if self._fence is not None:
            from rich.syntax import Syntax

            return Syntax(
                text,
                self._language or "text",
                theme=self.code_theme,
                word_wrap=True,
                background_color="default",
            )
        from rich.markdown import Markdown

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


def make_renderer(plain: bool) -> Renderer:
    return RichRenderer() if wants_rich(plain) else PlainRenderer()
