"""Fixtures for SDK tests: a local server, and clients used sync and async alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from r9s import R9S
from r9s.testing import LocalServer
from r9s.utils import BackoffStrategy, RetryConfig
from tests.support.twins import (
    ASYNC_TRANSPORTS,
    MODE_PARAMS,
    Twin,
    enter_mode,
    use_async_transport,
)
from tests.support.unclosed import (  # an autouse fixture for every test here
    no_unclosed_connections as no_unclosed_connections,
    resource_warnings_fail,
)

API_KEY = "sk-test-0123456789abcdef"
FAST_RETRY = RetryConfig("backoff", BackoffStrategy(10, 50, 2.0, 10_000), True, max_retries=3)
WEATHER = {  # a tool, in Anthropic's shape
    "name": "get_weather",
    "description": "Weather in a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    },
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    resource_warnings_fail(items, Path(__file__).parent)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture(params=MODE_PARAMS)
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``"sync"`` or ``"async"``: the test runs once sync and once async on each async
    transport (``R9S_ASYNC_TRANSPORT`` is set for the async runs)."""
    return enter_mode(str(request.param), monkeypatch)


@pytest.fixture(params=ASYNC_TRANSPORTS)
def async_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """For tests of async calls only: the test runs once on each async transport."""
    use_async_transport(str(request.param), monkeypatch)
    return str(request.param)


@pytest.fixture
def r9s(mode: str, server: LocalServer) -> Iterator[Twin]:
    """A client of the local server, used sync and async (one test run each way): each
    async call runs in an event loop of its own, as ``asyncio.run`` twice would."""
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=FAST_RETRY) as client:
        yield Twin(client, mode)
