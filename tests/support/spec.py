"""Where the shared OpenAPI spec lives; tests that need it skip (saying why) without it,
or fail where ``R9S_CI=1`` (CI, ``.ci/run``) says they must run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.support.ci import unavailable
from tests.support.npm import REPO

SPEC = Path(os.environ.get("R9S_SPEC", REPO.parent / "shared" / "spec" / "r9s-openapi.yaml"))


def spec_path() -> Path:
    """The spec's path, or skip (in CI: fail): it is read from ../shared/spec, never
    copied here."""
    if not SPEC.is_file():
        unavailable(
            f"the r9s OpenAPI spec is not at {SPEC} (it lives in ../shared/spec beside the "
            "repository; set R9S_SPEC to point at a copy)"
        )
    return SPEC


def load_spec() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(spec_path().read_text())
    return data
