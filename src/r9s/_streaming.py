"""Server-sent events: an incremental decoder and the typed event streams built on it.

``SSEDecoder`` and ``EventDecoder`` are pure (bytes in, events out); ``EventStream`` and
``AsyncEventStream`` only add the loop over the response body, so both share all logic.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Sequence,
)
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar

from r9s import errors
from r9s._closing import AsyncClosing, Closing
from r9s._release import Reading, release_async, warn_unclosed

if TYPE_CHECKING:
    import asyncio

    import httpx

    from r9s._pipeline import Deadline

T = TypeVar("T")
R = TypeVar("R")
V = TypeVar("V")
T_co = TypeVar("T_co", covariant=True)

_BOM = b"\xef\xbb\xbf"
_SHORT_LINE = 64 * 1024
"""A pending line up to this long is completed by concatenation (one copy); a longer one
is kept in pieces and joined once its end arrives."""


class ServerSentEvent:
    """One dispatched event: ``event`` type (default ``"message"``), ``data``, ``id``, ``retry``."""

    __slots__ = ("event", "data", "id", "retry")

    def __init__(
        self, data: str, event: str = "message", id: str | None = None, retry: int | None = None
    ) -> None:
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry

    def json(self) -> Any:
        """The data parsed as JSON."""
        return json.loads(self.data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (self.event, self.data, self.id, self.retry) == (
            other.event,
            other.data,
            other.id,
            other.retry,
        )

    def __repr__(self) -> str:
        return f"ServerSentEvent(event={self.event!r}, data={self.data!r}, id={self.id!r})"


class SSEComment(NamedTuple):
    """A comment line of an event stream (``: R9S PROCESSING``): its text, without the
    colon and one leading space, and when it arrived (``time.monotonic()``)."""

    text: str
    received_at: float


def _value(line: bytes, start: int) -> bytes:
    """A field's value: what follows its colon (at ``start``), less one leading space."""
    return line[start + 1 :] if line[start : start + 1] == b" " else line[start:]


def _only_data_events(chunk: bytes, end: int, cap: int) -> list[str] | None:
    """The data of the whole events in ``chunk[:end]`` (``end``: just past its last blank
    line) when each is one ``data: `` line and nothing else, found for all of them at
    once; else ``None``. A router's stream is nearly always this: the data of a read's
    sixty events then costs one split and one count, not a loop over the events."""
    if end < 2 or end > cap or not chunk.startswith(b"data: "):
        return None
    text = chunk[:end].decode("utf-8", "replace")
    data = text[6:-2].split("\n\ndata: ")
    # Right when the only line ends are the two that end each event: then no event has a
    # second line, and each "\n\n" is an event's end, followed by the next one's "data: ".
    return data if text.count("\n") == 2 * len(data) else None


