"""The async transports r9s makes clients on (aiohttp by default, httpx's own on request)
keep every promise of the async path: the same errors for the same faults, proxies from
the environment, redirects, compressed bodies, events as they are sent, cancellation that
releases the connection."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import httpx
import httpx_aiohttp
import pytest
from httpx_aiohttp import HttpxAiohttpClient

from r9s import R9S, errors
from r9s._aiohttp import httpx_error_class
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.support.peers import Handler, Peer, forward
from tests.support.pools import busy_connections
from tests.support.twins import MODE_PARAMS, Twin, enter_mode, items

MESSAGES = [{"role": "user", "content": "one two three"}]

# -- the choice ---------------------------------------------------------------------------


def _made(client: R9S) -> httpx.AsyncClient:
    async def run() -> httpx.AsyncClient:
        http = client.async_http_client
        assert isinstance(http, httpx.AsyncClient)
        return http

    return asyncio.run(run())


def test_the_default_is_an_httpx_client_on_aiohttp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("R9S_ASYNC_TRANSPORT", raising=False)
    with R9S(api_key=API_KEY) as client:
        http = _made(client)
    assert isinstance(http._transport, httpx_aiohttp.AiohttpTransport)
    assert http.follow_redirects and http.is_closed


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_httpx_can_be_chosen_back(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    monkeypatch.delenv("R9S_ASYNC_TRANSPORT", raising=False)
    if how == "environment":
        monkeypatch.setenv("R9S_ASYNC_TRANSPORT", " HTTPX ")
        client = R9S(api_key=API_KEY)
    else:
        monkeypatch.setenv("R9S_ASYNC_TRANSPORT", "aiohttp")  # the argument wins
        client = R9S(api_key=API_KEY, async_transport="httpx")
    with client:
        http = _made(client)
    assert isinstance(http, httpx.AsyncClient) and not isinstance(http, HttpxAiohttpClient)
    assert type(http._transport) is httpx.AsyncHTTPTransport


def test_a_wrong_transport_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(errors.ConfigurationError, match="async_transport must be 'aiohttp' or"):
        R9S(api_key=API_KEY, async_transport="requests")  # type: ignore[arg-type]
    monkeypatch.setenv("R9S_ASYNC_TRANSPORT", "curl")
    with pytest.raises(errors.ConfigurationError, match="R9S_ASYNC_TRANSPORT must be .*'curl'"):
        R9S(api_key=API_KEY)


def test_an_async_client_and_a_transport_are_not_both_taken() -> None:
    own = httpx.AsyncClient()
    with pytest.raises(errors.ConfigurationError, match="not both"):
        R9S(api_key=API_KEY, async_client=own, async_transport="httpx")
    asyncio.run(own.aclose())


# -- the same errors for the same faults ----------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


FAULTS = {
    "refused": "",
    "dropped before the headers": "drop=before_headers",
    "dropped mid-body": "drop=mid_body",
    "too slow": "delay=3",
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_raises_the_same_error_sync_and_on_either_transport(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1" if fault == "refused" else server.url
    headers = {"X-R9S-Fault": FAULTS[fault]} if FAULTS[fault] else {}
    raised: dict[str, BaseException] = {}
    for param in MODE_PARAMS:
        mode = enter_mode(param, monkeypatch)
        with R9S(api_key=API_KEY, server_url=url, retry_config=None, timeout=0.5) as client:
            with pytest.raises(errors.R9SError) as caught:
                Twin(client, mode).models.list(http_headers=headers)
        raised[param] = caught.value

    def kinds(error: BaseException) -> tuple[str, ...]:
        return tuple(c.__qualname__ for c in type(error).__mro__ if c.__module__ != "builtins")

    sync = raised["sync"]
    timeout = fault == "too slow"
    assert isinstance(sync, errors.APITimeoutError if timeout else errors.APIConnectionError)
    assert isinstance(sync, httpx.TimeoutException) is timeout
    for param, error in raised.items():
        assert kinds(error) == kinds(sync), param  # r9s's classes and httpx's alike
        assert str(error).startswith("Timed out: " if timeout else "Connection error: ")


def test_a_stalled_stream_times_out(r9s: Twin, server: LocalServer) -> None:
    client = r9s.with_options(timeout=0.3, retries=None)
    with pytest.raises(errors.APITimeoutError) as caught:
        client.chat.create(
            model="gpt-4o-mini",
            messages=MESSAGES,
            stream=True,
            http_headers={"X-R9S-Fault": "chunk_delay=5"},
            consume=items,
        )
    assert isinstance(caught.value, httpx.ReadTimeout)


def test_a_per_call_timeout_bounds_that_call(r9s: Twin) -> None:
    with pytest.raises(errors.APITimeoutError):
        r9s.models.list(timeout=0.3, retries=None, http_headers={"X-R9S-Fault": "delay=3"})
    assert r9s.models.list(timeout=5).data


AIOHTTP_FAULTS: list[tuple[BaseException, type[httpx.TransportError]]] = [
    (aiohttp.ConnectionTimeoutError("connect"), httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError("read"), httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError("slow"), httpx.TimeoutException),
    (TimeoutError(), httpx.TimeoutException),
    (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError("cut"), httpx.RemoteProtocolError),
    (aiohttp.ClientOSError(104, "reset"), httpx.ReadError),
    (aiohttp.ClientConnectionError("Connection closed"), httpx.ReadError),
    (ConnectionResetError(104, "reset"), httpx.ReadError),
    (aiohttp.NonHttpUrlClientError("ftp://x"), httpx.UnsupportedProtocol),
]


@pytest.mark.parametrize(("fault", "expected"), AIOHTTP_FAULTS, ids=lambda v: type(v).__name__)
def test_aiohttp_faults_become_the_httpx_errors_httpx_raises(
    fault: BaseException, expected: type[httpx.TransportError]
) -> None:
    assert httpx_error_class(fault) is expected


def test_a_refused_connection_is_a_connect_error_not_a_timeout() -> None:
    key = aiohttp.client_reqrep.ConnectionKey("127.0.0.1", 9, False, True, None, None, None)
    refused = aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))
    assert httpx_error_class(refused) is httpx.ConnectError
    proxy = aiohttp.ClientProxyConnectionError(key, ConnectionRefusedError(111, "refused"))
    assert httpx_error_class(proxy) is httpx.ProxyError
    assert httpx_error_class(ValueError("not a transport fault")) is None


# -- proxies from the environment ---------------------------------------------------------


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Peer]:
    """A real forward proxy; no proxy settings in the environment but what a test sets."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    with Peer(forward) as running:
        yield running


