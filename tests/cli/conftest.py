from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import ModelsAPI, models_api


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A throwaway HOME."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def api() -> Iterator[ModelsAPI]:
    with models_api() as server:
        yield server
