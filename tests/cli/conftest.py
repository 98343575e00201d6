from __future__ import annotations

from collections.abc import Iterator

import pytest

from r9s.testing import LocalServer
from tests.support.cli import DEFAULT_MODELS, KEY


@pytest.fixture
def api() -> Iterator[LocalServer]:
    """The local r9s server, accepting only ``KEY`` and listing ``DEFAULT_MODELS``."""
    with LocalServer(api_key=KEY, models=DEFAULT_MODELS) as server:
        yield server
