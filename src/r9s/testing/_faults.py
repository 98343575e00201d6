"""Fault injection: parse ``key=value;...`` specs, pick the fault for a request, apply it.

A fault comes from the ``X-R9S-Fault`` request header or from a queue filled by
``LocalServer.inject`` (or ``POST /__r9s/faults``). See ``FAULT_KEYS`` for the grammar.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import struct
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, fields
from email.utils import formatdate
from typing import Any

from r9s.testing._errors import (
    JSON_HEADERS,
    ApiError,
    Family,
    default_message,
    error_body,
)
from r9s.testing._http import CutConnection, Response
from r9s.testing._sse import SSE_HEADERS, Event, SSEReply, dumps

FAULT_HEADER = "x-r9s-fault"
BODY_KINDS = ("json", "anthropic", "google", "empty", "text", "html")
DROP_KINDS = ("before_headers", "mid_body", "mid_stream")
MALFORMED_KINDS = ("json", "sse")
RESPONSE_STATUSES = ("failed", "incomplete")
PROBE_HEADER = "x-nextrouter-sse-probe"
PROBE_COMMENT = b": R9S PROCESSING\n\n"


@dataclass(frozen=True)
class Fault:
    """One parsed fault spec; every field is optional and they combine."""

    status: int | None = None
    body: str | None = None  # default: the path's own family (json/anthropic/google)
    message: str | None = None
    code: str | None = None
    retry_after: float | None = None
    retry_after_ms: int | None = None
    retry_after_date: float | None = None
    should_retry: bool | None = None
    delay: float = 0.0
    drop: str | None = None
    after: int | None = None
    malformed: str | None = None
    stream_error: int | None = None
    truncate: int | None = None
    chunk_delay: float = 0.0
    one_write: bool = False  # send a stream's events in a single write (one network read)
    trickle: float | None = None  # send the body one byte at a time, this many seconds apart
    huge_event: int | None = None  # a stream's first event: one data line of this many bytes
    gzip_bomb: int | None = None  # a gzip body that decompresses to this many bytes
    times: int | None = None
    key: str | None = None
    request_id: str | None = None  # a header name: answer with a request id in it
    probe_delay: float | None = None
    response_status: str | None = None


def _positive_float(value: str) -> float:
    number = float(value)
    if not number >= 0:  # also rejects NaN
        raise ValueError("must be >= 0")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be >= 0")
    return number


def _status(value: str) -> int:
    number = int(value)
    if not 100 <= number <= 599 or 100 <= number < 200:
        raise ValueError("must be a final HTTP status (200-599)")
    return number


def _choice(*allowed: str) -> Any:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def _header_name(value: str) -> str:
    if not value or not all(ch.isalnum() or ch in "-_" for ch in value):
        raise ValueError("must be a header name, such as x-request-id")
    return value


def _boolean(value: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise ValueError("must be true or false")


FAULT_KEYS: dict[str, Any] = {
    "status": _status,
    "body": _choice(*BODY_KINDS),
    "message": str,
    "code": str,
    "retry_after": _positive_float,
    "retry_after_ms": _count,
    "retry_after_date": _positive_float,
    "should_retry": _boolean,
    "delay": _positive_float,
    "drop": _choice(*DROP_KINDS),
    "after": _count,
    "malformed": _choice(*MALFORMED_KINDS),
    "stream_error": _count,
    "truncate": _count,
    "chunk_delay": _positive_float,
    "one_write": _boolean,
    "trickle": _positive_float,
    "huge_event": _count,
    "gzip_bomb": _count,
    "times": _count,
    "key": str,
    "request_id": _header_name,
    "probe_delay": _positive_float,
    "response_status": _choice(*RESPONSE_STATUSES),
}
assert set(FAULT_KEYS) == {f.name for f in fields(Fault)}


def parse_fault(spec: str) -> Fault:
    """Parse ``status=503;retry_after=1`` into a ``Fault``; ``ValueError`` says what is wrong."""
    values: dict[str, Any] = {}
    for item in spec.split(";"):
        item = item.strip()
        if not item:
            continue
        name, equals, raw = item.partition("=")
        name, raw = name.strip().lower(), raw.strip()
        if not equals:
            raise ValueError(f"fault item {item!r} is not key=value")
        if name not in FAULT_KEYS:
            raise ValueError(f"unknown fault key {name!r} (known: {', '.join(FAULT_KEYS)})")
        try:
            values[name] = FAULT_KEYS[name](raw)
        except ValueError as exc:
            raise ValueError(f"fault {name}={raw!r}: {exc}") from None
    if not values:
        raise ValueError("empty fault spec")
    return Fault(**values)


@dataclass
class _Queued:
    fault: Fault
    remaining: int
    path: str | None


class FaultBook:
    """The queued faults and the per-key counters of header faults (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []
        self._seen: dict[str, int] = {}

    def inject(self, spec: str, times: int | None = None, path: str | None = None) -> Fault:
        fault = parse_fault(spec)
        count = times if times is not None else (fault.times if fault.times is not None else 1)
        if count < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._queue.append(_Queued(fault, count, path))
        return fault

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"remaining": q.remaining, "path": q.path} for q in self._queue]

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._seen.clear()

    def take_queued(self, path: str) -> Fault | None:
        """The first queued fault matching ``path`` (a ``*`` suffix matches a prefix)."""
        with self._lock:
            for index, queued in enumerate(self._queue):
                if not _path_matches(queued.path, path):
                    continue
                queued.remaining -= 1
                if queued.remaining <= 0:
                    del self._queue[index]
                return queued.fault
        return None

    def from_header(self, spec: str) -> Fault | None:
        """The header's fault, unless its ``times`` budget for its key is spent."""
        fault = parse_fault(spec)
        if fault.times is None:
            return fault
        key = fault.key if fault.key is not None else spec
        with self._lock:
            seen = self._seen.get(key, 0) + 1
            self._seen[key] = seen
        return fault if seen <= fault.times else None


