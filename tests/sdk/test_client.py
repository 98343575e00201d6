"""The client against the local server: configuration, authentication, URLs, HTTP
clients passed in, logging, lifetime."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from r9s import R9S, errors
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY, Caller


def test_models_list_and_retrieve(call: Caller, server: LocalServer) -> None:
    listed = call("models.list")
    assert "gpt-4o-mini" in [model.id for model in listed.data]
    one = call("models.retrieve", model="gpt-4o-mini")
    assert one.id == "gpt-4o-mini"
    first = server.requests[0]
    assert (first.method, first.path) == ("GET", "/v1/models")
    assert first.headers["authorization"] == f"Bearer {API_KEY}"
    assert first.headers["user-agent"].startswith("r9s-python/")
    assert server.requests[1].path == "/v1/models/gpt-4o-mini"


def test_unknown_model_is_not_found(call: Caller) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        call("models.retrieve", model="no-such-model", retries=None)
    assert "no-such-model" in caught.value.message


def test_model_names_with_slashes_are_one_path_segment(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client, pytest.raises(errors.NotFoundError):
        client.models.retrieve(model="org/model", retries=None)
    assert server.requests[-1].raw_path.endswith("/models/org%2Fmodel")


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
def test_base_url_from_the_environment_with_or_without_v1(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    monkeypatch.setenv("R9S_API_KEY", API_KEY)
    monkeypatch.setenv("R9S_BASE_URL", server.root_url + suffix)
    with R9S.from_env() as client:
        assert client.base_url == server.url
        assert client.models.list().data


def test_explicit_server_url_is_used_exactly(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.root_url, retry_config=None) as client:
        with pytest.raises(errors.NotFoundError):
            client.models.list()
    assert server.requests[-1].path == "/models"


def test_defaults_to_production_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("R9S_BASE_URL", raising=False)
    assert R9S(api_key=API_KEY).base_url == "https://api.r9s.ai/v1"


@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key_is_a_clear_error_before_any_request(
    monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    monkeypatch.delenv("R9S_API_KEY", raising=False)
    with pytest.raises(errors.ConfigurationError, match="R9S_API_KEY"):
        R9S(api_key=key)


def test_unsendable_key_is_refused_clearly() -> None:
    with pytest.raises(errors.R9SError, match="characters"):
        R9S(api_key="sk-ünïcode")


def test_callable_key_is_read_per_request(server: LocalServer) -> None:
    keys = iter(["sk-first-key-0000000000", "sk-second-key-000000000"])
    with R9S(api_key=lambda: next(keys), server_url=server.url) as client:
        client.models.list()
        client.models.list()
    assert [r.api_key for r in server.requests] == [
        "sk-first-key-0000000000",
        "sk-second-key-000000000",
    ]


def test_wrong_key_is_an_authentication_error() -> None:
    with LocalServer(api_key="sk-the-right-one-000000") as server:
        with R9S(api_key=API_KEY, server_url=server.url) as client:
            with pytest.raises(errors.AuthenticationError) as caught:
                client.models.list()
    assert caught.value.status_code == 401


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


def test_extra_headers_query_and_per_call_server_url(server: LocalServer) -> None:
    with LocalServer() as other, R9S(api_key=API_KEY, server_url=server.url) as client:
        client.models.list(
            http_headers={"x-a": "1"}, extra_headers={"x-b": "2"}, extra_query={"q": "z"}
        )
        client.models.list(server_url=other.url)
        assert len(other.requests) == 1
    seen = server.requests[0]
    assert (seen.headers["x-a"], seen.headers["x-b"], seen.query["q"]) == ("1", "2", "z")


def test_debug_logger_gets_one_line_per_call_and_never_the_key(
    server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("r9s.test")
    server.inject("status=503", times=1)
    with caplog.at_level(logging.DEBUG, logger="r9s.test"):
        with R9S(api_key=API_KEY, server_url=server.url, debug_logger=logger) as client:
            client.models.list()
    records = [r for r in caplog.records if r.name == "r9s.test"]
    lines = [r.getMessage() for r in records if r.levelno == logging.INFO]
    assert len(lines) == 2
    assert lines[0].startswith(f"GET {server.url}/models -> 503") and "retrying in" in lines[0]
    assert lines[1].startswith(f"GET {server.url}/models -> 200") and "attempt 2" in lines[1]
    details = [r.getMessage() for r in records if r.levelno == logging.DEBUG]
    assert any("'authorization': '****'" in line for line in details)  # headers, key masked
    assert all(API_KEY not in r.getMessage() for r in records)


def test_key_never_in_repr_or_errors(server: LocalServer) -> None:
    client = R9S(api_key=API_KEY, server_url=server.url, retry_config=None)
    assert API_KEY not in repr(client)
    server.inject("status=401", times=1)
    with pytest.raises(errors.AuthenticationError) as caught:
        client.models.list()
    for text in (str(caught.value), repr(caught.value), caught.value.body):
        assert API_KEY not in text
    client.close()


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
            assert not http._transport._pool.connections  # type: ignore[attr-defined]
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
        pool = made._transport._pool  # type: ignore[attr-defined]
        assert not pool.connections  # its connection was closed, not dropped
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


BAD_URLS = [
    "api.r9s.ai/v1",  # no scheme
    "localhost:8000/v1",  # "localhost" read as the scheme
    "ftp://api.r9s.ai/v1",
    "http:///v1",  # no host
    "http://:8080/v1",
    " https://api.r9s.ai/v1",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_server_url_is_a_configuration_error_at_once(url: str) -> None:
    with pytest.raises(errors.ConfigurationError, match="server_url") as caught:
        R9S(api_key=API_KEY, server_url=url)
    assert repr(url) in str(caught.value)


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_per_call_server_url_is_refused_before_sending(
    call: Caller, server: LocalServer, url: str
) -> None:
    started = time.monotonic()
    with pytest.raises(errors.ConfigurationError, match="server_url"):
        call("models.list", server_url=url)
    assert time.monotonic() - started < 1  # no backoff: nothing was sent
    assert server.requests == []


@pytest.mark.parametrize("suffix", ["", "/v1", "/api/openai/v1/", "/proxy/v1"])
def test_good_server_urls_keep_their_path(server: LocalServer, suffix: str) -> None:
    client = R9S(api_key=API_KEY, server_url=server.root_url + suffix)
    assert client.base_url == (server.root_url + suffix).rstrip("/")
    client.close()
