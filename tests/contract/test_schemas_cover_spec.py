"""Every schema of the spec is compared with one of our types by some test_schemas_* module."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from tests.support.schemas import spec_schemas


def covered_names() -> set[str]:
    names: set[str] = set()
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("test_schemas_") and info.name != "test_schemas_cover_spec":
            covered = importlib.import_module(f"tests.contract.{info.name}").COVERED
            names |= set(covered) if isinstance(covered, dict) else {entry[0] for entry in covered}
    return names


def test_every_spec_schema_has_a_type() -> None:
    missing = sorted(set(spec_schemas()) - covered_names())
    assert not missing, f"spec schemas with no type compared against them: {missing}"


def test_no_comparison_names_a_schema_the_spec_lacks() -> None:
    assert not covered_names() - set(spec_schemas())
