"""Timeouts fire within their bound against a server that does not answer."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from r9s import R9S, errors
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY

NEVER = {"X-R9S-Fault": "delay=60"}


def test_client_timeout_fires(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, timeout=0.5, retry_config=None) as client:
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException) as caught:
            client.models.list(http_headers=NEVER)
    assert time.monotonic() - started < 5
    assert isinstance(caught.value, errors.APITimeoutError)
    assert isinstance(caught.value, errors.APIConnectionError)


def test_per_call_timeout_beats_the_client_timeout(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, timeout=60, retry_config=None) as client:
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError):
            client.models.list(timeout=0.3, http_headers=NEVER)
        with pytest.raises(errors.APITimeoutError):
            client.models.list(timeout_ms=300, http_headers=NEVER)
        with pytest.raises(errors.APITimeoutError):
            client.models.list(timeout=httpx.Timeout(5, read=0.3), http_headers=NEVER)
    assert time.monotonic() - started < 10


def test_seed_timeout_ms_on_the_client(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, timeout_ms=300, retry_config=None) as client:
        with pytest.raises(errors.APITimeoutError):
            client.models.list(http_headers=NEVER)


def test_retried_timeouts_stay_bounded(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError):
            client.models.list(http_headers=NEVER)
    assert len(server.requests) == 3  # the default policy: two retries
    assert time.monotonic() - started < 10


def test_async_timeout_fires(server: LocalServer) -> None:
    async def run() -> None:
        async with R9S(api_key=API_KEY, server_url=server.url, timeout=0.5, retry_config=None) as c:
            await c.models.list_async(http_headers=NEVER)

    started = time.monotonic()
    with pytest.raises(errors.APITimeoutError):
        asyncio.run(run())
    assert time.monotonic() - started < 5


def test_default_timeout_is_bounded() -> None:
    timeout = R9S(api_key=API_KEY)._pipeline.timeout
    assert isinstance(timeout, httpx.Timeout)
    assert timeout.connect == 5.0 and timeout.read == 600.0
