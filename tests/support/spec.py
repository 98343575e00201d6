"""Where the shared OpenAPI spec lives; tests that need it skip (saying why) without it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.npm import REPO

SPEC = Path(os.environ.get("R9S_SPEC", REPO.parent / "shared" / "spec" / "r9s-openapi.yaml"))


def spec_path() -> Path:
    """The spec's path, or skip: it is read from ../shared/spec, never copied here."""
    if not SPEC.is_file():
        pytest.skip(
            f"the r9s OpenAPI spec is not at {SPEC} (it lives in ../shared/spec beside the "
            "repository; set R9S_SPEC to point at a copy)"
        )
    return SPEC


def load_spec() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(spec_path().read_text())
    return data
