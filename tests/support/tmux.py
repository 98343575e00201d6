"""Run a command on a real terminal (tmux, on a server of the test's own) and read the
screen, as a person sees it; type into it as a person does.

``tmux_server(folder)`` gives a ``Tmux``; ``tmux.screen_of(command, ...)`` is what the
terminal shows once ``command`` has finished; ``tmux.start(command, ...)`` gives a
``Session`` to drive: ``send_keys``, ``wait_for(pattern)``, ``pane()``.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from itertools import count
from pathlib import Path

from tests.support.ci import program

DONE = "R9S-DONE"
"""What a session prints once its command has finished (it then stays open a minute)."""


class Tmux:
    """A tmux server whose socket is in ``folder`` (see ``tmux_server``)."""

    def __init__(self, folder: Path) -> None:
        self.socket = folder / "tmux.sock"
        self.command = [program("tmux"), "-S", str(self.socket)]
        self._names = count(1)

    def run(self, *args: str) -> str:
        """``tmux ARGS`` on this server: its stdout."""
        done = subprocess.run([*self.command, *args], capture_output=True, text=True, check=True)
        return done.stdout

    def start(
        self,
        command: str,
        *,
        cwd: Path,
        env: Mapping[str, str],
        size: tuple[int, int] = (80, 24),
    ) -> Session:
        """A new ``size`` (columns, rows) session running ``command`` (a bash line) with
        exactly ``env``; it prints ``DONE`` when the command ends."""
        name = f"s{next(self._names)}"
        variables = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
        script = f"{command}; echo {DONE}; sleep 60"
        self.run(
            "new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]),
            "-c", str(cwd), f"env {variables} bash -c {shlex.quote(script)}",
        )  # fmt: skip
        return Session(self, name)

    def screen_of(
        self,
        command: str,
        *,
        cwd: Path,
        env: Mapping[str, str],
        size: tuple[int, int] = (80, 24),
        history: bool = False,
        timeout: float = 30,
    ) -> str:
        """What a ``size`` terminal shows once ``command`` (run by bash) has finished; with
        ``history``, the scrollback too."""
        session = self.start(command, cwd=cwd, env=env, size=size)
        return session.wait_for(DONE, timeout=timeout, history=history)

    def kill(self) -> None:
        subprocess.run([*self.command, "kill-server"], capture_output=True, check=False)
        self.socket.unlink(missing_ok=True)


class Session:
    """One tmux session (a window with one pane), driven by the test."""

    def __init__(self, tmux: Tmux, name: str) -> None:
        self.tmux = tmux
        self.name = name

    def send_keys(self, *keys: str, literal: bool = False) -> None:
        """Press ``keys`` (tmux key names: ``Enter``, ``C-c``, ``Escape``); with
        ``literal``, type them as text."""
        self.tmux.run("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def type(self, text: str) -> None:
        """Type ``text`` as it is (no key names)."""
        self.send_keys(text, literal=True)

    def pane(self, history: bool = True) -> str:
        """The text on the screen; with ``history``, the scrollback above it too."""
        scrollback = ["-S", "-", "-E", "-"] if history else []
        return self.tmux.run("capture-pane", "-p", "-t", self.name, *scrollback)

    def screens(self, timeout: float = 20, history: bool = True) -> Iterator[str]:
        """The pane every 0.1 s, for ``timeout`` seconds at most (the caller stops early)."""
        deadline = time.monotonic() + timeout
        while True:
            yield self.pane(history)
            if time.monotonic() >= deadline:
                return
            time.sleep(0.1)

    def wait_for(self, pattern: str, *, timeout: float = 20, history: bool = True) -> str:
        """The pane once ``pattern`` (a regular expression) shows in it; fails the test
        with the pane if it never does."""
        screen = ""
        for screen in self.screens(timeout, history):
            if re.search(pattern, screen):
                return screen
        raise AssertionError(f"{pattern!r} never showed:\n{screen}")


@contextmanager
def tmux_server(folder: Path) -> Iterator[Tmux]:
    """A tmux server of the caller's own, its socket in ``folder``; killed after."""
    tmux = Tmux(folder)
    try:
        yield tmux
    finally:
        tmux.kill()
