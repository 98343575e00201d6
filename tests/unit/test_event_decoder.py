"""The event decoder's JSON-text path (pydantic validators) gives what the general path
gives: the same items, the same in-stream errors, the same skipped and final events."""

from __future__ import annotations

from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter

from r9s import errors
from r9s._streaming import EventDecoder, StreamSpec, json_decoder


class Delta(BaseModel):
    content: str | None = None


class Chunk(BaseModel):
    id: str
    delta: Delta
    extra: dict[str, Any] | None = None


class Start(BaseModel):
    type: Literal["start"]
    id: str


class Stop(BaseModel):
    type: Literal["stop"]


Event = Start | Stop
EVENTS: TypeAdapter[Event] = TypeAdapter(Event)

CHUNKS: StreamSpec[Chunk, None] = StreamSpec(decode=Chunk.model_validate, name="chunks")
PLAIN: StreamSpec[Chunk, None] = StreamSpec(
    decode=lambda value: Chunk.model_validate(value), name="chunks"
)
TYPED: StreamSpec[Event, None] = StreamSpec(
    decode=EVENTS.validate_python,
    done_data=None,
    terminal_types=frozenset({"stop"}),
    skip_types=frozenset({"ping"}),
    name="events",
)


def decode(spec: StreamSpec[Any, Any], body: bytes) -> list[Any]:
    response = httpx.Response(200, request=httpx.Request("POST", "http://bench/v1/x"))
    decoder = EventDecoder(spec, response)
    return decoder.feed(body) + decoder.finish()


def test_the_json_twin_is_found_for_pydantic_validators_only() -> None:
    # a model's own validator: what model_validate_json calls, without the call around it
    assert json_decoder(CHUNKS) == Chunk.__pydantic_validator__.validate_json
    assert json_decoder(TYPED) == EVENTS.validate_json
    assert json_decoder(PLAIN) is None
    explicit: StreamSpec[Any, None] = StreamSpec(decode=dict, decode_json=Chunk.model_validate_json)
    assert json_decoder(explicit) == Chunk.model_validate_json


def test_same_items_as_the_general_path() -> None:
    body = (
        b'data: {"id":"a","delta":{"content":"x"}}\n\n'
        b'data: {"id":"b","delta":{},"extra":{"k":[1,2.5,null]}}\n\n'
        b'data: {"id":"c","delta":{"content":"\\u00e9rror \\"error\\""}}\n\n'
        b"data: [DONE]\n\n"
    )
    fast = decode(CHUNKS, body)
    assert fast == decode(PLAIN, body)
    assert [c.delta.content for c in fast] == ["x", None, 'érror "error"']


def test_skipped_and_final_events() -> None:
    body = (
        b'event: start\ndata: {"type":"start","id":"m"}\n\n'
        b'event: ping\ndata: {"type": "ping"}\n\n'
        b'data: {"type":"ping"}\n\n'
        b'event: stop\ndata: {"type":"stop"}\n\n'
        b'data: {"type":"start","id":"after the end"}\n\n'
    )
    assert decode(TYPED, body) == [Start(type="start", id="m"), Stop(type="stop")]


def test_final_types_seen_through_the_json_path() -> None:
    spec: StreamSpec[Event, None] = StreamSpec(
        decode=EVENTS.validate_python, done_data=None, final_types=frozenset({"stop"})
    )
    body = b'data: {"type":"start","id":"a"}\n\ndata: {"type":"stop"}\n\n'
    assert decode(spec, body) == [Start(type="start", id="a"), Stop(type="stop")]
    spec_done: StreamSpec[Event, None] = StreamSpec(
        decode=EVENTS.validate_python, final_types=frozenset({"stop"})
    )
    with pytest.raises(errors.IncompleteStreamError):
        decode(spec_done, b'data: {"type":"start","id":"a"}\n\n')
    assert len(decode(spec_done, body)) == 2  # ended without [DONE], after a final event


@pytest.mark.parametrize("spec", [CHUNKS, PLAIN])
@pytest.mark.parametrize(
    "event",
    [
        b'data: {"error":{"message":"slow down","type":"rate_limit_error","code":429}}\n\n',
        b'data: {"type":"error","error":{"type":"overloaded_error","message":"busy"}}\n\n',
        b'event: error\ndata: {"message":"gone"}\n\n',
        b"event: error\ndata: not json\n\n",
    ],
)
def test_errors_in_the_stream_are_raised_the_same_way(
    spec: StreamSpec[Any, Any], event: bytes
) -> None:
    with pytest.raises(errors.APIStatusError) as caught:
        decode(spec, b'data: {"id":"a","delta":{}}\n\n' + event)
    with pytest.raises(errors.APIStatusError) as general:
        decode(PLAIN, b'data: {"id":"a","delta":{}}\n\n' + event)
    assert type(caught.value) is type(general.value)
    assert str(caught.value) == str(general.value)


