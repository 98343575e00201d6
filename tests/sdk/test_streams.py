"""Event streams over real HTTP: iteration, closing, faults mid-stream, no retry once
the stream is handed over."""

from __future__ import annotations

import asyncio
import json
import pickle
import time
import uuid
from typing import Any, Never

import httpx
import pytest

from r9s import R9S, AsyncEventStream, EventStream, errors
from r9s._pipeline import Endpoint, event_stream
from r9s._senders import asend, send
from r9s._streaming import StreamSpec
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY, FAST_RETRY
from tests.support.models import ChatArgs
from tests.support.twins import Twin, items


class _Text:
    """A minimal accumulator: all text deltas of a chat stream."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, item: dict[str, Any]) -> None:
        self.parts.append(_delta(item) or "")

    def result(self) -> str:
        return "".join(self.parts)

    def text(self) -> str:
        return self.result()


def _delta(item: dict[str, Any]) -> str | None:
    choices = item.get("choices") or [{}]
    content: str | None = choices[0].get("delta", {}).get("content")
    return content


SPEC: StreamSpec[dict[str, Any], str] = StreamSpec(
    decode=dict, accumulator=_Text, text=_delta, name="test chat stream"
)
CHAT: Endpoint[Never, EventStream[dict[str, Any], str], AsyncEventStream[dict[str, Any], str]] = (
    Endpoint("POST", "/chat/completions", stream=event_stream(SPEC, EventStream, AsyncEventStream))
)
BODY: ChatArgs = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "one two three four"}],
}


def open_stream(client: R9S, fault: str | None = None) -> EventStream[dict[str, Any], str]:
    params: dict[str, Any] = dict(BODY)
    if fault:
        params["http_headers"] = {"X-R9S-Fault": fault}
    stream: EventStream[dict[str, Any], str] = send(client, CHAT, params, stream=True)
    return stream


def idle_connections(client: R9S) -> int:
    pool = client.http_client._transport._pool  # type: ignore[attr-defined]
    return sum(not c.is_idle() for c in pool.connections)


@pytest.fixture
def client(server: LocalServer) -> Any:
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=FAST_RETRY) as c:
        yield c


def test_events_in_order_until_done(client: R9S, server: LocalServer) -> None:
    with open_stream(client) as stream:
        events = list(stream)
    assert events and all(e["object"] == "chat.completion.chunk" for e in events)
    assert "".join(_delta(e) or "" for e in events) == "Echo: one two three four"
    assert stream.response.is_closed
    assert server.requests[0].headers["accept"] == "text/event-stream"


def test_text_stream_and_final(client: R9S) -> None:
    assert "".join(open_stream(client).text_stream) == "Echo: one two three four"
    assert open_stream(client).get_final() == "Echo: one two three four"
    assert open_stream(client).get_final_text() == "Echo: one two three four"


def test_breaking_out_closes_the_connection(client: R9S) -> None:
    stream = open_stream(client)
    for _ in stream:
        break
    assert stream.response.is_closed
    assert idle_connections(client) == 0


def test_with_block_closes_an_unread_stream(client: R9S) -> None:
    with open_stream(client) as stream:
        pass
    assert stream.response.is_closed


def test_drop_mid_stream_raises_and_releases(client: R9S, server: LocalServer) -> None:
    stream = open_stream(client, "drop=mid_stream;after=2")
    seen = []
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        for event in stream:
            seen.append(event)
    assert isinstance(caught.value, errors.APIConnectionError)
    assert len(seen) == 2
    assert stream.response.is_closed and idle_connections(client) == 0
    assert len(server.requests) == 1  # never retried once handed over


def test_error_event_mid_stream_raises_typed_error(client: R9S) -> None:
    with pytest.raises(errors.APIStatusError) as caught:
        list(open_stream(client, "stream_error=2"))
    assert caught.value.message


def test_malformed_event_raises_validation_error(client: R9S) -> None:
    with pytest.raises(errors.ResponseValidationError):
        list(open_stream(client, "malformed=sse"))


def test_errors_before_the_stream_starts_are_retried(client: R9S, server: LocalServer) -> None:
    fault = f"status=503;times=1;key={uuid.uuid4().hex}"
    assert open_stream(client, fault).get_final() == "Echo: one two three four"
    assert len(server.requests) == 2


def test_a_stalled_stream_times_out(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=None, timeout=0.3) as client:
        with pytest.raises(errors.APITimeoutError):
            list(open_stream(client, "chunk_delay=5"))


@pytest.mark.usefixtures("async_transport")
def test_async_stream(server: LocalServer) -> None:
    async def run() -> tuple[str, bool, bool]:
        async with R9S(api_key=API_KEY, server_url=server.url) as client:
            params = dict(BODY)
            stream: AsyncEventStream[dict[str, Any], str] = await asend(
                client, CHAT, params, stream=True
            )
            async with stream:
                text = "".join([t async for t in stream.text_stream])
            broken = await asend(client, CHAT, params, stream=True)
            async for _ in broken:
                break
            await asyncio.sleep(0)
            cut = await asend(
                client,
                CHAT,
                {**params, "http_headers": {"X-R9S-Fault": "drop=mid_stream;after=1"}},
                stream=True,
            )
            with pytest.raises(errors.APIConnectionError):
                async for _ in cut:
                    pass
            return text, broken.response.is_closed, cut.response.is_closed

    assert asyncio.run(run()) == ("Echo: one two three four", True, True)


def _mock_stream(body: bytes) -> R9S:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    return R9S(api_key=API_KEY, server_url="http://r9s.test/v1", client=http)


def test_a_stream_that_ends_without_its_end_marker_is_incomplete() -> None:
    chunk = json.dumps(
        {"object": "chat.completion.chunk", "choices": [{"delta": {"content": "x"}}]}
    )
    with _mock_stream(f"data: {chunk}\n\n".encode()) as client:
        stream = open_stream(client)
        with pytest.raises(errors.IncompleteStreamError):
            list(stream)


@pytest.mark.parametrize(
    "body",
    [
        b"event: error\n"
        b'data: {"type":"error","error":{"type":"overloaded_error","message":"busy"}}\n\n',
        b'data: {"error":{"message":"busy","type":"server_error","code":529}}\n\n',
    ],
)
def test_error_events_in_both_formats(body: bytes) -> None:
    with _mock_stream(body) as client, pytest.raises(errors.ServiceUnavailableError) as caught:
        list(open_stream(client))
    assert caught.value.message == "busy"
    assert caught.value.status_code == 529


CHAT_BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "one two three four five six"}],
}
READERS = ["until_done", "get_final_completion", "get_final_text", "text_stream", "iterate"]


def _read_sync(stream: Any, how: str) -> None:
    if how == "text_stream":
        list(stream.text_stream)
    elif how == "iterate":
        list(stream)
    else:
        getattr(stream, how)()


async def _read_async(stream: Any, how: str) -> None:
    if how == "text_stream":
        [t async for t in stream.text_stream]
    elif how == "iterate":
        [e async for e in stream]
    else:
        await getattr(stream, how)()


@pytest.mark.parametrize("how", READERS)
@pytest.mark.parametrize("cut", ["break", "close"])
def test_reading_a_stream_closed_before_its_end_says_so(
    server: LocalServer, cut: str, how: str
) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        stream = client.chat.create(**CHAT_BODY, stream=True)
        if cut == "break":
            for _ in stream:
                break
        else:
            stream.close()
        assert stream.response.is_closed
        with pytest.raises(errors.IncompleteStreamError, match="closed before its end"):
            _read_sync(stream, how)


@pytest.mark.usefixtures("async_transport")
@pytest.mark.parametrize("how", READERS)
@pytest.mark.parametrize("cut", ["break", "break_text", "close"])
def test_async_reading_a_stream_closed_before_its_end_says_so(
    server: LocalServer, cut: str, how: str
) -> None:
    async def run() -> None:
        async with R9S(api_key=API_KEY, server_url=server.url) as client:
            stream = await client.chat.create_async(**CHAT_BODY, stream=True)
            if cut == "break":
                async for _ in stream:
                    break
            elif cut == "break_text":
                async for _ in stream.text_stream:
                    break
            else:
                await stream.aclose()
            await asyncio.sleep(0)  # one loop turn is enough to release the connection
            assert stream.response.is_closed
            with pytest.raises(errors.IncompleteStreamError, match="closed before its end"):
                await _read_async(stream, how)

    asyncio.run(run())


@pytest.mark.usefixtures("async_transport")
def test_closing_inside_the_loop_ends_it(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        stream = client.chat.create(**CHAT_BODY, stream=True)
        seen = [stream.close() for _ in stream]
        assert len(seen) == 1 and stream.response.is_closed

        async def run() -> int:
            async with R9S(api_key=API_KEY, server_url=server.url) as aclient:
                astream = await aclient.chat.create_async(**CHAT_BODY, stream=True)
                seen = [await astream.aclose() async for _ in astream]
                assert astream.response.is_closed
                return len(seen)

        assert asyncio.run(run()) == 1


def test_a_stream_read_to_its_end_can_be_read_again(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        stream = client.chat.create(**CHAT_BODY, stream=True)
        chunks = list(stream)
        assert chunks and list(stream) == []
        assert stream.get_final_text() == "Echo: one two three four five six"


def test_comments_are_kept_with_when_they_arrived(server: LocalServer) -> None:
    """The router's probe: ``: R9S PROCESSING`` before the first event, when asked for."""
    server.inject("probe_delay=0.2;chunk_delay=0.1")
    probe = {"X-NextRouter-SSE-Probe": "r9s"}

    def sync_run() -> tuple[float, float, list[str]]:
        with R9S(api_key=API_KEY, server_url=server.url) as client:
            sent = time.monotonic()
            stream = client.chat.create(**BODY, stream=True, extra_headers=probe)
            with stream:
                stream.until_done()
            (comment,) = stream.comments
            assert stream.first_event_at is not None
            return (
                comment.received_at - sent,
                stream.first_event_at - comment.received_at,
                [c.text for c in stream.comments],
            )

    router, upstream, texts = sync_run()
    assert texts == ["R9S PROCESSING"]
    # The probe comes 0.2 s after the headers: a lower bound on when it was read, whatever
    # the machine's load. The first event comes 0.1 s later, but a busy client may read both
    # at once, so only their order is certain.
    assert router >= 0.2 and upstream >= 0

    async def async_run() -> list[str]:
        async with R9S(api_key=API_KEY, server_url=server.url) as client:
            stream = await client.chat.create_async(**BODY, stream=True, extra_headers=probe)
            async with stream:
                await stream.until_done()
            return [c.text for c in stream.comments]

    assert asyncio.run(async_run()) == ["R9S PROCESSING"]
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    with (
        R9S(api_key=API_KEY, server_url=server.url) as client,
        client.chat.parse(
            **BODY, response_format=schema, stream=True, extra_headers=probe
        ) as parsed,
    ):
        parsed.get_final()
        assert [c.text for c in parsed.comments] == ["R9S PROCESSING"]  # a parse stream too
    with (
        R9S(api_key=API_KEY, server_url=server.url) as client,
        client.chat.create(**BODY, stream=True) as stream,
    ):
        stream.until_done()
        assert stream.comments == []  # not asked for: none sent


