"""One module per coding tool, named as its module in ``r9s.cli.tools``, defining ``CASE``:
a user's existing files and exactly what ``r9s set`` must make of them, what ``r9s run``
must hand the tool, and how the real tool is run end to end (tests/e2e).

In file contents, ``{KEY}``, ``{ROOT}`` (base URL without /v1) and ``{BASE}`` (with /v1)
are filled in. Every tool in the registry must have a case (``tests/cli/tools/test_files.py``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from r9s.cli.tools import names
from tests.support.cli import KEY

ROOT = "http://127.0.0.1:8765"
BASE = ROOT + "/v1"
RUN_MODEL = "m1"  # the --model of `r9s run` in tests/cli/tools/test_run.py
PROMPT = "Greetings from r9s"  # what the real tools are asked (tests/e2e)

__all__ = [
    "BASE",
    "CASES",
    "KEY",
    "PROMPT",
    "ROOT",
    "RUN_MODEL",
    "Case",
    "Ran",
    "RealRun",
    "case_of",
]


@dataclass(frozen=True)
class Ran:
    """What a stand-in for the tool saw when ``r9s run`` started it."""

    args: list[str]
    env: dict[str, str]
    settings: dict[str, Any] | None  # the file --settings named: path, mode, content
    stderr: str  # r9s's


@dataclass(frozen=True)
class RealRun:
    """The real tool from npm, run headless against the local server (tests/e2e)."""

    version: str  # the exact version tested; bump deliberately (`npm view PKG version`)
    args: tuple[str, ...]  # after the executable
    model: str
    set_flags: tuple[str, ...] = ()  # more flags for `r9s set` / `r9s run`
    run_files: dict[str, str] = field(default_factory=dict)  # HOME-relative, for `r9s run`


@dataclass(frozen=True)
class Case:
    tool: str
    flags: tuple[str, ...]  # --model / --small-model
    existing: dict[str, str]  # HOME-relative path -> content
    expected: dict[str, str]  # after `set` over `existing`
    fresh: dict[str, str]  # after `set` into an empty HOME
    key_files: frozenset[str]  # which files hold the key (mode 0600)
    check_run: Callable[[Ran], None]  # asserts what `r9s run` handed the tool
    real: RealRun
    malformed: dict[str, tuple[str, int]] = field(default_factory=dict)  # content, line


def _load() -> list[Case]:
    found = [
        importlib.import_module(f"{__name__}.{info.name}").CASE
        for info in pkgutil.iter_modules(__path__)
    ]
    order = names()
    return sorted(found, key=lambda c: order.index(c.tool) if c.tool in order else len(order))


CASES: list[Case] = _load()


def case_of(tool: str) -> Case:
    return next(c for c in CASES if c.tool == tool)
