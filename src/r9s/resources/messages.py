"""``r9s.messages``: Anthropic's native Messages API (``POST /messages``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Unpack, cast, overload

from r9s._pipeline import Operation, ParamCheck
from r9s._streams.messages import SPEC, AsyncMessageStream, MessageStream
from r9s.models.messages import (
    AnthropicMessage,
    MessageCreateParams,
    MessageParseParams,
    MessageRunToolsParams,
    MessageStreamEvent,
)
from r9s.resources._base import Resource

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from r9s._structured.runner import AsyncToolRunStream, ToolRunStream
    from r9s._structured.stream import AsyncParsedMessageStream, ParsedMessageStream
    from r9s._structured.wire import Strategy
    from r9s.models.parsed import MessagesToolRun, ParsedMessage
    from r9s.tools import ToolLike

T = TypeVar("T")

CREATE: Operation[AnthropicMessage, MessageStreamEvent, AnthropicMessage] = Operation(
    "POST",
    "/messages",
    AnthropicMessage,
    SPEC,
    # max_tokens: Anthropic requires it, the router has a default (docs/messages.md)
    ParamCheck("messages.create", MessageCreateParams, extra={"stream"}, optional={"max_tokens"}),
)


class Messages(Resource):
    """Claude-style messages: ``r9s.messages.create(model=..., max_tokens=..., messages=[...])``."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Unpack[MessageCreateParams]
    ) -> AnthropicMessage: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[MessageCreateParams]
    ) -> MessageStream: ...
    @overload
    def create(
        self, *, stream: bool, **params: Unpack[MessageCreateParams]
    ) -> AnthropicMessage | MessageStream: ...
    def create(
        self, *, stream: bool = False, **params: Unpack[MessageCreateParams]
    ) -> AnthropicMessage | MessageStream:
        """Create a message; with ``stream=True``, a ``MessageStream`` of its events."""
        if stream:
            return cast(MessageStream, self._stream(CREATE, {**params, "stream": True}))
        return self._call(CREATE, params)

    @overload
    async def create_async(
        self, *, stream: Literal[False] = False, **params: Unpack[MessageCreateParams]
    ) -> AnthropicMessage: ...
    @overload
    async def create_async(
        self, *, stream: Literal[True], **params: Unpack[MessageCreateParams]
    ) -> AsyncMessageStream: ...
    @overload
    async def create_async(
        self, *, stream: bool, **params: Unpack[MessageCreateParams]
    ) -> AnthropicMessage | AsyncMessageStream: ...
    async def create_async(
        self, *, stream: bool = False, **params: Unpack[MessageCreateParams]
    ) -> AnthropicMessage | AsyncMessageStream:
        """Create a message; with ``stream=True``, an ``AsyncMessageStream`` of its events."""
        if stream:
            stream_ = await self._stream_async(CREATE, {**params, "stream": True})
            return cast(AsyncMessageStream, stream_)
        return await self._call_async(CREATE, params)

    # -- structured outputs ---------------------------------------------------------------

    @overload
    def parse(
        self,
        *,
        output_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[MessageParseParams],
    ) -> ParsedMessage[T]: ...
    @overload
    def parse(
        self,
        *,
        output_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[MessageParseParams],
    ) -> ParsedMessageStream[T]: ...
    @overload
    def parse(
        self,
        *,
        output_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[MessageParseParams],
    ) -> ParsedMessage[Any]: ...
    @overload
    def parse(
        self,
        *,
        output_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[MessageParseParams],
    ) -> ParsedMessageStream[Any]: ...
    def parse(
        self,
        *,
        output_format: Any,
        strategy: Strategy = "auto",
        stream: bool = False,
        **params: Unpack[MessageParseParams],
    ) -> Any:
        """A message whose answer is parsed into ``output_format`` (a pydantic model,
        any type ``pydantic.TypeAdapter`` takes, or a JSON schema dict): ``parsed_output``.
        ``strategy`` is ``"auto"`` (``output_config.format``, a forced tool call if the
        server rejects it), ``"native"`` or ``"tool"``; with ``stream=True``, a
        ``ParsedMessageStream`` of partial objects."""
        from r9s._structured.parse import parse_sync
        from r9s._structured.stream import ParsedMessageStream
        from r9s._structured.wire import MESSAGES

        stream_class = ParsedMessageStream if stream else None
        return parse_sync(MESSAGES, self, CREATE, stream_class, output_format, strategy, params)

    @overload
    async def parse_async(
        self,
        *,
        output_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[MessageParseParams],
    ) -> ParsedMessage[T]: ...
    @overload
    async def parse_async(
        self,
        *,
        output_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[MessageParseParams],
    ) -> AsyncParsedMessageStream[T]: ...
    @overload
    async def parse_async(
        self,
        *,
        output_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[MessageParseParams],
    ) -> ParsedMessage[Any]: ...
    @overload
    async def parse_async(
        self,
        *,
        output_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[MessageParseParams],
    ) -> AsyncParsedMessageStream[Any]: ...
    async def parse_async(
        self,
        *,
        output_format: Any,
        strategy: Strategy = "auto",
        stream: bool = False,
        **params: Unpack[MessageParseParams],
    ) -> Any:
        """A message whose answer is parsed into ``output_format``; see ``parse``."""
        from r9s._structured.parse import parse_async
        from r9s._structured.stream import AsyncParsedMessageStream
        from r9s._structured.wire import MESSAGES

        stream_class = AsyncParsedMessageStream if stream else None
        return await parse_async(
            MESSAGES, self, CREATE, stream_class, output_format, strategy, params
        )

    # -- tools ------------------------------------------------------------------------------

    @overload
    def run_tools(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[False] = False,
        **params: Unpack[MessageRunToolsParams],
    ) -> MessagesToolRun: ...
    @overload
    def run_tools(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[True],
        **params: Unpack[MessageRunToolsParams],
    ) -> ToolRunStream[MessagesToolRun]: ...
    def run_tools(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: bool = False,
        **params: Unpack[MessageRunToolsParams],
    ) -> MessagesToolRun | ToolRunStream[MessagesToolRun]:
        """Send, run every tool the model calls (several at once when it asks for
        several), send the results, and repeat until it answers without a tool call or
        ``max_turns`` requests were made. Returns the last ``AnthropicMessage`` with the
        whole exchange in ``.messages``; ``stream=True`` yields text deltas and tool
        call/result events as they happen. A tool that raises becomes an error result for
        the model (``is_error``) unless ``raise_on_tool_error``."""
        from r9s._structured.runner import run_tools_sync
        from r9s._structured.wire import MESSAGES

        return cast(
            "MessagesToolRun | ToolRunStream[MessagesToolRun]",
            run_tools_sync(
                MESSAGES,
                self,
                CREATE,
                tools,
                params,
                max_turns=max_turns,
                raise_on_tool_error=raise_on_tool_error,
                stream=stream,
            ),
        )

    @overload
    async def run_tools_async(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[False] = False,
        **params: Unpack[MessageRunToolsParams],
    ) -> MessagesToolRun: ...
    @overload
    async def run_tools_async(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[True],
        **params: Unpack[MessageRunToolsParams],
    ) -> AsyncToolRunStream[MessagesToolRun]: ...
    async def run_tools_async(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: bool = False,
        **params: Unpack[MessageRunToolsParams],
    ) -> MessagesToolRun | AsyncToolRunStream[MessagesToolRun]:
        """Run the tool loop; see ``run_tools``. Async tools are awaited, sync ones run
        in threads."""
        from r9s._structured.runner import run_tools_async
        from r9s._structured.wire import MESSAGES

        return cast(
            "MessagesToolRun | AsyncToolRunStream[MessagesToolRun]",
            await run_tools_async(
                MESSAGES,
                self,
                CREATE,
                tools,
                params,
                max_turns=max_turns,
                raise_on_tool_error=raise_on_tool_error,
                stream=stream,
            ),
        )
