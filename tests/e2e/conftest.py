"""Fixtures for the end-to-end tests with the real coding tools (all ``slow``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from r9s.cli.tools import all_tools
from tests.cli.tools.cases import case_of
from tests.support.npm import npm_install

# Every registered tool at the exact version its case names (tests/cli/tools/cases/);
# bump deliberately (`npm view PKG version`) and rerun `make test`.
TOOL_PACKAGES = {tool.npm_package: case_of(tool.name).real.version for tool in all_tools()}
TOOL_TIMEOUT = 120.0


@pytest.fixture(scope="session")
def tools_bin() -> Path:
    """``node_modules/.bin`` holding every registered tool's executable."""
    folder = npm_install(TOOL_PACKAGES, timeout=1200) / "node_modules" / ".bin"
    for tool in all_tools():
        assert (folder / tool.executable).exists(), f"{tool.executable} missing from {folder}"
    return folder


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str


def run_tool(
    argv: Sequence[str], *, home: Path, cwd: Path, path: str, timeout: float = TOOL_TIMEOUT
) -> Finished:
    """Run a tool with only what a user's shell has, bounded, leaving no process behind."""
    env = {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "TERM": "dumb"}
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        out, err = process.communicate()
        err += f"\n[killed: timed out after {timeout:g} s]"
    finally:
        _kill_group(process.pid)
        kill_processes_with_home(home)
    return Finished(process.returncode, out, err)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def kill_processes_with_home(home: Path) -> None:
    """Kill what the tool left running (Codex daemons leave its process group)."""
    marker = f"HOME={home}".encode()
    for _ in range(3):
        found = False
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker in environ:
                found = True
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(entry.name), signal.SIGKILL)
        if not found:
            return
        time.sleep(0.2)
