"""Timeouts fire within their bound against a server that does not answer.

Where a timeout of ``t`` seconds fires, the call must have lasted at least ``t`` (it
really waited: a call that failed at once for another reason does not pass) and less
than ``2 t + 1`` (it did not hang on, e.g. waiting for the server's 60 s delay).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from r9s import R9S, errors
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY

NEVER = {"X-R9S-Fault": "delay=60"}
EARLY = 0.02
"""Slack below the timeout: the event loop may wake a timer up to a clock tick early."""


@contextmanager
def fires_within(timeout: float) -> Iterator[pytest.ExceptionInfo[errors.APITimeoutError]]:
    """The body must raise ``APITimeoutError`` after ``timeout`` seconds, not much later."""
    started = time.monotonic()
    with pytest.raises(errors.APITimeoutError) as caught:
        yield caught
    elapsed = time.monotonic() - started
    bound = f"{elapsed:.2f} s for a {timeout} s timeout"
    assert timeout - EARLY <= elapsed < timeout * 2 + 1, bound


def test_client_timeout_fires(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, timeout=0.5, retry_config=None) as client:
        with fires_within(0.5) as caught:
            client.models.list(http_headers=NEVER)
    assert isinstance(caught.value, httpx.TimeoutException)
    assert isinstance(caught.value, errors.APIConnectionError)


@pytest.mark.parametrize(
    "timeout",
    [
        pytest.param({"timeout": 0.3}, id="seconds"),
        pytest.param({"timeout_ms": 300}, id="timeout_ms"),
        pytest.param({"timeout": httpx.Timeout(5, read=0.3)}, id="httpx.Timeout"),
    ],
)
def test_per_call_timeout_beats_the_client_timeout(
    server: LocalServer, timeout: dict[str, Any]
) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, timeout=60, retry_config=None) as client:
        with fires_within(0.3):
            client.models.list(http_headers=NEVER, **timeout)


def test_seed_timeout_ms_on_the_client(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, timeout_ms=300, retry_config=None) as client:
        with fires_within(0.3):
            client.models.list(http_headers=NEVER)


def test_retried_timeouts_stay_bounded(server: LocalServer) -> None:
    # The default policy: two retries, waiting 0.25-0.5 s then 0.5-1 s between attempts.
    with R9S(api_key=API_KEY, server_url=server.url, timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError):
            client.models.list(http_headers=NEVER)
    elapsed = time.monotonic() - started
    assert len(server.requests) == 3
    attempts, least_backoff, most_backoff = 3, 0.25 + 0.5, 0.5 + 1.0
    assert attempts * 0.3 + least_backoff - EARLY <= elapsed
    assert elapsed < attempts * 0.3 * 2 + most_backoff + 1


@pytest.mark.usefixtures("async_transport")
def test_async_timeout_fires(server: LocalServer) -> None:
    async def run() -> None:
        async with R9S(api_key=API_KEY, server_url=server.url, timeout=0.5, retry_config=None) as c:
            await c.models.list_async(http_headers=NEVER)

    with fires_within(0.5):
        asyncio.run(run())


def test_default_timeout_is_bounded() -> None:
    timeout = R9S(api_key=API_KEY)._pipeline.timeout
    assert isinstance(timeout, httpx.Timeout)
    assert timeout.connect == 5.0 and timeout.read == 600.0