class SSEDecoder:
    """Incremental decoder following the WHATWG event-stream rules.

    Feed it byte chunks cut anywhere; it returns the events completed so far. Lines end
    with CR, LF or CRLF (a CR at the end of one chunk and an LF at the start of the next
    are one line end), a leading BOM is dropped, ``:`` lines are comments, ``data`` lines
    are joined with LF. Unlike the browser algorithm, ``flush()`` also delivers a last
    event that was not followed by a blank line: some servers close right after it.
    Comments are dropped, or handed to ``on_comment`` (their text) as they are decoded.

    ``limit`` bounds what is held in memory: one line, and one event's data. Past it the
    decoder stops: ``too_large`` is set, and it returns nothing more (what it returned
    before, the events before the long one included, stands).
    """

    __slots__ = (
        "_pending",
        "_pending_size",
        "_data",
        "_data_size",
        "_event",
        "_last_id",
        "_retry",
        "_skip_lf",
        "_started",
        "limit",
        "_cap",
        "too_large",
        "on_comment",
    )

    def __init__(
        self, limit: int | None = None, on_comment: Callable[[str], None] | None = None
    ) -> None:
        self.on_comment = on_comment
        self._pending: list[bytes] = []
        """The start of a line whose end has not arrived, in the pieces it came in."""
        self._pending_size = 0
        self._data: list[bytes] = []
        self._data_size = 0
        self._event: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None
        self._skip_lf = False
        self._started = False
        self.limit = limit
        """The most bytes one line, or one event's data, may take (``None``: no limit)."""
        self._cap = limit if limit is not None else sys.maxsize
        self.too_large = False
        """A line or an event went past ``limit``: nothing more is decoded."""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode ``chunk`` and return the events it completed."""
        if not chunk or self.too_large:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not self._started:
            chunk = self._start(chunk)
            if not chunk:
                return []
        events: list[ServerSentEvent] = []
        try:
            pending = self._pending
            if pending:
                if len(pending) == 1 and self._pending_size <= _SHORT_LINE:
                    chunk = pending.pop() + chunk  # the common case: one copy, no search
                else:
                    chunk = self._join(chunk, events)
            lines = chunk.splitlines(keepends=True)
            if not lines:
                return events
            last = lines[-1]
            if last[-1:] == b"\r":
                self._skip_lf = True
            elif last[-1:] != b"\n":
                tail = lines.pop()
                pending.append(tail)
                self._pending_size = len(tail)
            for line in lines:
                self._line(line.rstrip(b"\r\n"), events)
            if self._pending_size > self._cap:
                raise _TooLarge
        except _TooLarge:
            self._stop()
        return events

    def feed_data(self, chunk: bytes) -> Sequence[ServerSentEvent | str]:
        """``feed``, with each event that is one ``data`` line and nothing else (what
        a router sends for nearly every event) given as its data alone, a ``str``: the
        event type of such an event is ``message``. Whole events are cut out of the
        chunk at their blank lines, without going line by line, as are events of one
        ``event`` line and one ``data`` line; the rest (comments, ids, several data
        lines, CRs, an event cut by the chunk's ends) takes ``feed``'s way."""
        if b"\r" in chunk or not chunk:
            return self.feed(chunk)
        events: list[ServerSentEvent | str] = []
        if not self._at_boundary():
            end = chunk.find(b"\n\n")
            if end < 0:
                return self.feed(chunk)
            events.extend(self.feed(chunk[: end + 2]))
            chunk = chunk[end + 2 :]
        if self.too_large:
            return events
        cap = self._cap
        end = chunk.rfind(b"\n\n") + 2
        whole = _only_data_events(chunk, end, cap)
        if whole is not None:
            events.extend(whole)
            tail = chunk[end:]
            if tail:
                events.extend(self.feed(tail))
            return events
        blocks = chunk.split(b"\n\n")
        tail = blocks.pop()
        for block in blocks:
            if self.too_large:
                return events
            if len(block) <= cap:
                if block[:5] == b"data:" and b"\n" not in block:
                    events.append(_value(block, 5).decode("utf-8", "replace"))
                    continue
                if block[:6] == b"event:" and block.count(b"\n") == 1:  # Anthropic's events
                    kind, _, line = block.partition(b"\n")
                    name = _value(kind, 6)
                    if name and line[:5] == b"data:":
                        data = _value(line, 5).decode("utf-8", "replace")
                        kind_name = name.decode("utf-8", "replace")
                        events.append(ServerSentEvent(data, kind_name, self._last_id, self._retry))
                        continue
            events.extend(self.feed(block + b"\n\n"))
        if tail:
            events.extend(self.feed(tail))
        return events

    def _at_boundary(self) -> bool:
        """Whether the next byte starts a line of a new event (nothing of one is held)."""
        return (
            self._started
            and not self._pending
            and not self._data
            and self._event is None
            and not self._skip_lf
            and not self.too_large
        )

    def _stop(self) -> None:
        self.too_large = True
        self._pending.clear()
        self._pending_size = 0
        self._data = []
        self._data_size = 0

    def _start(self, chunk: bytes) -> bytes:
        """Drop a leading BOM, which may come split across chunks."""
        pending = self._pending
        if pending:
            chunk = b"".join(pending) + chunk
            pending.clear()
            self._pending_size = 0
        if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
            pending.append(chunk)
            self._pending_size = len(chunk)
            return b""
        self._started = True
        return chunk[len(_BOM) :] if chunk.startswith(_BOM) else chunk

    def _join(self, chunk: bytes, events: list[ServerSentEvent]) -> bytes:
        """Complete a long pending line with the start of ``chunk`` (delivering it into
        ``events``) and return the rest of ``chunk``; or keep ``chunk`` pending too.

        A line may be megabytes long (an image as base64 in one event) and arrive in
        many chunks: re-joining it with every chunk made its cost quadratic. Only the
        new bytes are searched for its end, and its pieces are joined once."""
        pending = self._pending
        lf = chunk.find(b"\n")
        cr = chunk.find(b"\r", 0, lf if lf >= 0 else len(chunk))
        end = cr if cr >= 0 else lf
        if end < 0:
            pending.append(chunk)
            self._pending_size += len(chunk)
            if self._pending_size > self._cap:
                raise _TooLarge
            return b""
        pending.append(chunk[:end])
        line = b"".join(pending)
        pending.clear()
        self._pending_size = 0
        if len(line) > self._cap:
            raise _TooLarge
        self._line(line, events)
        if end == cr:  # CR, or CRLF: an LF right after it belongs to this line end
            if end + 1 == len(chunk):
                self._skip_lf = True
                return b""
            if chunk[end + 1 : end + 2] == b"\n":
                end += 1
        return chunk[end + 1 :]

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: deliver what is still pending."""
        events: list[ServerSentEvent] = []
        if self.too_large:
            return events
        try:
            if self._pending:
                self._line(b"".join(self._pending).rstrip(b"\r\n"), events)
                self._pending.clear()
                self._pending_size = 0
            self._line(b"", events)
        except _TooLarge:
            self._stop()
        return events

    def _line(self, line: bytes, events: list[ServerSentEvent]) -> None:
        if not line:
            if self._data:
                data = b"\n".join(self._data).decode("utf-8", "replace")
                events.append(
                    ServerSentEvent(data, self._event or "message", self._last_id, self._retry)
                )
            self._data = []
            self._data_size = 0
            self._event = None
            return
        if line[:5] == b"data:":  # the common case first
            value = line[5:]
            self._data.append(value[1:] if value[:1] == b" " else value)
            self._data_size += len(value)
            if self._data_size > self._cap:
                raise _TooLarge
            return
        if line[:1] == b":":
            if self.on_comment is not None:
                text = line[1:].decode("utf-8", "replace")
                self.on_comment(text[1:] if text[:1] == " " else text)
            return
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
            self._data_size += len(value)
            if self._data_size > self._cap:
                raise _TooLarge
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\x00" not in value:
                self._last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            self._retry = int(value)


class _TooLarge(Exception):
    """A line or an event past the decoder's limit."""


class Accumulator(Protocol[T_co]):
    """Folds a stream's items into its final result (a completion, a message...)."""

    def add(self, item: Any) -> None:
        """Take the next item of the stream."""
        ...

    def result(self) -> T_co:
        """The result so far (complete once the stream has ended)."""
        ...

    def text(self) -> str:
        """The text so far."""
        ...


@dataclass(frozen=True)
class StreamSpec(Generic[T, R]):
    """How one kind of stream is decoded.

    ``decode`` turns an event's parsed JSON into a typed item. ``done_data`` is the data
    that ends the stream without being an item (``[DONE]``); ``terminal_types`` are event
    types that end it after being yielded (``message_stop``). A stream that ends without
    either raises ``IncompleteStreamError``, unless it saw one of ``final_types``: events
    after which the body may end, though more can follow (an image stream sends one
    ``image_generation.completed`` per image). ``skip_types`` are dropped (``ping``).
    ``accumulator`` builds the final result; ``text`` extracts a text delta from an item.
    """

    decode: Callable[[Any], T]
    done_data: str | None = "[DONE]"
    terminal_types: frozenset[str] = frozenset()
    final_types: frozenset[str] = frozenset()
    skip_types: frozenset[str] = frozenset()
    accumulator: Callable[[], Accumulator[R]] | None = None
    text: Callable[[T], str | None] | None = None
    name: str = "stream"
    open_ended: bool = False
    """The body may end after any event (a stream the SDK does not know): the end of the
    body ends it, as does ``done_data``."""
    decode_json: Callable[[str], T] | None = None
    """``decode`` applied to the event's JSON text instead of its parsed value. Optional:
    when ``decode`` is a pydantic validator (``Model.model_validate``,
    ``TypeAdapter(...).validate_python``) its JSON twin is found by itself."""
    fold_later: bool = False
    """The accumulator only reads the items it is given: the stream may keep each event's
    text and fold the items into the result when it is first asked for, which spares a
    reader who never asks (most only iterate) the accumulator's cost on every event.
    Not for streams whose events are large (images) or whose accumulator changes them."""


_JSON_TWINS = {"model_validate": "model_validate_json", "validate_python": "validate_json"}


def json_decoder(spec: StreamSpec[T, Any]) -> Callable[[str], T] | None:
    """The decoder that takes an event's JSON text, if the spec has one."""
    if spec.decode_json is not None:
        return spec.decode_json
    twin = _JSON_TWINS.get(getattr(spec.decode, "__name__", ""))
    owner = getattr(spec.decode, "__self__", None)
    if twin == "model_validate_json" and isinstance(owner, type):
        # The model's own validator, without the classmethod around it (which only
        # forwards its arguments): an eighth of the cost of a small chunk. Getting it
        # builds a deferred model, as its first event would.
        try:
            direct: Callable[[str], T] = getattr(owner, "__pydantic_validator__").validate_json  # noqa: B009
        except Exception:  # noqa: BLE001 - a model that cannot be built here: the classmethod
            pass
        else:
            return direct
    decode: Callable[[str], T] | None = getattr(owner, twin, None) if twin else None
    return decode


_SKIP: Any = object()


@dataclass
class EventDecoder(Generic[T, R]):
    """Bytes in, typed items out, for one stream: SSE framing, the end marker, errors
    sent inside the stream, and the truncation check. No I/O."""

    spec: StreamSpec[T, R]
    response: httpx.Response
    secret: str | None = None
    limit: int | None = None
    """The most bytes one line or one event may take (see ``SSEDecoder``)."""
    on_comment: Callable[[str], None] | None = None
    """Called with each comment line's text as it is decoded."""
    done: bool = False
    complete: bool = False
    sse: SSEDecoder = field(init=False)
    count: int = 0
    """Items delivered so far."""
    first_at: float | None = None
    """When the first item was decoded (``time.monotonic()``)."""
    error: errors.R9SError | None = None
    """An error that came after items of the same chunk: raised once they are delivered
    (by the stream; else by the next ``feed`` or ``finish``)."""

    def __post_init__(self) -> None:
        self.sse = SSEDecoder(self.limit, self.on_comment)
        make = self.spec.accumulator
        self._folding: Accumulator[R] | None = make() if make is not None else None
        self._unfolded: list[ServerSentEvent | str] | None = (
            [] if make is not None and self.spec.fold_later else None
        )
        """The events of the items not yet folded into ``_folding`` (see ``fold_later``);
        ``None`` once they are folded as they come."""
        # Measured on a 20,000-chunk chat stream: json.loads + model_validate costs 6.3 us
        # an event, model_validate_json on the text 4.0 us (no dicts are built). Events
        # that may be errors or skipped types take the general path: any such event has
        # one of these quoted words in its JSON text.
        self._decode_json = json_decoder(self.spec)
        self._special = ('"error"', *(f'"{kind}"' for kind in self.spec.skip_types))
        self._special_bytes = tuple(word.encode() for word in self._special)
        self._typed = bool(self.spec.terminal_types or self.spec.final_types)

    @property
    def accumulator(self) -> Accumulator[R] | None:
        """The stream's accumulator, every item decoded so far in it; from now on each
        item is folded as it is decoded."""
        folding, unfolded = self._folding, self._unfolded
        if unfolded is not None:
            self._unfolded = None
            if folding is not None:
                for sse in unfolded:
                    folding.add(self._item_of(sse))
        return folding

    def _item_of(self, sse: ServerSentEvent | str) -> Any:
        """The item an event already decoded once without error decodes to."""
        data, event = (
            (sse.data, sse.event) if isinstance(sse, ServerSentEvent) else (sse, "message")
        )
        if self._decode_json is not None and event != "error":
            try:
                return self._decode_json(data)
            except ValueError:
                pass
        return self._decode(data, event)[0]

    def take(self, chunk: bytes) -> Iterator[T]:
        """The items ``chunk`` completed, each decoded when it is taken: a reader that
        drops each item before taking the next keeps few objects alive, which spares
        the garbage collector most of its runs on a long stream. An error the stream
        sent (or an event past ``limit``) is raised once the items before it are taken,
        and again by every later call."""
        if self.error is not None:
            raise self.error
        events = self.sse.feed_data(chunk)
        return self._decoded(events, plain=bool(events) and self._all_plain(chunk, events[0]))

    def feed(self, chunk: bytes) -> list[T]:
        """The items ``chunk`` completed, as a list. Every item before an error is
        delivered first: the error is raised at once when none came before it, else
        kept in ``error`` for the caller to raise after them."""
        return self._collect(self.take(chunk))

    def finish(self) -> list[T]:
        """The stream's body ended: deliver the rest, or raise if it was cut short."""
        if self.error is not None:
            raise self.error
        items = self._collect(self._decoded(self.sse.flush())) if not self.done else []
        if not self.done:
            spec = self.spec
            if self.complete or spec.open_ended or (not spec.done_data and not spec.terminal_types):
                self.done = True
            else:
                count = self.count
                raise errors.IncompleteStreamError(
                    f"the {self.spec.name} ended after {count} event{'s' if count != 1 else ''} "
                    "without its final event: the answer is incomplete",
                    response=self.response,
                    events=count,
                )
        return items

    def _collect(self, taken: Iterator[T]) -> list[T]:
        items: list[T] = []
        try:
            for item in taken:
                items.append(item)
        except errors.R9SError:
            if not items:
                raise
        return items

    def _all_plain(self, chunk: bytes, first: ServerSentEvent | str) -> bool:
        """Whether no event ``chunk`` completed can be an error or a skipped event: one
        search of the chunk instead of one of each event. Only the first event may have
        begun in an earlier chunk; it is searched on its own."""
        for word in self._special_bytes:
            if word in chunk:
                return False
        return self._plain(first.data if isinstance(first, ServerSentEvent) else first)

    def _decoded(self, events: Sequence[ServerSentEvent | str], plain: bool = False) -> Iterator[T]:
        """Decode ``events`` one by one; a ``str`` is the data of a ``message`` event
        (see ``SSEDecoder.feed_data``). ``plain``: none of them can be an error or a
        skipped event (see ``_plain``)."""
        spec = self.spec
        done_data, terminal, final = spec.done_data, spec.terminal_types, spec.final_types
        decode_json = self._decode_json
        typed = self._typed
        accumulator = self._folding
        for sse in events:
            if type(sse) is str:
                data, event = sse, "message"
            else:
                assert isinstance(sse, ServerSentEvent)
                data, event = sse.data, sse.event
            if data == done_data:
                self.done = True
                return
            if not data:
                continue
            try:
                if decode_json is not None and event != "error" and (plain or self._plain(data)):
                    try:
                        item = decode_json(data)
                        # typed events carry the payload's "type" (a discriminated union)
                        kind = getattr(item, "type", None) if typed else None
                    except ValueError:
                        item, kind = self._decode(data, event)  # raises what the general path does
                else:
                    item, kind = self._decode(data, event)
            except errors.R9SError as exc:
                self.error = exc
                raise
            if item is _SKIP:
                continue
            if accumulator is not None:
                unfolded = self._unfolded  # read each time: a snapshot mid-stream folds them
                if unfolded is not None:
                    unfolded.append(sse)
                else:
                    accumulator.add(item)
            self.count += 1
            if self.first_at is None:
                self.first_at = time.monotonic()
            yield item
            if kind in terminal or event in terminal:
                self.done = True
                return
            if kind in final:
                self.complete = True
        if self.sse.too_large and self.error is None:
            self.error = errors.ResponseTooLargeError(
                f"an event of the {self.spec.name} is larger than {self.limit} bytes, the "
                "client's max_response_size: raise it to read such events",
                response=self.response,
                limit=self.limit,
            )
            raise self.error

    def _plain(self, data: str) -> bool:
        """Whether the event's text cannot be an error or a skipped event."""
        for word in self._special:  # noqa: SIM110 - all() over a generator: 460 ns, this: 180
            if word in data:
                return False
        return True

    def _decode(self, data: str, event: str) -> tuple[Any, Any]:
        """Parse an event's data, check for an error sent in the stream, decode:
        ``(item, type)``; ``_SKIP`` for an event of a skipped type."""
        spec = self.spec
        try:
            payload = json.loads(data)
        except ValueError as exc:
            if event == "error":
                raise errors.error_from_event(
                    data, data, self.response, secret=self.secret
                ) from None
            raise errors.ResponseValidationError(
                f"malformed event in the {spec.name}: {data[:200]!r}",
                response=self.response,
                body=data,
                cause=exc,
            ) from exc
        kind = payload.get("type") if type(payload) is dict else None
        if (
            event == "error"
            or kind == "error"
            or (kind is None and type(payload) is dict and payload.get("error") is not None)
        ):
            raise errors.error_from_event(payload, data, self.response, secret=self.secret)
        if kind in spec.skip_types:
            return _SKIP, kind
        try:
            item = spec.decode(payload)
        except ValueError as exc:
            raise errors.ResponseValidationError(
                f"unexpected event in the {spec.name}: {data[:200]!r}",
                response=self.response,
                body=data,
                cause=exc,
            ) from exc
        return item, kind


class StreamState:
    """What a stream shares with the generator reading it: whether it is closed.

    The generator must never refer to the stream itself: the two would be a reference
    cycle, and a stream dropped unclosed would then be freed by the garbage collector,
    at any moment, instead of at once where it was dropped (see ``r9s._release``)."""

    __slots__ = ("closed", "delivered")

    def __init__(self) -> None:
        self.closed = False
        self.delivered = False
        """Every event was handed over (not only decoded: one network read may hold
        several, and the reader may leave after the first)."""


class _StreamBase(Generic[T, R]):
    """What the sync and async streams share: state, timing, the final result."""

    _state: StreamState

    def __init__(
        self,
        response: httpx.Response,
        spec: StreamSpec[T, R],
        *,
        secret: str | None = None,
        limit: int | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.response = response
        comments: list[SSEComment] = []
        self.comments = comments
        """The stream's comment lines so far, with when each arrived (a router's
        ``: R9S PROCESSING`` says when it handed the request on)."""

        def on_comment(text: str) -> None:  # holds the list, not the stream: no cycle
            comments.append(SSEComment(text, time.monotonic()))

        self._decoder = EventDecoder(spec, response, secret, limit, on_comment=on_comment)
        self._state = StreamState()
        self.started_at = time.monotonic()
        """When the response headers arrived (``time.monotonic()``)."""
        self._start(deadline)

    def _start(self, deadline: Deadline | None) -> None:
        """Make the generator that reads the stream (``deadline``: when it must end)."""
        raise NotImplementedError

    @property
    def first_event_at(self) -> float | None:
        """When the first item was decoded (``time.monotonic()``), for time to first token."""
        return self._decoder.first_at

    @property
    def request_id(self) -> str | None:
        """The server's request id, for support tickets."""
        return errors.request_id_of(self.response.headers)

    def _ended(self) -> bool:
        return self._state.delivered

    def _closed_early(self) -> errors.IncompleteStreamError:
        decoder = self._decoder
        return errors.IncompleteStreamError(
            f"the {decoder.spec.name} was closed before its end (after {decoder.count} "
            "events): the rest of it cannot be read",
            response=self.response,
            events=decoder.count,
            reason="closed",
        )

    def _text_of(self) -> Callable[[T], str | None]:
        text = self._decoder.spec.text
        if text is None:
            raise TypeError(f"the {self._decoder.spec.name} has no text deltas")
        return text

    def _accumulator(self) -> Accumulator[R]:
        accumulator = self._decoder.accumulator
        if accumulator is None:
            raise TypeError(f"the {self._decoder.spec.name} has no final result")
        return accumulator

    def __repr__(self) -> str:
        request = self.response.request
        return f"<{type(self).__name__} {request.method} {request.url}>"


def _cut(decoder: EventDecoder[Any, Any], exc: httpx.RequestError) -> errors.IncompleteStreamError:
    """The error for a connection lost in the middle of the stream."""
    return errors.wrap_stream_cut(
        exc,
        what=f"the {decoder.spec.name}",
        events=decoder.count,
        response=decoder.response,
        secret=decoder.secret,
    )


def _events(
    reading: Reading, decoder: EventDecoder[T, Any], state: StreamState, deadline: Deadline | None
) -> Generator[T, None, None]:
    """The items of a sync stream (a function, not a method: see ``StreamState``)."""
    import httpx

    try:
        for chunk in reading.chunks():
            yield from decoder.take(chunk)
            if decoder.done:
                break
            if deadline is not None and deadline.left() <= 0:
                raise deadline.passed(decoder.response.request)
        else:
            yield from decoder.finish()
        state.delivered = True
    except httpx.RequestError as exc:
        raise _cut(decoder, exc) from exc
    finally:
        state.closed = True
        reading.close()


async def _aevents(
    response: httpx.Response,
    decoder: EventDecoder[T, Any],
    state: StreamState,
    deadline: Deadline | None,
) -> AsyncGenerator[T, None]:
    """The items of an async stream (a function, not a method: see ``StreamState``)."""
    import httpx

    try:
        chunks = response.aiter_bytes()
        if deadline is not None:
            chunks = _within(chunks, deadline, response.request)
        async for chunk in chunks:
            for item in decoder.take(chunk):
                yield item
            if decoder.done:
                break
        else:
            for item in decoder.finish():
                yield item
        state.delivered = True
    except httpx.RequestError as exc:
        raise _cut(decoder, exc) from exc
    finally:
        state.closed = True
        await response.aclose()


async def _within(
    chunks: AsyncIterator[bytes], deadline: Deadline, request: httpx.Request
) -> AsyncGenerator[bytes, None]:
    """``chunks`` until ``deadline``: a wait for the next one is cut short when it
    passes (``DeadlineExceeded``)."""
    import asyncio

    iterator = aiter(chunks)
    while True:
        try:
            async with asyncio.timeout(deadline.left()) as scope:
                chunk = await anext(iterator)
        except StopAsyncIteration:
            return
        except TimeoutError:
            if scope.expired():
                raise deadline.passed(request) from None
            raise
        yield chunk


class _Ends:
    """What streams that close on ``break`` share, sync or async: whether one was
    closed before its end."""

    _state: StreamState

    @property
    def _closed(self) -> bool:
        return self._state.closed

    @_closed.setter
    def _closed(self, closed: bool) -> None:
        self._state.closed = closed

    def _ended(self) -> bool:
        """Whether the stream was read to its end."""
        raise NotImplementedError

    def _closed_early(self) -> errors.IncompleteStreamError:
        """The error for reading on from the stream after closing it early."""
        raise NotImplementedError

    def _check_readable(self) -> None:
        """Reading on from a stream closed before its end (a ``break``, ``close()``, an
        error) cannot give the rest of it: say so, rather than return a part as if it
        were the whole."""
        if self._state.closed and not self._ended():
            raise self._closed_early()

    def _dropped_open(self) -> bool:
        """Whether the stream is being dropped unclosed (``__del__``)."""
        state = getattr(self, "_state", None)  # None: its __init__ failed
        return state is not None and not state.closed


class ClosingStream(_Ends, Closing, Generic[T]):
    """Something read as a stream, that closes when a ``for`` loop over it is left early.

    Iterating it runs ``_iterator``, a generator that closes the stream when it ends
    (``finally:`` it sets ``_state.closed`` and releases what it holds); breaking out of
    the loop, an error, ``close()`` and ``with`` close it too, and reading on from it
    once closed before its end raises ``IncompleteStreamError``. Subclasses set
    ``_state`` and ``_iterator`` (which must not refer to the stream: see ``StreamState``) and
    say what ``_ended`` is; ``_release`` frees what they hold besides the generator.
    Dropped unclosed, a stream closes itself, with a ``ResourceWarning``.
    """

    _iterator: Generator[T, None, None]

    def __iter__(self) -> Iterator[T]:
        self._check_readable()
        try:
            yield from self._iterator
        finally:
            self.close()

    def __next__(self) -> T:
        if self._state.closed:
            self._check_readable()
        return next(self._iterator)

    def close(self) -> None:
        """Release the connection. Safe to call more than once, also inside a ``for``
        loop over the stream (which then ends)."""
        self._state.closed = True
        iterator = self._iterator
        if not getattr(iterator, "gi_running", False):  # not the iteration's own cleanup
            iterator.close()
        self._release()

    def _release(self) -> None:
        """Free what the stream holds besides its generator (its response)."""

    def __del__(self) -> None:
        if self._dropped_open():
            warn_unclosed(self, "close it, read it to its end, or use `with`")
            self.close()

    def until_done(self) -> None:
        """Read the stream to its end."""
        for _ in self:
            pass
        self._check_readable()  # closed while being read


class EventStream(_StreamBase[T, R], ClosingStream[T]):
    """A stream of typed events: iterate it, and close it (``with`` does) when done early.

    Breaking out of a ``for`` loop over the stream closes the connection; so does an error.
    Reading on from a stream closed before its end raises ``IncompleteStreamError``.
    """

    def _start(self, deadline: Deadline | None) -> None:
        self._reading = Reading(self.response)
        self._iterator = _events(self._reading, self._decoder, self._state, deadline)

    def _release(self) -> None:
        self._reading.close()

    @property
    def text_stream(self) -> Iterator[str]:
        """Only the text deltas, as strings."""
        text = self._text_of()
        for item in self:
            delta = text(item)
            if delta:
                yield delta

    def get_final(self) -> R:
        """Read the stream to its end and return the accumulated result."""
        accumulator = self._accumulator()  # first: the items are folded as they come
        self.until_done()
        return accumulator.result()

    def get_final_text(self) -> str:
        """Read the stream to its end and return all of its text."""
        accumulator = self._accumulator()
        self.until_done()
        return accumulator.text()


class _AsyncIteration(Generic[V]):
    """What ``async for`` iterates over an ``AsyncClosingStream`` (or a stream's
    ``text_stream``).

    Not an async generator: a loop left early (``break``, ``return``, an error in its
    body) drops this object at once, and it closes the stream then, where an async
    generator would wait for the event loop's finalizer (two loop turns, during which the
    stream looked open and could be read on from a connection about to close).
    """

    __slots__ = ("_stream", "_next")

    def __init__(self, stream: AsyncClosingStream[Any], next: Callable[[], Awaitable[V]]) -> None:
        self._stream = stream
        self._next = next
        stream._check_readable()

    def __aiter__(self) -> _AsyncIteration[V]:
        return self

    def __anext__(self) -> Awaitable[V]:
        return self._next()

    def __del__(self) -> None:
        stream = self._stream
        if not stream._state.closed and not stream._ended():
            stream._abandon()


class AsyncClosingStream(_Ends, AsyncClosing, Generic[T]):
    """The async twin of ``ClosingStream``: ``async for`` runs ``_iterator`` (an async
    generator that, when it ends, sets ``_state.closed`` and releases what it holds),
    and leaving the loop early closes the stream at once; ``async with``, ``await
    aclose()``. ``_arelease`` frees what a subclass holds besides the generator. Dropped
    unclosed (never iterated, say), a stream is closed by a task handed to the event loop
    it was made on, with a ``ResourceWarning``."""

    _iterator: AsyncGenerator[T, None]
    _loop: asyncio.AbstractEventLoop | None
    """The event loop the stream was made on (its connection belongs to it)."""

    def __aiter__(self) -> AsyncIterator[T]:
        return _AsyncIteration(self, self._iterator.__anext__)

    async def __anext__(self) -> T:
        if self._state.closed:
            self._check_readable()
        return await self._iterator.__anext__()

    async def aclose(self) -> None:
        """Release the connection. Safe to call more than once, also inside an
        ``async for`` loop over the stream (which then ends)."""
        self._state.closed = True
        iterator = self._iterator
        if not getattr(iterator, "ag_running", False):  # not the iteration's own cleanup
            await iterator.aclose()
        await self._arelease()

    close = aclose

    async def _arelease(self) -> None:
        """Free what the stream holds besides its generator (its response)."""

    def _abandon(self) -> None:
        """No more reading (a loop over the stream was left early, or the stream was
        dropped): the connection is released on the next turn of its event loop."""
        self._state.closed = True
        release_async(self._loop, self.aclose)

    def __del__(self) -> None:
        if self._dropped_open():
            warn_unclosed(self, "close it (await stream.aclose()), read it to its end, "
                          "or use `async with`")  # fmt: skip
            self._abandon()

    async def until_done(self) -> None:
        """Read the stream to its end."""
        async for _ in self:
            pass
        self._check_readable()  # closed while being read


class AsyncEventStream(_StreamBase[T, R], AsyncClosingStream[T]):
    """The async twin of ``EventStream``: ``async for``, ``async with``, ``await aclose()``."""

    def _start(self, deadline: Deadline | None) -> None:
        from r9s._clients import running_loop

        self._loop = running_loop()
        self._iterator = _aevents(self.response, self._decoder, self._state, deadline)

    async def _arelease(self) -> None:
        await self.response.aclose()

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """Only the text deltas, as strings."""
        text = self._text_of()
        next_item = self._iterator.__anext__

        async def next_text() -> str:
            while True:
                delta = text(await next_item())
                if delta:
                    return delta

        return _AsyncIteration(self, next_text)

    async def get_final(self) -> R:
        """Read the stream to its end and return the accumulated result."""
        accumulator = self._accumulator()  # first: the items are folded as they come
        await self.until_done()
        return accumulator.result()

    async def get_final_text(self) -> str:
        """Read the stream to its end and return all of its text."""
        accumulator = self._accumulator()
        await self.until_done()
        return accumulator.text()