# -- how a stream ended early is said ---------------------------------------------------


def test_a_stream_that_ends_early_says_after_how_many_events(r9s: Twin) -> None:
    with pytest.raises(errors.IncompleteStreamError) as caught:
        r9s.chat.create(
            **CHAT_BODY, stream=True, http_headers={"X-R9S-Fault": "truncate=2"}, consume=items
        )
    error = caught.value
    assert (error.reason, error.events) == ("ended", 2)
    assert "chat completion stream ended after 2 events without its final event" in error.message
    assert not isinstance(error, errors.APIConnectionError)
    assert error.data.error.message == error.message  # what happened, not "HTTP error"
    assert (error.data.error.type, error.data.error.code) == ("incomplete_stream", "ended")


def test_a_connection_cut_mid_stream_is_an_incomplete_stream_and_a_connection_error(
    r9s: Twin,
) -> None:
    with pytest.raises(errors.IncompleteStreamError) as caught:
        r9s.chat.create(
            **CHAT_BODY,
            stream=True,
            http_headers={"X-R9S-Fault": "drop=mid_stream;after=3;request_id=x-request-id"},
            consume=items,
        )
    error = caught.value
    assert isinstance(error, errors.APIConnectionError)
    assert isinstance(error, httpx.RemoteProtocolError)  # as httpx raised it
    assert (error.reason, error.events) == ("connection_lost", 3)
    assert error.message.startswith("Connection error: peer closed connection")
    assert "after 3 events of the chat completion stream: the answer is incomplete" in str(error)
    assert error.data.error.code == "connection_lost"
    assert error.headers is not None and error.headers["x-request-id"].startswith("req_")
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, errors.IncompleteStreamError) and isinstance(
        copy, httpx.RemoteProtocolError
    )
    assert (copy.reason, copy.events, str(copy)) == ("connection_lost", 3, str(error))