@pytest.mark.parametrize(
    ("event", "message"),
    [(b"data: {not json\n\n", "malformed event"), (b'data: {"id":1}\n\n', "unexpected event")],
)
def test_bad_events_are_reported_the_same_way(event: bytes, message: str) -> None:
    for spec in (CHUNKS, PLAIN):
        with pytest.raises(errors.ResponseValidationError, match=message):
            decode(spec, event)


@pytest.mark.parametrize(
    "error",
    [b'data: {"error": {"message": "boom", "type": "server_error"}}\n\n',
     b'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error"}}\n\n'],
)  # fmt: skip
def test_items_before_an_error_in_the_same_chunk_come_first(error: bytes) -> None:
    response = httpx.Response(200, request=httpx.Request("POST", "http://bench/v1/x"))
    decoder = EventDecoder(CHUNKS, response)
    parts = b"".join(
        b'data: {"id": "%d", "delta": {"content": "p%d"}}\n\n' % (n, n) for n in range(5)
    )
    items = decoder.feed(parts + error)  # one read: five parts, then the error
    assert [item.delta.content for item in items] == ["p0", "p1", "p2", "p3", "p4"]
    assert isinstance(decoder.error, errors.APIStatusError)
    with pytest.raises(errors.APIStatusError):  # a caller that reads on gets it next
        decoder.feed(b"")
    with pytest.raises(errors.APIStatusError):
        decoder.finish()
    assert decoder.count == 5


def test_an_event_past_the_limit_stops_the_stream_after_the_events_before_it() -> None:
    response = httpx.Response(200, request=httpx.Request("POST", "http://bench/v1/x"))
    decoder = EventDecoder(CHUNKS, response, limit=1000)
    first = decoder.feed(b'data: {"id": "1", "delta": {}}\n\ndata: {"id": "2", "delta": {"con')
    assert [item.id for item in first] == ["1"]
    with pytest.raises(errors.ResponseTooLargeError, match="larger than 1000 bytes") as caught:
        for _ in range(10):
            decoder.feed(b"x" * 200)  # one line, growing past the limit
    assert caught.value.limit == 1000
    many_lines = EventDecoder(CHUNKS, response, limit=1000)
    with pytest.raises(errors.ResponseTooLargeError):  # one event of many short data lines
        many_lines.feed(b"data: " + b"y" * 100 + b"\n" * 1 + (b"data: " + b"y" * 100 + b"\n") * 10)


class Lenient(BaseModel, extra="allow"):
    """Like r9s's chunk models: every field has a default, so an error validates too."""

    id: str = ""
    type: str = ""


def test_an_error_or_a_skipped_event_is_found_wherever_the_reads_cut_it() -> None:
    # A read is searched once for the words of errors and skipped events; the first event
    # it completes may have begun in the read before, so every cut must still find them.
    # The model takes any object, so only that search keeps them from becoming items.
    lenient: StreamSpec[Lenient, None] = StreamSpec(
        decode=Lenient.model_validate, skip_types=frozenset({"ping"}), name="lenient"
    )
    part = b'data: {"id": "%d"}\n\n'
    error = b'data: {"error": {"message": "boom", "type": "server_error"}}\n\n'
    body = part % 1 + error + part % 2
    response = httpx.Response(200, request=httpx.Request("POST", "http://bench/v1/x"))
    for cut in range(1, len(body)):
        decoder = EventDecoder(lenient, response)
        items: list[Lenient] = []
        with pytest.raises(errors.APIStatusError, match="boom"):
            for read in (body[:cut], body[cut:]):
                items.extend(decoder.take(read))
        assert [item.id for item in items] == ["1"], cut
    with_ping = part % 1 + b'data: {"type": "ping"}\n\n' + part % 2 + b"data: [DONE]\n\n"
    for cut in range(1, len(with_ping)):
        decoder = EventDecoder(lenient, response)
        got = [*decoder.take(with_ping[:cut]), *decoder.take(with_ping[cut:])]
        assert [item.id for item in got] == ["1", "2"], cut
