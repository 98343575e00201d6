"""pytest fixtures for the local r9s server.

Enable with ``pytest_plugins = ["r9s.testing.pytest_plugin"]`` in a ``conftest.py``::

    def test_chat(r9s_server):
        client = OpenAI(base_url=r9s_server.url, api_key="sk-test")
        ...
        assert r9s_server.requests[-1].path == "/v1/chat/completions"
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from r9s.testing.server import LocalServer


@pytest.fixture
def r9s_server() -> Iterator[LocalServer]:
    """A started ``LocalServer`` (any key accepted), stopped after the test."""
    with LocalServer() as server:
        yield server


@pytest.fixture
def r9s_server_factory() -> Iterator[Callable[..., LocalServer]]:
    """Start servers with options (``api_key=``, ``models=``...); all stopped after the test."""
    started: list[LocalServer] = []

    def start(**options: Any) -> LocalServer:
        server = LocalServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.stop()
