"""A real headless Chromium for the tests of a web page: Debian's ``chromium`` driven by
Playwright (the Python package; never ``playwright install``: the browser is the
system's, ``.ci/run`` installs it with apt). Without either, a test skips; in CI it
fails (``tests/support/ci.py``).

Screenshots of the states a test reaches go to ``.artifacts/web/`` (git-ignored) for a
person to look at; they are never compared pixel by pixel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.ci import unavailable

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "web"


@contextmanager
def chromium(profile: Path, *, width: int = 1400, height: int = 860) -> Iterator[Any]:
    """A browser context of Chromium with a fresh user-data-dir (``profile``)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (make venv installs it)")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save what the page shows as ``.artifacts/web/NAME.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path))
    return path