def test_http_proxy_from_the_environment_is_used(
    proxy: Peer, server: LocalServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        r9s = Twin(client, mode)
        assert r9s.models.list().data
        events = r9s.chat.create(model="gpt-4o-mini", messages=MESSAGES, stream=True, consume=items)
        assert events
    assert [seen.path for seen in proxy.seen] == [
        f"{server.url}/models",
        f"{server.url}/chat/completions",
    ]
    assert proxy.seen[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert len(server.requests) == 2


def test_no_proxy_from_the_environment_is_honoured(
    proxy: Peer, server: LocalServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        assert Twin(client, mode).models.list().data
    assert proxy.seen == []
    assert len(server.requests) == 1


def test_an_unreachable_proxy_is_a_connection_error(
    proxy: Peer, server: LocalServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=None) as client:
        with pytest.raises(errors.APIConnectionError) as caught:
            Twin(client, mode).models.list()
    assert not isinstance(caught.value, errors.APITimeoutError)
    assert server.requests == []


# -- redirects ------------------------------------------------------------------------------

MODELS = {"object": "list", "data": [{"id": "m", "object": "model", "created": 0}]}


def _models(handler: Handler) -> None:
    handler.reply(200, json.dumps(MODELS).encode(), {"Content-Type": "application/json"})


def _redirecting(to: Callable[[], str]) -> Callable[[Handler], None]:
    def answer(handler: Handler) -> None:
        if handler.path.endswith("/moved"):
            handler.reply(307, b"", {"Location": to() + "/v1/models"})
        else:
            _models(handler)

    return answer


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("where", ["same origin", "other origin"])
def test_redirects_are_followed_and_the_key_stays_on_its_origin(
    mode: str, where: str, method: str
) -> None:
    with Peer(_models) as other:
        first = Peer(_redirecting(lambda: other.url if where == "other origin" else first.url))
        with first, R9S(api_key=API_KEY, server_url=first.url + "/v1") as client:
            r9s = Twin(client, mode)
            answer = r9s.get("/moved") if method == "get" else r9s.post("/moved", body={"a": 1})
            assert answer == MODELS
        target = other if where == "other origin" else first
        (followed,) = [seen for seen in target.seen if seen.path == "/v1/models"]
    assert followed.method == method.upper()  # a 307 keeps the method and the body
    assert followed.body == (b"" if method == "get" else b'{"a":1}')
    if where == "other origin":
        assert "authorization" not in followed.headers  # never sent to another origin
    else:
        assert followed.headers["authorization"] == f"Bearer {API_KEY}"


# -- compressed bodies ------------------------------------------------------------------------


def _compress(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data)
    if encoding == "deflate":
        return zlib.compress(data)
    if encoding == "br":
        import brotli

        compressed: bytes = brotli.compress(data)
        return compressed
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_compressed_answers_are_decoded(mode: str, encoding: str) -> None:
    def answer(handler: Handler) -> None:
        body = _compress(encoding, json.dumps(MODELS).encode())
        headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
        handler.reply(200, body, headers)

    with Peer(answer) as peer, R9S(api_key=API_KEY, server_url=peer.url + "/v1") as client:
        assert Twin(client, mode).models.list().data[0].id == "m"
    offered = {part.strip() for part in peer.seen[0].headers["accept-encoding"].split(",")}
    assert encoding in offered


# -- events as they are sent --------------------------------------------------------------------


def _chunk_event(text: str) -> bytes:
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


def test_each_event_reaches_the_caller_as_it_is_sent(mode: str) -> None:
    # The server sends one event, then waits until the caller has it: a transport or a
    # decoder that waited for more data before handing it over would never see it.
    cue = threading.Event()
    waited: list[bool] = []

    def answer(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.chunk(_chunk_event("first"))
        waited.append(cue.wait(10))
        handler.chunk(_chunk_event(" second") + b"data: [DONE]\n\n")
        handler.chunk(b"")

    def read(stream: Any) -> Any:
        if hasattr(stream, "__aiter__"):

            async def read_async() -> list[str]:
                texts = []
                async with stream:
                    async for event in stream:
                        texts.append(event.choices[0].delta.content)
                        cue.set()
                return texts

            return read_async()
        texts = []
        with stream:
            for event in stream:
                texts.append(event.choices[0].delta.content)
                cue.set()
        return texts

    with Peer(answer) as peer, R9S(api_key=API_KEY, server_url=peer.url + "/v1") as client:
        texts = Twin(client, mode).chat.create(
            model="m", messages=MESSAGES, stream=True, consume=read
        )
    assert texts == ["first", " second"]
    assert waited == [True]


# -- cancellation ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("async_transport")
@pytest.mark.parametrize("where", ["mid-request", "mid-stream"])
def test_cancelling_a_call_releases_its_connection(server: LocalServer, where: str) -> None:
    async def run() -> None:
        async with R9S(api_key=API_KEY, server_url=server.url) as client:
            got: list[object] = []

            async def call() -> None:
                if where == "mid-request":
                    await client.models.list_async(http_headers={"X-R9S-Fault": "delay=5"})
                    return
                stream = await client.chat.create_async(
                    model="gpt-4o-mini",
                    messages=MESSAGES,
                    stream=True,
                    http_headers={"X-R9S-Fault": "chunk_delay=1"},
                )
                async with stream:
                    async for event in stream:
                        got.append(event)

            task = asyncio.create_task(call())
            while not (got if where == "mid-stream" else server.requests):
                await asyncio.sleep(0.01)
            assert busy_connections(client.async_http_client) == 1
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0)
            assert busy_connections(client.async_http_client) == 0
            assert (await client.models.list_async()).data  # the client goes on working

    asyncio.run(run())


def test_a_cookie_an_answer_sets_is_sent_back_and_answers_without_one_skip_the_jar(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # r9s's clients skip the cookie jar's parsing for answers that set no cookie (nearly
    # all of them): one that sets a cookie is still kept, on every transport.
    parsed: list[str] = []
    extract = httpx.Cookies.extract_cookies

    def counted(cookies: httpx.Cookies, response: httpx.Response) -> None:
        parsed.append(response.headers.get("set-cookie", ""))
        extract(cookies, response)

    monkeypatch.setattr(httpx.Cookies, "extract_cookies", counted)

    def answer(handler: Handler) -> None:
        headers = {"Content-Type": "application/json"}
        if handler.path.endswith("/models") and len(handler.peer.seen) == 1:
            headers["Set-Cookie"] = "route=b7; Path=/"
        handler.reply(200, json.dumps(MODELS).encode(), headers)

    with Peer(answer) as peer, R9S(api_key=API_KEY, server_url=peer.url + "/v1") as client:
        if mode == "sync":
            ids = [client.models.list().data[0].id for _ in range(3)]
        else:

            async def three() -> list[str]:  # one loop, so one client
                return [(await client.models.list_async()).data[0].id for _ in range(3)]

            ids = asyncio.run(three())
    assert ids == ["m", "m", "m"]
    assert [seen.headers.get("cookie") for seen in peer.seen] == [None, "route=b7", "route=b7"]
    assert parsed == ["route=b7; Path=/"]
