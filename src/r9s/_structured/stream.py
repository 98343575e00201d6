"""Streams of structured answers: every event of the underlying stream, with the JSON
text it added and the object parsed so far (pydantic-core reads the unfinished JSON).

The sync and async streams share everything but the loop: ``_ParsedStreamBase`` turns
an event into a ``ParsedStreamEvent`` and a final result into the parsed one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from r9s._closing import AsyncClosing, Closing
from r9s._structured.wire import JsonTrack
from r9s.models.chat import ChatCompletionChunk
from r9s.models.messages import MessageStreamEvent
from r9s.models.parsed import ParsedChatCompletion, ParsedMessage, ParsedResponse
from r9s.models.responses import ResponseStreamEvent

if TYPE_CHECKING:
    from r9s._streaming import AsyncEventStream, EventStream, SSEComment
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


class ParsedStreamEvent(Generic[E]):
    """One event of a structured stream: ``event`` is the underlying event (a chunk,
    a Responses or Messages event), ``delta`` the JSON text it added ("" if none),
    ``snapshot`` the JSON text so far and ``partial`` its value so far (a dict, a list...:
    the fields seen so far, the last string as far as it has come)."""

    __slots__ = ("event", "delta", "_track", "_length", "_output", "_partial")

    def __init__(self, event: E, delta: str, track: JsonTrack, output: OutputType[Any]) -> None:
        self.event = event
        self.delta = delta
        self._track = track
        self._length = len(track.pieces)
        self._output = output
        self._partial: Any = _UNREAD

    @property
    def snapshot(self) -> str:
        """The JSON text of the answer up to this event."""
        return "".join(self._track.pieces[: self._length])

    @property
    def partial(self) -> Any:
        """The answer parsed as far as it has come (``None`` before it starts)."""
        if self._partial is _UNREAD:
            self._partial = self._output.unwrap(partial_json(self.snapshot))
        return self._partial

    def __repr__(self) -> str:
        return f"ParsedStreamEvent(delta={self.delta!r}, partial={self.partial!r})"


_UNREAD: Any = object()


class _ParsedStreamBase(Generic[E, R, T]):
    """What the sync and async structured streams share."""

    _stream: EventStream[E, Any] | AsyncEventStream[E, Any]

    def __init__(self, wire: Wire, output: OutputType[T], tool: str | None) -> None:
        self._wire = wire
        self._output = output
        self._tool = tool
        self._track = JsonTrack(tool)
        self._final: R | None = None

    def _event(self, item: E) -> ParsedStreamEvent[E]:
        delta = self._wire.json_delta(self._track, item)
        if delta:
            self._track.pieces.append(delta)
        return ParsedStreamEvent(item, delta, self._track, self._output)

    def _parsed(self, result: Any) -> R:
        if self._final is None:
            self._final = self._wire.parsed(result, self._output, self._tool)
        return self._final

    @property
    def snapshot(self) -> str:
        """The answer's JSON text read so far."""
        return self._track.text

    @property
    def comments(self) -> list[SSEComment]:
        """The stream's comment lines so far, with when each arrived (as an
        ``EventStream``'s: a router's ``: R9S PROCESSING``)."""
        return self._stream.comments

    @property
    def partial(self) -> Any:
        """The answer parsed as far as it has been read."""
        return self._output.unwrap(partial_json(self._track.text))


class ParsedStream(_ParsedStreamBase[E, R, T], Closing):
    """A structured answer as it streams: iterate ``ParsedStreamEvent``s (``.partial``
    is the object so far); ``get_final_parsed()`` reads to the end and parses. Close it
    (``with`` does) when leaving early."""

    _stream: EventStream[E, Any]

    def __init__(
        self, stream: EventStream[E, Any], wire: Wire, output: OutputType[T], tool: str | None
    ) -> None:
        super().__init__(wire, output, tool)
        self._stream = stream

    def __iter__(self) -> Iterator[ParsedStreamEvent[E]]:
        for item in self._stream:
            yield self._event(item)

    def get_final(self) -> R:
        """Read to the end; the whole result with its answer parsed (``ParseError``,
        ``LengthFinishReasonError`` if it cannot be)."""
        for _ in self:
            pass
        return self._parsed(self._stream.get_final())

    def get_final_parsed(self) -> T | None:
        """Read to the end; the parsed object (``None`` if the model refused)."""
        value: T | None = self._wire.parsed_value(self.get_final())
        return value

    @property
    def request_id(self) -> str | None:
        """The server's request id, for support tickets."""
        return self._stream.request_id

    def close(self) -> None:
        """Release the connection (safe to call more than once)."""
        self._stream.close()


class AsyncParsedStream(_ParsedStreamBase[E, R, T], AsyncClosing):
    """The async twin of ``ParsedStream``: ``async for``, ``async with``."""

    _stream: AsyncEventStream[E, Any]

    def __init__(
        self,
        stream: AsyncEventStream[E, Any],
        wire: Wire,
        output: OutputType[T],
        tool: str | None,
    ) -> None:
        super().__init__(wire, output, tool)
        self._stream = stream

    def __aiter__(self) -> AsyncIterator[ParsedStreamEvent[E]]:
        return self

    async def __anext__(self) -> ParsedStreamEvent[E]:
        return self._event(await self._stream.__anext__())

    async def get_final(self) -> R:
        """Read to the end; the whole result with its answer parsed."""
        async for _ in self:
            pass
        return self._parsed(await self._stream.get_final())

    async def get_final_parsed(self) -> T | None:
        """Read to the end; the parsed object (``None`` if the model refused)."""
        value: T | None = self._wire.parsed_value(await self.get_final())
        return value

    @property
    def request_id(self) -> str | None:
        """The server's request id, for support tickets."""
        return self._stream.request_id

    async def aclose(self) -> None:
        """Release the connection (safe to call more than once)."""
        await self._stream.aclose()


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
