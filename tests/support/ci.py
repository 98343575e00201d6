"""What a test needs from the machine: where it is missing the test skips, but in CI fails.

``.ci/run`` exports ``R9S_CI=1``: there every program (bash, zsh, fish, tmux) and npm peer
(Prism, the coding tools) the tests need must be present, since ``.ci/run`` installs them;
a missing one fails the test with its name instead of skipping it unnoticed.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("R9S_CI") == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``; in CI fail with it instead."""
    if in_ci():
        pytest.fail(f"required in CI (R9S_CI=1) but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def program(name: str) -> str:
    """The full path of the program ``name`` on PATH; skip (in CI: fail) without it."""
    found = shutil.which(name)
    if found is None:
        unavailable(f"{name} is not installed (this test runs it)")
    return found