def test_reading_on_from_a_closed_stream_says_so_with_its_reason(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        stream = client.chat.create(**CHAT_BODY, stream=True)
        next(iter(stream))
        stream.close()
        with pytest.raises(errors.IncompleteStreamError) as caught:
            stream.get_final_text()
    assert (caught.value.reason, caught.value.events) == ("closed", 1)


# -- lost text: the events before an error reach the caller (issue 17) ----------------


def until_error(stream: Any) -> Any:
    """``(items, error)``: every item a stream gave before it raised."""
    got: list[Any] = []
    if hasattr(stream, "__aiter__"):

        async def read() -> Any:
            try:
                async with stream:
                    async for item in stream:
                        got.append(item)
            except errors.R9SError as exc:
                return got, exc
            return got, None

        return read()
    try:
        with stream:
            got.extend(stream)
    except errors.R9SError as exc:
        return got, exc
    return got, None


LOST_TEXT_CALLS = {
    "chat": ("chat", {"model": "gpt-4o-mini", "messages": CHAT_BODY["messages"]}),
    "responses": ("responses", {"model": "gpt-4o-mini", "input": "one two three four five six"}),
    "messages": (
        "messages",
        {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": CHAT_BODY["messages"]},
    ),
}


@pytest.mark.parametrize("api", sorted(LOST_TEXT_CALLS))
def test_lost_text_events_before_an_error_in_the_same_read_are_delivered(
    r9s: Twin, api: str
) -> None:
    name, params = LOST_TEXT_CALLS[api]
    create = getattr(r9s, name).create

    def events(fault: str) -> Any:
        faulted = {**params, "http_headers": {"X-R9S-Fault": fault}}
        return create(**faulted, stream=True, consume=until_error)

    # Five events then the API's own error (`data: {"error": ...}` on chat, `event: error`
    # on the other two) in one write, so one network read: none of them may be lost.
    together, error = events("stream_error=5;one_write=true")
    apart, same_error = events("stream_error=5;chunk_delay=0.05")
    assert isinstance(error, errors.APIStatusError) and type(error) is type(same_error)
    assert len(together) >= 4  # five events (Messages: a ping among them, skipped)
    assert [summary(item) for item in together] == [summary(item) for item in apart]


def summary(item: Any) -> Any:
    """What an event says, without its ids and times (which differ call by call)."""
    if getattr(item, "object", None) == "chat.completion.chunk":
        return item.choices[0].delta.content
    delta = getattr(item, "delta", None)
    return item.type, delta if isinstance(delta, str) else getattr(delta, "text", None)
