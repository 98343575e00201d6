"""``r9s.messages``: Anthropic's native Messages API (``POST /messages``): messages whole
or streamed, structured answers and tool runs; and ``POST /messages/count_tokens``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, Never, TypeVar, Unpack, overload

from r9s._lazy import lazy_names
from r9s._pipeline import Endpoint, ParamCheck, lazy_event_stream
from r9s._raw import RawResource, araw, raw
from r9s.models.messages import (
    AnthropicMessage,
    MessageCountTokensParams,
    MessageCreateParams,
    MessageParseParams,
    MessageRunToolsParams,
    MessageTokensCount,
)
from r9s.resources._base import Resource

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from r9s._streams.messages import AsyncMessageStream, MessageStream
    from r9s._structured.runner import AsyncToolRunStream, ToolRunStream
    from r9s._structured.stream import AsyncParsedMessageStream, ParsedMessageStream
    from r9s._structured.wire import Strategy
    from r9s.models.parsed import MessagesToolRun, ParsedMessage
    from r9s.tools import ToolLike

__all__ = ["Messages", "MessagesWithRawResponse"]

T = TypeVar("T")

# max_tokens: Anthropic requires it, the router has a default (docs/messages.md)
CREATE: Endpoint[AnthropicMessage, MessageStream, AsyncMessageStream] = Endpoint(
    "POST",
    "/messages",
    AnthropicMessage,
    lazy_event_stream("r9s._streams.messages", "SPEC", "MessageStream", "AsyncMessageStream"),
    ParamCheck("messages.create", MessageCreateParams, optional={"max_tokens"}),
)
PARSE = replace(
    CREATE,
    params=ParamCheck("messages.parse", MessageParseParams, optional={"max_tokens"}),
)
"""What ``parse`` sends (made into each call's endpoint: its result parsed)."""
RUN_TOOLS = replace(
    CREATE,
    params=ParamCheck(
        "messages.run_tools", MessageRunToolsParams, extra={"tools"}, optional={"max_tokens"}
    ),
)
COUNT_TOKENS: Endpoint[MessageTokensCount, Never, Never] = Endpoint(
    "POST",
    "/messages/count_tokens",
    MessageTokensCount,
    params=ParamCheck("messages.count_tokens", MessageCountTokensParams),
)


class Messages(Resource):
    """Claude-style messages: ``r9s.messages.create(model=..., max_tokens=..., messages=[...])``,
    and ``r9s.messages.count_tokens(model=..., messages=[...])``."""

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
        return self._send(CREATE, params, stream=stream)

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
        return await self._asend(CREATE, params, stream=stream)

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
        from r9s._structured.wire import MESSAGES

        return parse_sync(MESSAGES, self, PARSE, output_format, strategy, stream, params)

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
        from r9s._structured.wire import MESSAGES

        return await parse_async(MESSAGES, self, PARSE, output_format, strategy, stream, params)

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
    ) -> Any:
        """Send, run every tool the model calls (several at once when it asks for
        several), send the results, and repeat until it answers without a tool call or
        ``max_turns`` requests were made. Returns the last ``AnthropicMessage`` with the
        whole exchange in ``.messages``; ``stream=True`` yields text deltas and tool
        call/result events as they happen. A tool that raises becomes an error result for
        the model (``is_error``) unless ``raise_on_tool_error``."""
        from r9s._structured.runner import run_tools_sync
        from r9s._structured.wire import MESSAGES

        return run_tools_sync(
            MESSAGES, self, RUN_TOOLS, tools, params, max_turns, raise_on_tool_error, stream
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
    ) -> Any:
        """Run the tool loop; see ``run_tools``. Async tools are awaited, sync ones run
        in threads."""
        from r9s._structured.runner import run_tools_async
        from r9s._structured.wire import MESSAGES

        return await run_tools_async(
            MESSAGES, self, RUN_TOOLS, tools, params, max_turns, raise_on_tool_error, stream
        )

    def count_tokens(self, **params: Unpack[MessageCountTokensParams]) -> MessageTokensCount:
        """How many input tokens ``messages`` (with ``system`` and ``tools``) would take,
        without creating a message: ``.input_tokens``."""
        return self._send(COUNT_TOKENS, params)

    async def count_tokens_async(
        self, **params: Unpack[MessageCountTokensParams]
    ) -> MessageTokensCount:
        """How many input tokens ``messages`` (with ``system`` and ``tools``) would take,
        without creating a message: ``.input_tokens``."""
        return await self._asend(COUNT_TOKENS, params)


class MessagesWithRawResponse(RawResource):
    """``r9s.with_raw_response.messages``: its calls, returning a ``RawResponse``
    (``parse``'s parses its answer on ``parse()``). ``run_tools`` has no twin: a run is
    several HTTP exchanges and local tool calls, not one response."""

    create = raw(Messages.create)
    create_async = araw(Messages.create_async)
    parse = raw(Messages.parse)
    parse_async = araw(Messages.parse_async)
    count_tokens = raw(Messages.count_tokens)
    count_tokens_async = araw(Messages.count_tokens_async)


if not TYPE_CHECKING:  # see lazy_names
    __getattr__ = lazy_names(
        globals(), "r9s._streams.messages", "MessageStream", "AsyncMessageStream"
    )
