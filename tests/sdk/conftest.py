"""Fixtures for SDK tests: a local server, and one test body run both sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from r9s import R9S
from r9s.testing import LocalServer
from r9s.utils import BackoffStrategy, RetryConfig

API_KEY = "sk-test-0123456789abcdef"
FAST_RETRY = RetryConfig("backoff", BackoffStrategy(10, 50, 2.0, 10_000), True, max_retries=3)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


class Caller:
    """Runs ``resource.method(**kw)`` with a fresh client, sync or async (``_async`` twin,
    inside its own event loop), so one test body covers both."""

    def __init__(self, mode: str, **client_kwargs: Any) -> None:
        self.mode = mode
        self.client_kwargs = client_kwargs

    def __call__(self, operation: str, /, **kwargs: Any) -> Any:
        resource, method = operation.split(".")
        if self.mode == "sync":
            with R9S(**self.client_kwargs) as client:
                return getattr(getattr(client, resource), method)(**kwargs)

        async def run() -> Any:
            async with R9S(**self.client_kwargs) as client:
                return await getattr(getattr(client, resource), f"{method}_async")(**kwargs)

        return asyncio.run(run())

    def stream(self, operation: str, /, **kwargs: Any) -> tuple[list[Any], Any]:
        """``(every item, get_final())`` of ``resource.method(stream=True, **kw)``."""
        resource, method = operation.split(".")
        if self.mode == "sync":
            with R9S(**self.client_kwargs) as client:
                with getattr(getattr(client, resource), method)(stream=True, **kwargs) as stream:
                    return list(stream), stream.get_final()

        async def run() -> tuple[list[Any], Any]:
            async with R9S(**self.client_kwargs) as client:
                call = getattr(getattr(client, resource), f"{method}_async")
                stream = await call(stream=True, **kwargs)
                async with stream:
                    return [item async for item in stream], await stream.get_final()

        return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def local_caller(mode: str, server: LocalServer, **client_kwargs: Any) -> Caller:
    """A ``Caller`` of ``server`` with the tests' key and fast retries."""
    return Caller(
        mode, api_key=API_KEY, server_url=server.url, retry_config=FAST_RETRY, **client_kwargs
    )


@pytest.fixture
def call(mode: str, server: LocalServer) -> Caller:
    return local_caller(mode, server)
