"""Install pinned PyPI packages for tests into a cached virtual environment inside the
repository (git-ignored ``.cache/pypi``), lock-protected like :mod:`tests.support.npm`.

Where pip or the index cannot be reached the caller's tests skip with the reason, unless
``R9S_CI=1``: then they fail, since CI must run them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from tests.support.ci import unavailable

REPO = Path(__file__).resolve().parents[2]
# Resolved: a worktree's .cache may be a symlink to a shared one, and a venv's scripts
# name its python by the path it was made at, which must not be one worktree's.
CACHE = (REPO / ".cache").resolve() / "pypi"


def pypi_install(packages: dict[str, str], *, timeout: float = 900) -> Path:
    """Install ``{name: version}`` once into its own venv; return the venv's ``bin``."""
    key = json.dumps(packages, sort_keys=True)
    folder = CACHE / hashlib.sha256(key.encode()).hexdigest()[:16]
    spec = json.dumps({"packages": packages, "at": str(folder)}, sort_keys=True)
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / ".installed"
    venv = folder / "venv"
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists() and done.read_text() == spec:
            return venv / "bin"
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
             *(f"{name}=={version}" for name, version in packages.items())],
        ]  # fmt: skip
        for step in steps:
            try:
                result = subprocess.run(step, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                unavailable(f"pip install {key} timed out after {timeout:.0f} s")
            if result.returncode != 0:
                unavailable(f"pip install {key} failed: {result.stderr.strip()[-500:]}")
        done.write_text(spec)
    return venv / "bin"
