"""The SSE decoder: WHATWG framing, and the same events however the bytes are cut."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest
from hypothesis import given, settings, strategies as st

from r9s import _streaming
from r9s._streaming import ServerSentEvent, SSEDecoder


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    return events


def test_fields_multiline_data_comments_and_defaults() -> None:
    stream = (
        b": a comment\n"
        b"event: delta\n"
        b"id: 7\n"
        b"retry: 1500\n"
        b"data: first line\n"
        b"data:second line\n"
        b"\n"
        b'data: {"x": 1}\n'
        b"\n"
    )
    first, second = decode(stream)
    assert first == ServerSentEvent("first line\nsecond line", "delta", "7", 1500)
    # the event type resets after dispatch; the last id and retry persist
    assert second == ServerSentEvent('{"x": 1}', "message", "7", 1500)
    assert second.json() == {"x": 1}


def test_cr_lf_and_crlf_line_ends_and_bom() -> None:
    expected = [ServerSentEvent("a"), ServerSentEvent("b")]
    assert decode(b"\xef\xbb\xbfdata: a\r\n\r\ndata: b\r\n\r\n") == expected
    assert decode(b"data: a\r\rdata: b\r\r") == expected
    assert decode(b"data: a\n\ndata: b\n\n") == expected


def test_cr_at_a_chunk_boundary_is_one_line_end() -> None:
    assert decode(b"data: a\r", b"\ndata: b\r\n\r\n") == [ServerSentEvent("a\nb")]


def test_field_without_colon_empty_data_and_unknown_fields() -> None:
    events = decode(b"data\ndata\n\nfoo: bar\ndata: x\n\nid: a\x00b\ndata: y\n\n")
    assert events[0].data == "\n"
    assert events[1].data == "x"
    assert events[2].id is None  # an id containing NUL is ignored


def test_blank_lines_alone_dispatch_nothing() -> None:
    assert decode(b"\n\n\r\n: keep-alive\n\n") == []


def test_a_last_event_without_blank_line_is_delivered() -> None:
    assert decode(b"data: [DONE]") == [ServerSentEvent("[DONE]")]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert decode(b"data: \xff\n\n")[0].data == "\ufffd"


def test_long_lines_have_no_limit() -> None:
    payload = "x" * 1_000_000
    assert decode(f"data: {payload}\n\n".encode())[0].data == payload


event_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=["Cs"]),
    max_size=20,
)
line_end = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    parts: list[str] = []
    if draw(st.booleans()):
        parts.append("\ufeff")
    for _ in range(draw(st.integers(0, 6))):
        end = draw(line_end)
        kind = draw(st.sampled_from(["data", "event", "id", "retry", "comment", "blank"]))
        value = draw(event_text)
        if kind == "comment":
            parts.append(f":{value}{end}")
        elif kind == "blank":
            parts.append(end)
        else:
            parts.append(f"{kind}:{draw(st.sampled_from(['', ' ']))}{value}{end}")
        if draw(st.booleans()):
            parts.append(end)  # dispatch
    return "".join(parts).encode()


@settings(max_examples=300, deadline=None)
@given(stream=streams(), data=st.data())
def test_any_chunking_gives_the_same_events(stream: bytes, data: st.DataObject) -> None:
    whole = decode(stream)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(stream)), max_size=12)))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert decode(*pieces) == whole
    assert decode(*(bytes([b]) for b in stream)) == whole


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(stream: bytes) -> None:
    decode(stream)


@settings(max_examples=300, deadline=None)
@given(stream=streams(), data=st.data())
def test_any_chunking_gives_the_same_events_on_the_long_line_path(
    stream: bytes, data: st.DataObject
) -> None:
    # Every pending line takes the path for long lines (pieces kept, joined at its end).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_streaming, "_SHORT_LINE", -1)
        test_any_chunking_gives_the_same_events.hypothesis.inner_test(stream, data)  # type: ignore[attr-defined]


def _seconds_to_decode(size: int) -> float:
    line = b'data: {"b64_json": "' + b"A" * size + b'"}\n\n'
    chunks = [line[i : i + 16384] for i in range(0, len(line), 16384)]
    best = float("inf")
    for _ in range(3):
        decoder = SSEDecoder()
        started = time.perf_counter()
        events = [event for chunk in chunks for event in decoder.feed(chunk)]
        best = min(best, time.perf_counter() - started)
        assert len(events) == 1 and len(events[0].data) == size + 16
    return best


def test_a_long_line_in_many_chunks_costs_linear_time() -> None:
    # An image stream carries megabytes of base64 in one event, cut into network
    # chunks. Four times the size must cost about four times as much, not sixteen.
    small, large = _seconds_to_decode(2 << 20), _seconds_to_decode(8 << 20)
    assert large < 8 * small + 0.05, (small, large)


@settings(max_examples=300, deadline=None)
@given(stream=streams(), data=st.data())
def test_comments_reach_the_hook_whatever_the_chunks(stream: bytes, data: st.DataObject) -> None:
    def comments(*chunks: bytes) -> list[str]:
        seen: list[str] = []
        decoder = SSEDecoder(on_comment=seen.append)
        for chunk in chunks:
            decoder.feed(chunk)
        decoder.flush()
        return seen

    whole = comments(stream)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(stream)), max_size=12)))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert comments(*pieces) == whole
    assert comments(*(bytes([b]) for b in stream)) == whole


def test_a_comment_loses_its_colon_and_one_space_and_dispatches_nothing() -> None:
    seen: list[str] = []
    decoder = SSEDecoder(on_comment=seen.append)
    events = decoder.feed(b": R9S PROCESSING\n\n:  two spaces\n:\ndata: x\n\n")
    assert seen == ["R9S PROCESSING", " two spaces", ""]
    assert events == [ServerSentEvent("x")]


def pairs(events: Sequence[ServerSentEvent | str]) -> list[tuple[str, str, str | None]]:
    """Each event as ``(type, data, id)``; a ``str`` from ``feed_data`` is a
    ``message`` (whose id is not asked for)."""
    return [("message", e, "") if isinstance(e, str) else
            (e.event, e.data, e.id if e.event != "message" else "") for e in events]  # fmt: skip


ROUTER_PIECES = {
    "data": "data: {}\n\n",
    "bare": "data:{}\n\n",
    "comment": ": {}\n\n",
    "typed": "event: {0}\ndata: {0}\n\n",
    "anthropic": "event:{0}\ndata:{0}\n\n",
    "lines": "data: {0}\ndata: {0}\n\n",
    "id": "id: {}\n",
    "blank": "\n",
    "unended": "data: {}\n",
}
"""Pieces of an event stream, each a template of one drawn value."""


@st.composite
def router_streams(draw: st.DrawFn) -> bytes:
    """What routers send (one ``data`` line an event, LF ends), with some of everything
    else in between: comments, typed and multi-line events, ids, extra blank lines."""
    kinds = st.sampled_from(["data", "data", "data", *ROUTER_PIECES])
    pieces = draw(st.lists(st.tuples(kinds, event_text), max_size=10))
    return "".join(ROUTER_PIECES[kind].format(value) for kind, value in pieces).encode()


@settings(max_examples=400, deadline=None)
@given(stream=st.one_of(router_streams(), streams()), data=st.data(),
       limit=st.sampled_from([None, 8, 30]))  # fmt: skip
def test_feed_data_gives_what_feed_gives_whatever_the_chunks(
    stream: bytes, data: st.DataObject, limit: int | None
) -> None:
    def run(
        *chunks: bytes, fast: bool
    ) -> tuple[list[tuple[str, str, str | None]], list[str], bool]:
        comments: list[str] = []
        decoder = SSEDecoder(limit, on_comment=comments.append)
        events: list[ServerSentEvent | str] = []
        for chunk in chunks:
            events.extend(decoder.feed_data(chunk) if fast else decoder.feed(chunk))
        events.extend(decoder.flush())
        return pairs(events), comments, decoder.too_large

    whole = run(stream, fast=False)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(stream)), max_size=12)))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert run(stream, fast=True) == whole
    # (with a limit, where a line is cut counts: a pending line is measured whole)
    assert run(*pieces, fast=True) == (run(*pieces, fast=False) if limit else whole)


def test_feed_data_gives_plain_events_as_their_data() -> None:
    decoder = SSEDecoder()
    body = b'data: {"a": 1}\n\ndata:{"b": 2}\n\nevent: ping\ndata: {}\n\n: hi\n\ndata: [DONE]\n\n'
    assert decoder.feed_data(body[:3]) == []
    events = decoder.feed_data(body[3:])
    # the event the chunks cut in two is completed line by line, as are typed events
    assert events == [ServerSentEvent('{"a": 1}'), '{"b": 2}', ServerSentEvent("{}", "ping"),
                      "[DONE]"]  # fmt: skip
