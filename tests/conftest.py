from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tmux import Tmux, tmux_server

pytest_plugins = ["r9s.testing.pytest_plugin"]


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    """A tmux server of this test's own (its socket in tmp_path), killed afterwards."""
    with tmux_server(tmp_path) as server:
        yield server


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A throwaway HOME."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder
