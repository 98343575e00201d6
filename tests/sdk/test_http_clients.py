"""The HTTP clients of an ``R9S``: clients passed in, clients it makes and closes, one
async client per event loop (``asyncio.run`` twice, threads with loops of their own)."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from r9s import R9S, client as r9s_client
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.support.pools import released

# every test here runs on both async transports (a sync-only one just runs twice)
pytestmark = pytest.mark.usefixtures("async_transport")


def test_custom_clients_are_used_and_never_closed(server: LocalServer) -> None:
    sync_http = httpx.Client(headers={"x-custom-header": "v"})
    async_http = httpx.AsyncClient(headers={"x-custom-header": "a"})
    with R9S(
        api_key=API_KEY, server_url=server.url, client=sync_http, async_client=async_http
    ) as client:
        client.models.list()

        async def run() -> bool:
            await client.models.list_async()
            await client.aclose()
            still_open = not async_http.is_closed
            await async_http.aclose()
            return still_open

        assert asyncio.run(run())
    assert [r.headers["x-custom-header"] for r in server.requests] == ["v", "a"]
    assert not sync_http.is_closed
    sync_http.close()


def test_own_clients_are_closed_by_with_close_and_the_finalizer(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        client.models.list()
        http = client.http_client
    assert isinstance(http, httpx.Client) and http.is_closed

    client = R9S(api_key=API_KEY, server_url=server.url)
    client.models.list()
    http = client.http_client
    del client
    gc.collect()
    assert isinstance(http, httpx.Client) and http.is_closed


def test_async_with_closes_the_async_client(server: LocalServer) -> None:
    async def run() -> httpx.AsyncClient:
        async with R9S(api_key=API_KEY, server_url=server.url) as client:
            await client.models.list_async()
            http = client.async_http_client
            assert isinstance(http, httpx.AsyncClient)
            return http

    assert asyncio.run(run()).is_closed


def test_async_calls_run_concurrently(server: LocalServer) -> None:
    # Each answer takes 0.5 s: one after the other, 20 calls would take 10 s.
    slow = {"X-R9S-Fault": "delay=0.5"}

    async def run() -> int:
        async with R9S(api_key=API_KEY, server_url=server.url, retry_config=None) as client:
            calls = (client.models.list_async(http_headers=slow) for _ in range(20))
            results = await asyncio.gather(*calls)
        return len(results)

    started = time.monotonic()
    assert asyncio.run(run()) == 20
    elapsed = time.monotonic() - started
    assert len(server.requests) == 20
    assert 0.5 <= elapsed < 4, f"20 calls of 0.5 s took {elapsed:.2f} s"


@pytest.fixture
def made_clients(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Client | httpx.AsyncClient]:
    """Every httpx client created during the test, in order."""
    made: list[httpx.Client | httpx.AsyncClient] = []
    for cls in (httpx.Client, httpx.AsyncClient):
        original = cls.__init__

        def record(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> None:
            made.append(self)
            __original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", record)
    return made


def test_threads_sharing_a_client_share_one_http_client(
    server: LocalServer, made_clients: list[httpx.Client | httpx.AsyncClient]
) -> None:
    threads = 8
    start = threading.Barrier(threads)
    client = R9S(api_key=API_KEY, server_url=server.url)

    def first_call() -> None:
        start.wait()
        client.models.list()

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(first_call) for _ in range(threads)]:
            future.result()
    client.close()
    assert len(made_clients) == 1
    assert all(made.is_closed for made in made_clients)
    assert len(server.requests) == threads


def _async_made(made: list[httpx.Client | httpx.AsyncClient]) -> list[httpx.AsyncClient]:
    return [client for client in made if isinstance(client, httpx.AsyncClient)]


def test_asyncio_run_twice_on_one_client(
    server: LocalServer, made_clients: list[httpx.Client | httpx.AsyncClient]
) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        for _ in range(2):  # each asyncio.run is a new event loop
            assert asyncio.run(client.models.list_async()).data
        made = _async_made(made_clients)
        assert len(made) == 2  # one client per loop
        for http in made:  # each closed on its own loop as the loop ended, not dropped
            assert http.is_closed
            assert released(http)
    assert len(server.requests) == 2


@pytest.mark.parametrize("how", ["with", "close", "finalizer"])
def test_close_also_closes_the_async_client(
    server: LocalServer, made_clients: list[httpx.Client | httpx.AsyncClient], how: str
) -> None:
    client = R9S(api_key=API_KEY, server_url=server.url)
    if how == "with":
        with client:
            asyncio.run(client.models.list_async())
    else:
        asyncio.run(client.models.list_async())
        if how == "close":
            client.close()
        else:
            del client
            gc.collect()
    (made,) = _async_made(made_clients)
    assert made.is_closed


def test_close_on_an_idle_loop_closes_through_that_loop(
    server: LocalServer, made_clients: list[httpx.Client | httpx.AsyncClient]
) -> None:
    loop = asyncio.new_event_loop()
    try:
        client = R9S(api_key=API_KEY, server_url=server.url)
        loop.run_until_complete(client.models.list_async())
        client.close()
        (made,) = _async_made(made_clients)
        assert made.is_closed
        assert released(made)  # its connection was closed, not dropped
    finally:
        loop.close()


def test_sync_close_inside_a_running_loop_closes_the_async_client(
    server: LocalServer, made_clients: list[httpx.Client | httpx.AsyncClient]
) -> None:
    async def run() -> None:
        client = R9S(api_key=API_KEY, server_url=server.url)
        await client.models.list_async()
        client.close()  # sync close() from async code: the close runs on this loop
        for _ in range(10):
            await asyncio.sleep(0)
        assert _async_made(made_clients)[0].is_closed

    asyncio.run(run())


def test_threads_with_their_own_loops_share_one_client(server: LocalServer) -> None:
    start = threading.Barrier(2)
    client = R9S(api_key=API_KEY, server_url=server.url)

    def run() -> int:
        async def calls() -> int:
            start.wait()
            return sum([len((await client.models.list_async()).data) for _ in range(5)])

        return asyncio.run(calls())

    with ThreadPoolExecutor(2) as pool:
        assert all(future.result() for future in [pool.submit(run) for _ in range(2)])
    client.close()
    assert len(server.requests) == 10


# -- closing on the owner loop, whatever the client ---------------------------------------


class NotHttpx:
    """An async HTTP client that is not an ``httpx.AsyncClient`` (as an aiohttp-based one
    would not be): it notes the loop it sends on and the loop its ``aclose()`` runs on."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncClient()
        self.used_on: asyncio.AbstractEventLoop | None = None
        self.closed_on: asyncio.AbstractEventLoop | None = None

    def build_request(self, method: str, url: str, **kwargs: Any) -> httpx.Request:
        return self.inner.build_request(method, url, **kwargs)

    async def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        self.used_on = asyncio.get_running_loop()
        return await self.inner.send(request, stream=stream)

    async def aclose(self) -> None:
        assert self.closed_on is None, "closed twice"
        self.closed_on = asyncio.get_running_loop()
        await self.inner.aclose()


@pytest.fixture
def not_httpx(monkeypatch: pytest.MonkeyPatch) -> list[NotHttpx]:
    """Every async client r9s makes during the test is a ``NotHttpx``; in order."""
    made: list[NotHttpx] = []
    original = r9s_client._http_factories

    def factories(timeout: httpx.Timeout, transport: Any) -> Any:
        sync, _ = original(timeout, transport)
        return sync, lambda: made.append(NotHttpx()) or made[-1]

    monkeypatch.setattr(r9s_client, "_http_factories", factories)
    return made


def test_each_loop_closes_its_own_client_as_it_ends(
    server: LocalServer, not_httpx: list[NotHttpx]
) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        for _ in range(3):
            asyncio.run(client.models.list_async())
            made = not_httpx[-1]
            assert made.closed_on is made.used_on is not None  # closed as asyncio.run ended
    assert len(not_httpx) == 3


def test_close_from_another_thread_runs_on_the_owner_loop(
    server: LocalServer, not_httpx: list[NotHttpx]
) -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        client = R9S(api_key=API_KEY, server_url=server.url)
        asyncio.run_coroutine_threadsafe(client.models.list_async(), loop).result(10)
        client.close()
        (made,) = not_httpx
        deadline = time.monotonic() + 10
        while made.closed_on is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert made.closed_on is loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


# The loop was closed with its connections open and nothing run to close them (no
# ``shutdown_asyncgens``): their sockets can only be collected, and Python warns of that.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_client_whose_loop_has_closed_is_dropped_not_half_closed(
    server: LocalServer, not_httpx: list[NotHttpx]
) -> None:
    loop = asyncio.new_event_loop()
    client = R9S(api_key=API_KEY, server_url=server.url)
    loop.run_until_complete(client.models.list_async())
    loop.close()  # without shutdown_asyncgens: nothing could close the client on it
    asyncio.run(client.models.list_async())  # a new loop, a new client
    client.close()
    gc.collect()  # an unraisable error here (a close run without its loop) fails the test
    first, second = not_httpx
    assert first.closed_on is None  # never run off its loop
    assert second.closed_on is second.used_on
    del first, second
    not_httpx.clear()
    gc.collect()  # its sockets are collected now, while their warnings are expected


def test_a_collected_client_is_closed_on_its_idle_loop_when_that_loop_shuts_down(
    server: LocalServer, not_httpx: list[NotHttpx]
) -> None:
    loop = asyncio.new_event_loop()
    try:
        client = R9S(api_key=API_KEY, server_url=server.url)
        loop.run_until_complete(client.models.list_async())
        del client
        gc.collect()  # the finalizer runs no loop: the close waits for the owner loop
        (made,) = not_httpx
        assert made.closed_on is None
        loop.run_until_complete(loop.shutdown_asyncgens())
        assert made.closed_on is loop
    finally:
        loop.close()


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # the sockets, as above
def test_an_aiohttp_client_whose_loop_has_closed_is_closed_without_it(
    server: LocalServer, made_clients: list[httpx.Client | httpx.AsyncClient]
) -> None:
    # aiohttp reports a session collected unclosed as an error ("Unclosed client session",
    # failing the test through no_unclosed_connections): its close needs no loop once its
    # loop is gone, so r9s runs it without one.
    loop = asyncio.new_event_loop()
    client = R9S(api_key=API_KEY, server_url=server.url, async_transport="aiohttp")
    loop.run_until_complete(client.models.list_async())
    loop.close()
    client.close()
    (made,) = _async_made(made_clients)
    assert made.is_closed and released(made)
    del made, client
    made_clients.clear()
    gc.collect()  # its sockets are collected now, while their warnings are expected
