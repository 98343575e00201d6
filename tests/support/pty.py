"""A program on a pseudo-terminal (pexpect), as a person at a terminal runs it: typed, and
with everything it printed kept (``transcript``)."""

from __future__ import annotations

import io
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pexpect

if TYPE_CHECKING:
    _Spawn = pexpect.spawn[str]
else:
    _Spawn = pexpect.spawn


class Terminal(_Spawn):
    """``argv`` on a ``size`` (columns, rows) terminal, text in and out."""

    before: str  # set by every expect: what came before the match
    pid: int  # the program's, set once it is started

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        size: tuple[int, int] = (120, 40),
        timeout: float = 20,
    ) -> None:
        columns, rows = size
        super().__init__(
            argv[0],
            list(argv[1:]),
            env=dict(env),
            cwd=str(cwd),
            encoding="utf-8",
            timeout=timeout,
            dimensions=(rows, columns),
        )
        self._transcript = io.StringIO()
        self.logfile_read = self._transcript
        self.before = ""

    @property
    def transcript(self) -> str:
        """Everything the program wrote to the terminal so far."""
        return self._transcript.getvalue()

    @property
    def returncode(self) -> int | None:
        """Once closed: the exit status, or minus the signal that ended it (as
        ``subprocess``); ``None`` while running."""
        if self.exitstatus is not None:
            return self.exitstatus
        return -self.signalstatus if self.signalstatus is not None else None

    def finish(self) -> tuple[int | None, str]:
        """Wait for the program to end: ``(returncode, transcript)``."""
        self.expect(pexpect.EOF)
        self.close()
        return self.returncode, self.transcript


def bash(
    command: str | Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    size: tuple[int, int] = (120, 40),
    timeout: float = 20,
) -> Terminal:
    """``command`` (a line, or the words of one to quote) run by ``bash -c`` on a terminal,
    so that redirections in it apply."""
    line = command if isinstance(command, str) else shlex.join(command)
    return Terminal(["bash", "-c", line], cwd=cwd, env=env, size=size, timeout=timeout)


def run_on_terminal(
    command: str | Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    size: tuple[int, int] = (120, 40),
    timeout: float = 20,
) -> tuple[int | None, str]:
    """``(returncode, transcript)`` of ``command`` (see ``bash``) run to its end."""
    return bash(command, cwd=cwd, env=env, size=size, timeout=timeout).finish()
