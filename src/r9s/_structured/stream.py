"""Streams of structured answers: every event of the underlying stream, with the JSON
text it added and the object parsed so far (pydantic-core reads the unfinished JSON).

They are the core's event streams (``r9s._streaming``), decoded by a spec made from the
format's own: each event comes wrapped in a ``ParsedStreamEvent``, and the accumulator
follows the answer's JSON text and parses the final result. Iterating, closing (also on
``break``), errors and ``with`` are the core's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from r9s._pipeline import Handover, event_stream
from r9s._streaming import Accumulator, AsyncEventStream, EventStream, StreamSpec
from r9s._streams.chat import CHAT_STREAM
from r9s._streams.messages import SPEC as MESSAGE_STREAM
from r9s._streams.responses import SPEC as RESPONSE_STREAM
from r9s._structured.wire import JsonTrack
from r9s.models.chat import ChatCompletionChunk
from r9s.models.messages import MessageStreamEvent
from r9s.models.parsed import ParsedChatCompletion, ParsedMessage, ParsedResponse
from r9s.models.responses import ResponseStreamEvent

if TYPE_CHECKING:
    from r9s._structured.schema import OutputType
    from r9s._structured.wire import Wire

E = TypeVar("E")
R = TypeVar("R")
T = TypeVar("T")


def partial_json(text: str) -> Any:
    """The value of an unfinished JSON text, as far as it goes (a trailing string kept
    as it stands); ``None`` before there is any."""
    if not text.strip():
        return None
    from pydantic_core import from_json

    try:
        return from_json(text, allow_partial="trailing-strings")
    except ValueError:
        return None


_UNREAD: Any = object()


class ParsedStreamEvent(Generic[E]):
    """One event of a structured stream: ``event`` is the underlying event (a chunk,
    a Responses or Messages event), ``delta`` the JSON text it added ("" if none),
    ``snapshot`` the JSON text so far and ``partial`` its value so far (a dict, a list...:
    the fields seen so far, the last string as far as it has come)."""

    __slots__ = ("event", "delta", "_parsing", "_length", "_partial")

    def __init__(self, event: E) -> None:
        self.event = event
        self.delta = ""
        self._parsing: ParsedAccumulator[Any] | None = None
        self._length = 0
        self._partial: Any = _UNREAD

    @property
    def snapshot(self) -> str:
        """The JSON text of the answer up to this event."""
        parsing = self._parsing
        return "" if parsing is None else "".join(parsing.track.pieces[: self._length])

    @property
    def partial(self) -> Any:
        """The answer parsed as far as it has come (``None`` before it starts)."""
        if self._partial is _UNREAD:
            parsing = self._parsing
            value = partial_json(self.snapshot)
            self._partial = None if parsing is None else parsing.output.unwrap(value)
        return self._partial

    def __repr__(self) -> str:
        return f"ParsedStreamEvent(delta={self.delta!r}, partial={self.partial!r})"


class ParsedAccumulator(Generic[R]):
    """The accumulator of a structured stream: the format's own, fed the underlying
    events, plus the answer's JSON text as it comes; its result is the parsed one."""

    __slots__ = ("_inner", "wire", "output", "tool", "track", "_result")

    def __init__(
        self, inner: Accumulator[Any], wire: Wire, output: OutputType[Any], tool: str | None
    ) -> None:
        self._inner = inner
        self.wire = wire
        self.output = output
        self.tool = tool
        """The forced tool's name (the tool strategy), or ``None`` (native)."""
        self.track = JsonTrack(tool)
        self._result: Any = _UNREAD

    def add(self, item: ParsedStreamEvent[Any]) -> None:
        event = item.event
        self._inner.add(event)
        track = self.track
        delta = self.wire.json_delta(track, event)
        if delta:
            track.pieces.append(delta)
            item.delta = delta
        item._parsing = self
        item._length = len(track.pieces)

    def result(self) -> R:
        """The whole result with its answer parsed (``ParseError``,
        ``LengthFinishReasonError`` if it cannot be); made once."""
        if self._result is _UNREAD:
            self._result = self.wire.parsed(self._inner.result(), self.output, self.tool)
        result: R = self._result
        return result

    def text(self) -> str:
        return self._inner.text()


def parsed_spec(
    base: StreamSpec[E, Any], wire: Wire, output: OutputType[Any], tool: str | None
) -> StreamSpec[ParsedStreamEvent[E], Any]:
    """``base`` (a format's stream) with each event wrapped and the result parsed."""
    decode = base.decode
    text = base.text
    make = base.accumulator
    assert make is not None  # every format's stream has its final result

    def wrap(payload: Any) -> ParsedStreamEvent[E]:
        return ParsedStreamEvent(decode(payload))

    def accumulator() -> ParsedAccumulator[Any]:
        return ParsedAccumulator(make(), wire, output, tool)

    def text_of(item: ParsedStreamEvent[E]) -> str | None:
        return None if text is None else text(item.event)

    return StreamSpec(
        decode=wrap,  # no decode_json: the base's would give unwrapped events
        done_data=base.done_data,
        terminal_types=base.terminal_types,
        final_types=base.final_types,
        skip_types=base.skip_types,
        accumulator=accumulator,
        text=text_of,
        name=base.name,
        open_ended=base.open_ended,
    )


