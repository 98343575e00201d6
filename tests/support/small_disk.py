"""A small, full-able file system for fault tests: a tmpfs mounted in a private mount
namespace (``unshare --mount``, as root; else inside a user namespace, ``unshare --user
--map-root-user --mount``, or with ``sudo -n``), so nothing is mounted on the machine
itself and it vanishes with the process. Where none works the test is unavailable
(``tests/support/ci.py``).

Usage: :func:`run_inside` runs a Python script (as text) in the namespace and returns what
it prints as JSON; the script calls ``mount_tmpfs(path, size)`` first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests.support.ci import unavailable

PRELUDE = '''
import json, os, subprocess, sys
from pathlib import Path

def mount_tmpfs(path, size):
    Path(path).mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                   check=True)

def fill(folder):
    """Fill the file system holding ``folder`` to the last byte."""
    with open(Path(folder) / ".filler", "wb", buffering=0) as handle:
        chunk = b"\\0" * 4096
        try:
            while True:
                handle.write(chunk)
        except OSError:
            pass
        for size in (512, 64, 1):
            try:
                while True:
                    handle.write(b"\\0" * size)
            except OSError:
                pass
'''


def _prefixes() -> list[list[str]]:
    """Ways to get a private mount namespace, most direct first."""
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("mount") is None:
        unavailable("unshare and mount (util-linux) are needed for a private tmpfs")
    private = ["--mount", "--propagation", "private"]
    if os.geteuid() == 0:
        return [[unshare, *private]]
    ways = [[unshare, "--user", "--map-root-user", *private]]  # unprivileged user namespace
    sudo = shutil.which("sudo")
    if sudo is not None:
        ways.append([sudo, "-n", unshare, *private])  # CI machines that restrict those
    return ways


def _prefix() -> list[str]:
    problems = []
    for prefix in _prefixes():
        probe = subprocess.run(
            [*prefix, "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if probe.returncode == 0:
            return prefix
        problems.append(f"{' '.join(prefix[:2])}: {probe.stderr.strip()}")
    unavailable("cannot mount a tmpfs in a private mount namespace: " + "; ".join(problems))


def run_inside(script: str, *, env: dict[str, str] | None = None, timeout: float = 240) -> Any:
    """Run ``script`` (Python, after :data:`PRELUDE`) in a private mount namespace; its
    stdout is JSON, returned decoded."""
    prefix = _prefix()
    code = PRELUDE + textwrap.dedent(script)
    done = subprocess.run(
        [*prefix, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {}), "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