def _path_matches(pattern: str | None, path: str) -> bool:
    if pattern is None:
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def retry_headers(fault: Fault) -> list[tuple[str, str]]:
    headers = []
    if fault.retry_after is not None:
        seconds = fault.retry_after
        headers.append(
            ("retry-after", str(int(seconds)) if seconds == int(seconds) else str(seconds))
        )
    if fault.retry_after_date is not None:
        date = formatdate(time.time() + fault.retry_after_date, usegmt=True)
        headers.append(("retry-after", date))
    if fault.retry_after_ms is not None:
        headers.append(("retry-after-ms", str(fault.retry_after_ms)))
    if fault.should_retry is not None:
        headers.append(("x-should-retry", "true" if fault.should_retry else "false"))
    return headers


_JSON_BODIES: dict[str, Family] = {"json": "openai", "anthropic": "anthropic", "google": "google"}


def status_response(fault: Fault, family: Family) -> Response:
    """The error answer of a ``status=`` fault, in the requested body style."""
    assert fault.status is not None
    status = fault.status
    message = fault.message or f"{default_message(status)} (injected fault)"
    kind = fault.body or {"openai": "json", "anthropic": "anthropic", "google": "google"}[family]
    headers = retry_headers(fault)
    if kind == "empty":
        return Response(status, headers, b"")
    if kind == "text":
        return Response(
            status, [("content-type", "text/plain; charset=utf-8"), *headers], message.encode()
        )
    if kind == "html":
        page = (
            f"<html><head><title>{status} {default_message(status)}</title></head>"
            f"<body><center><h1>{status} {default_message(status)}</h1></center>"
            "<hr><center>nginx</center></body></html>\n"
        )
        return Response(status, [("content-type", "text/html"), *headers], page.encode())
    body = error_body(
        _JSON_BODIES[kind], ApiError(status, message, code=fault.code or "injected_fault")
    )
    return Response(status, JSON_HEADERS + headers, dumps(body).encode())


MALFORMED_JSON = b'{"id": "broken", "object": "chat.completion", "choices": [{"index": 0, "mess'
BROKEN_SSE = Event('{"id": "broken", "choices": [{"delta": {"content": "trunc')


def malformed_json_response() -> Response:
    return Response(200, list(JSON_HEADERS), MALFORMED_JSON)


def stream_response(
    stream: SSEReply, fault: Fault | None, probe_delay: float | None = None
) -> Response:
    """Turn an event stream into a chunked response, applying the stream faults.

    With ``probe_delay`` (the request asked for the router's probe with
    ``X-NextRouter-SSE-Probe``) the stream starts with the comment ``: R9S PROCESSING``,
    sent that many seconds after the headers, as r9s sends it once it has handed the
    request to the upstream; the first event then follows after ``chunk_delay``.
    """
    return Response(
        stream.status,
        SSE_HEADERS + stream.headers,
        _stream_body(stream, fault or Fault(), probe_delay),
    )


async def _stream_body(
    stream: SSEReply, fault: Fault, probe_delay: float | None = None
) -> AsyncIterator[bytes]:
    body = _stream_pieces(stream, fault, probe_delay)
    if fault.trickle is not None:
        body = _trickle(body, fault.trickle)
    async for piece in body:
        yield piece


async def _stream_pieces(
    stream: SSEReply, fault: Fault, probe_delay: float | None
) -> AsyncIterator[bytes]:
    cut_after = _cut_point(fault, default=1 if fault.drop == "mid_body" else 2)
    events = _fault_events(stream, fault)
    if probe_delay is not None:
        delay = fault.probe_delay if fault.probe_delay is not None else probe_delay
        if delay:
            await asyncio.sleep(delay)
        yield PROBE_COMMENT
    if fault.huge_event is not None:
        async for piece in _huge_event(fault.huge_event):
            yield piece
    if fault.one_write:
        yield b"".join(event.encode() for event in itertools.islice(events, cut_after))
        if cut_after is not None:
            raise CutConnection
        return
    for index, event in enumerate(events):
        if cut_after is not None and index >= cut_after:
            raise CutConnection
        if (index or probe_delay is not None) and fault.chunk_delay:
            await asyncio.sleep(fault.chunk_delay)
        yield event.encode()
    if cut_after is not None:
        raise CutConnection  # even a stream shorter than `after` ends without its terminator


