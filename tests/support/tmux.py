"""Run a command on a real terminal (tmux, on a server of the test's own) and read the
screen, as a person sees it."""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.support.ci import program

DONE = "R9S-DONE"


@contextmanager
def tmux_server(folder: Path) -> Iterator[list[str]]:
    """The ``tmux`` command line for a server whose socket is in ``folder``; killed after."""
    socket = folder / "tmux.sock"
    command = [program("tmux"), "-S", str(socket)]
    try:
        yield command
    finally:
        subprocess.run([*command, "kill-server"], capture_output=True, check=False)
        socket.unlink(missing_ok=True)


def screen_of(
    tmux: list[str],
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
    variables = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
    script = f"{command}; echo {DONE}; sleep 60"
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", str(size[0]), "-y", str(size[1]), "-c", str(cwd),
         f"env {variables} bash -c {shlex.quote(script)}"],
        check=True,
    )  # fmt: skip
    capture = [*tmux, "capture-pane", "-p", *(["-S", "-", "-E", "-"] if history else [])]
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = subprocess.run(capture, capture_output=True, text=True, check=True).stdout
        if DONE in screen:
            break
        time.sleep(0.2)
    assert DONE in screen, screen
    return screen
