"""Fixtures for the end-to-end tests with the real coding tools (all ``slow``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.npm import npm_install

# Exact versions tested; bump deliberately (`npm view PKG version`) and rerun `make test`.
TOOL_PACKAGES = {
    "@anthropic-ai/claude-code": "2.1.332",
    "@openai/codex": "0.171.0",
    "@qwen-code/qwen-code": "0.24.4",
    "@google/gemini-cli": "0.61.0",
    "opencode-ai": "1.18.33",
}
TOOL_TIMEOUT = 120.0


@pytest.fixture(scope="session")
def tools_bin() -> Path:
    """``node_modules/.bin`` holding claude, codex, qwen, gemini and opencode."""
    folder = npm_install(TOOL_PACKAGES, timeout=1200) / "node_modules" / ".bin"
    for name in ("claude", "codex", "qwen", "gemini", "opencode"):
        assert (folder / name).exists(), f"{name} missing from {folder}"
    return folder


@pytest.fixture
def server() -> Iterator[Any]:
    """The bundled r9s-compatible server on 127.0.0.1."""
    testing = pytest.importorskip(
        "r9s.testing", reason="r9s.testing.LocalServer (the local r9s server) is not available"
    )
    with testing.LocalServer() as local:
        yield local


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