def _cut_point(fault: Fault, default: int) -> int | None:
    if fault.drop not in ("mid_stream", "mid_body"):
        return None
    return fault.after if fault.after is not None else default


def _fault_events(stream: SSEReply, fault: Fault) -> Iterator[Event]:
    """The stream's events with the stream faults applied, made as they are sent (a
    long answer is never built whole before its first event goes out)."""
    events: Iterator[Event] = iter(stream.events)
    if fault.malformed == "sse":
        listed = list(events)  # the middle of the stream: its length is needed
        middle = fault.after if fault.after is not None else max(1, len(listed) // 2)
        listed.insert(min(middle, len(listed)), BROKEN_SSE)
        events = iter(listed)
    if fault.stream_error is not None:
        events = _then_error(events, fault.stream_error, stream.error_event)
    if fault.truncate is not None:
        events = itertools.islice(events, fault.truncate)  # the body ends, not the stream
    return events


def _then_error(
    events: Iterator[Event], count: int, error_event: Callable[[int], Event]
) -> Iterator[Event]:
    """The first ``count`` events (or all, if fewer), then the API's in-stream error."""
    sent = 0
    for event in itertools.islice(events, count):
        sent += 1
        yield event
    yield error_event(sent)


def body_response(response: Response, fault: Fault | None) -> Response:
    """Apply the body faults (mid-body drop, chunk delay, trickle, gzip bomb) to a
    non-stream response."""
    if fault is None:
        return response
    if fault.gzip_bomb is not None:
        headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
        return Response(200, [*headers, ("content-encoding", "gzip")], gzip_bomb(fault.gzip_bomb))
    body = response.body
    if fault.trickle is not None:
        return Response(response.status, response.headers, _trickle(body, fault.trickle))
    if fault.drop in ("mid_body", "mid_stream"):
        if isinstance(body, bytes):
            headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
            headers.append(("content-length", str(len(body))))
            return Response(response.status, headers, _cut_bytes(body, fault.after))
        return Response(response.status, response.headers, _cut_iterator(body, fault.after))
    if fault.chunk_delay and not isinstance(body, bytes):
        return Response(response.status, response.headers, _slow(body, fault.chunk_delay))
    return response


async def _cut_bytes(body: bytes, after: int | None) -> AsyncIterator[bytes]:
    size = after if after is not None else len(body) // 2
    if size:
        yield body[: min(size, max(len(body) - 1, 0))]
    raise CutConnection


async def _cut_iterator(body: AsyncIterator[bytes], after: int | None) -> AsyncIterator[bytes]:
    chunks = after if after is not None else 1
    async for chunk in body:
        if chunks <= 0:
            break
        chunks -= 1
        yield chunk[: len(chunk) // 2] if after is None else chunk
    raise CutConnection


async def _slow(body: AsyncIterator[bytes], delay: float) -> AsyncIterator[bytes]:
    first = True
    async for chunk in body:
        if not first:
            await asyncio.sleep(delay)
        first = False
        yield chunk


async def _trickle(body: bytes | AsyncIterator[bytes], delay: float) -> AsyncIterator[bytes]:
    """``body`` one byte at a time, ``delay`` seconds apart (a client's read timeout
    never fires: a byte always comes in time)."""
    pieces = _pieces_of(body)
    first = True
    async for piece in pieces:
        for index in range(len(piece)):
            if not first:
                await asyncio.sleep(delay)
            first = False
            yield piece[index : index + 1]


async def _pieces_of(body: bytes | AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if isinstance(body, bytes):
        yield body
        return
    async for piece in body:
        yield piece


HUGE_PIECE = 64 * 1024


async def _huge_event(size: int) -> AsyncIterator[bytes]:
    """One SSE event whose data line is ``size`` bytes long, sent in pieces (never held
    whole in the server's memory)."""
    yield b"data: "
    filler = b"x" * HUGE_PIECE
    left = size
    while left > 0:
        yield filler[: min(left, HUGE_PIECE)]
        left -= HUGE_PIECE
    yield b"\n\n"


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """A valid gzip body that decompresses to ``size`` zero bytes (about 1 KB per MB):
    the same byte-aligned deflate block for every MiB (a full flush resets the state)."""
    mib = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    block = compressor.compress(bytes(mib)) + compressor.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(size, mib)
    tail = compressor.compress(bytes(rest)) + compressor.flush()
    crc = 0
    zeros = bytes(mib)
    for _ in range(whole):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(bytes(rest), crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return header + block * whole + tail + trailer
