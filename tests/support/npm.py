"""Install pinned npm packages for tests into a git-ignored cache inside the repository.

Where npm or its registry cannot be reached the caller's tests skip with the reason,
unless ``R9S_CI=1`` (set by ``.ci/run``): then they fail, since CI must run them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.ci import unavailable

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "npm"


def npm_install(packages: dict[str, str], *, timeout: float = 600) -> Path:
    """Install ``{name: version}`` once; return the folder holding ``node_modules``."""
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed")
    spec = json.dumps(packages, sort_keys=True)
    folder = CACHE / hashlib.sha256(spec.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / ".installed"
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists() and done.read_text() == spec:
            return folder
        (folder / "package.json").write_text(
            json.dumps({"private": True, "dependencies": packages})
        )
        # Install scripts (opencode's, for one) write into HOME: give them a throwaway one.
        with tempfile.TemporaryDirectory(prefix="r9s-npm-home-") as home:
            env = {**os.environ, "HOME": home, "npm_config_update_notifier": "false"}
            try:
                result = subprocess.run(
                    [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
                    cwd=folder,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired:
                unavailable(f"npm install {spec} timed out after {timeout:.0f} s")
        if result.returncode != 0:
            unavailable(f"npm install {spec} failed: {result.stderr.strip()[-500:]}")
        done.write_text(spec)
    return folder