class _ParsedViews:
    """What the sync and async structured streams add to the core's streams."""

    __slots__ = ()

    if TYPE_CHECKING:

        def _accumulator(self) -> Accumulator[Any]: ...

    def _parsing(self) -> ParsedAccumulator[Any]:
        parsing = self._accumulator()
        assert isinstance(parsing, ParsedAccumulator)
        return parsing

    @property
    def snapshot(self) -> str:
        """The answer's JSON text read so far."""
        return self._parsing().track.text

    @property
    def partial(self) -> Any:
        """The answer parsed as far as it has been read."""
        parsing = self._parsing()
        return parsing.output.unwrap(partial_json(parsing.track.text))


class ParsedStream(_ParsedViews, EventStream[ParsedStreamEvent[E], R], Generic[E, R, T]):
    """A structured answer as it streams: iterate ``ParsedStreamEvent``s (``.partial``
    is the object so far); ``get_final()`` reads to the end and returns the result with
    its answer parsed (``ParseError``, ``LengthFinishReasonError`` if it cannot be),
    ``get_final_parsed()`` the object. Closes like every stream: on leaving ``with``, on
    ``break`` and on error."""

    def get_final_parsed(self) -> T | None:
        """Read to the end; the parsed object (``None`` if the model refused)."""
        value: T | None = self._parsing().wire.parsed_value(self.get_final())
        return value


class AsyncParsedStream(_ParsedViews, AsyncEventStream[ParsedStreamEvent[E], R], Generic[E, R, T]):
    """The async twin of ``ParsedStream``: ``async for``, ``async with``."""

    async def get_final_parsed(self) -> T | None:
        """Read to the end; the parsed object (``None`` if the model refused)."""
        value: T | None = self._parsing().wire.parsed_value(await self.get_final())
        return value


class ParsedChatCompletionStream(ParsedStream[ChatCompletionChunk, ParsedChatCompletion[T], T]):
    """``chat.parse(..., stream=True)``: chunks with the partial object;
    ``get_final_completion()`` is the ``ParsedChatCompletion``."""

    def get_final_completion(self) -> ParsedChatCompletion[T]:
        """Read to the end; the completion with ``choices[i].message.parsed``."""
        return self.get_final()


class AsyncParsedChatCompletionStream(
    AsyncParsedStream[ChatCompletionChunk, ParsedChatCompletion[T], T]
):
    """The async twin of ``ParsedChatCompletionStream``."""

    async def get_final_completion(self) -> ParsedChatCompletion[T]:
        """Read to the end; the completion with ``choices[i].message.parsed``."""
        return await self.get_final()


class ParsedResponseStream(ParsedStream[ResponseStreamEvent, ParsedResponse[T], T]):
    """``responses.parse(..., stream=True)``: events with the partial object;
    ``get_final_response()`` is the ``ParsedResponse``."""

    def get_final_response(self) -> ParsedResponse[T]:
        """Read to the end; the response with ``output_parsed``."""
        return self.get_final()


class AsyncParsedResponseStream(AsyncParsedStream[ResponseStreamEvent, ParsedResponse[T], T]):
    """The async twin of ``ParsedResponseStream``."""

    async def get_final_response(self) -> ParsedResponse[T]:
        """Read to the end; the response with ``output_parsed``."""
        return await self.get_final()


class ParsedMessageStream(ParsedStream[MessageStreamEvent, ParsedMessage[T], T]):
    """``messages.parse(..., stream=True)``: events with the partial object;
    ``get_final_message()`` is the ``ParsedMessage``."""

    def get_final_message(self) -> ParsedMessage[T]:
        """Read to the end; the message with ``parsed_output``."""
        return self.get_final()


class AsyncParsedMessageStream(AsyncParsedStream[MessageStreamEvent, ParsedMessage[T], T]):
    """The async twin of ``ParsedMessageStream``."""

    async def get_final_message(self) -> ParsedMessage[T]:
        """Read to the end; the message with ``parsed_output``."""
        return await self.get_final()


_STREAMS: dict[str, tuple[StreamSpec[Any, Any], type[ParsedStream[Any, Any, Any]], type[Any]]] = {
    "chat": (CHAT_STREAM, ParsedChatCompletionStream, AsyncParsedChatCompletionStream),
    "responses": (RESPONSE_STREAM, ParsedResponseStream, AsyncParsedResponseStream),
    "messages": (MESSAGE_STREAM, ParsedMessageStream, AsyncParsedMessageStream),
}
"""Each format's stream, and its structured streams (sync, async)."""


def parsed_handover(wire: Wire, output: OutputType[Any], tool: str | None) -> Handover[Any, Any]:
    """How a structured call asked to stream hands its response over: as the format's
    ``Parsed...Stream`` (or its async twin), built as the core builds every stream."""
    base, sync, async_ = _STREAMS[wire.name]
    return event_stream(parsed_spec(base, wire, output, tool), sync, async_)
