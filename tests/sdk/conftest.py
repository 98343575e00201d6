"""Fixtures for SDK tests: a local server, and clients used sync and async alike."""

from __future__ import annotations

import gc
import logging
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


HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In the SDK's tests, an unclosed socket, transport, aiohttp session or connector
    (a ``ResourceWarning``) fails the test; a test's own ``filterwarnings`` mark still
    wins (it is closer to the test)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("error::ResourceWarning"), append=False)


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


@pytest.fixture(autouse=True)
def no_unclosed_connections() -> Iterator[None]:
    """Fail a test that leaves an HTTP session, connector or transport unclosed: aiohttp
    says so through the event loop's exception handler (logged by ``asyncio``), asyncio and
    sockets with a ``ResourceWarning`` (an error here: see above), both
    when the object is collected, so the test ends with a collection."""
    seen: list[str] = []

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if "nclosed" in message:
                seen.append(message)

    watch = Watch(logging.ERROR)
    asyncio_logger = logging.getLogger("asyncio")
    asyncio_logger.addHandler(watch)
    try:
        yield
        gc.collect()
    finally:
        asyncio_logger.removeHandler(watch)
    assert not seen, f"left unclosed: {seen}"


@pytest.fixture
def r9s(mode: str, server: LocalServer) -> Iterator[Twin]:
    """A client of the local server, used sync and async (one test run each way): each
    async call runs in an event loop of its own, as ``asyncio.run`` twice would."""
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=FAST_RETRY) as client:
        yield Twin(client, mode)
