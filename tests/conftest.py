from pathlib import Path

import pytest

pytest_plugins = ["r9s.testing.pytest_plugin"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A throwaway HOME."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder
