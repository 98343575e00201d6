"""Progress of a run: a live bar on a terminal, a line every 10 s otherwise, or a callback."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import IO, Any, Literal

from r9s.batch._runner import Stats

ProgressOption = Literal["auto", "bar", "lines", "off"] | Callable[[Stats], None] | None
LINE_SECONDS = 10.0
BAR_SECONDS = 0.25
CALLBACK_SECONDS = 1.0


def _count(n: float) -> str:
    if n >= 10_000_000:
        return f"{n / 1e6:.0f}M"
    if n >= 1_000_000:
        return f"{n / 1e6:.1f}M"
    if n >= 10_000:
        return f"{n / 1e3:.0f}k"
    return f"{n:,.0f}"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def rate(stats: Stats) -> float:
    """Rows written per second by this run."""
    elapsed = time.monotonic() - stats.started
    return stats.now.done / elapsed if elapsed > 0 else 0.0


def describe(stats: Stats) -> str:
    """One line: ``1,234/10,000 (12%) · 85.0/s · 1.2M tokens · 3 failed · 17×429/503 ·
    concurrency 24 · ETA 1:42``."""
    per_second = rate(stats)
    share = f" ({100 * stats.done / stats.rows:.0f}%)" if stats.rows else ""
    parts = [f"{stats.done:,}/{stats.rows:,}{share}", f"{per_second:,.1f}/s"]
    parts.append(f"{_count(stats.tokens)} tokens")
    if stats.cost:
        parts.append(f"${stats.cost:,.2f}")
    failed = stats.before.failed + stats.now.failed
    if failed:
        parts.append(f"{failed:,} failed")
    if stats.throttled:
        parts.append(f"{stats.throttled:,}×429/503")
    limiter = stats.limiter
    if limiter is not None:
        parts.append(f"concurrency {int(limiter.limit)}")
        if limiter.pause_until > time.monotonic():
            parts.append("paused (Retry-After)")
    if stats.remaining and per_second > 0:
        parts.append(f"ETA {_duration(stats.remaining / per_second)}")
    return " · ".join(parts)


class Progress:
    """Shows a run's ``Stats`` until ``close``."""

    def __init__(self, option: ProgressOption, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.mode: str
        self.callback: Callable[[Stats], None] | None = None
        if callable(option):
            self.mode, self.callback = "callback", option
        elif option in (None, "auto"):
            self.mode = "bar" if self.stream.isatty() else "off"
        else:
            self.mode = option
        self._task: asyncio.Task[None] | None = None
        self._live: Any = None
        self._bar: Any = None

    def start(self, stats: Stats) -> None:
        if self.mode == "off":
            return
        if self.mode == "bar":
            self._start_bar(stats)
        self._task = asyncio.get_running_loop().create_task(self._loop(stats))

    def _start_bar(self, stats: Stats) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.progress import BarColumn, Progress, TextColumn

        console = Console(file=self.stream, highlight=False)
        self._bar = Progress(
            BarColumn(bar_width=24),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        )
        self._bar.add_task(describe(stats), total=stats.rows or None, completed=stats.done)
        self._live = Live(self._bar, console=console, refresh_per_second=4, transient=True)
        self._live.start()

    async def _loop(self, stats: Stats) -> None:
        period = {"bar": BAR_SECONDS, "lines": LINE_SECONDS}.get(self.mode, CALLBACK_SECONDS)
        while True:
            await asyncio.sleep(period)
            self.show(stats)

    def show(self, stats: Stats) -> None:
        if self.mode == "bar" and self._bar is not None:
            task = self._bar.task_ids[0]
            self._bar.update(
                task, description=describe(stats), completed=stats.done, total=stats.rows or None
            )
        elif self.mode == "lines":
            print(f"r9s batch: {describe(stats)}", file=self.stream, flush=True)
        elif self.callback is not None:
            self.callback(stats)

    async def close(self, stats: Stats) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.callback is not None:
            self.callback(stats)
        if self._live is not None:
            self._live.stop()
            self._live = None
