"""``r9s.chat``: chat completions, whole or streamed; structured answers and tool runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Unpack, overload

from r9s._lazy import lazy_names
from r9s._pipeline import Endpoint, ParamCheck, lazy_event_stream
from r9s._raw import RawResource, araw, raw
from r9s.models.chat import (
    ChatCompletion,
    ChatCompletionCreateParams,
    ChatParseParams,
    ChatRunToolsParams,
)
from r9s.resources._base import Resource

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from r9s._streams.chat import AsyncChatCompletionStream, ChatCompletionStream
    from r9s._structured.runner import AsyncToolRunStream, ToolRunStream
    from r9s._structured.stream import (
        AsyncParsedChatCompletionStream,
        ParsedChatCompletionStream,
    )
    from r9s._structured.wire import Strategy
    from r9s.models.parsed import ChatToolRun, ParsedChatCompletion
    from r9s.tools import ToolLike

__all__ = [
    "AsyncChatCompletionStream",
    "Chat",
    "ChatCompletionCreateParams",
    "ChatCompletionStream",
    "ChatParseParams",
    "ChatRunToolsParams",
    "ChatWithRawResponse",
]

T = TypeVar("T")


CREATE: Endpoint[ChatCompletion, ChatCompletionStream, AsyncChatCompletionStream] = Endpoint(
    "POST",
    "/chat/completions",
    ChatCompletion,
    lazy_event_stream(
        "r9s._streams.chat", "CHAT_STREAM", "ChatCompletionStream", "AsyncChatCompletionStream"
    ),
    ParamCheck("chat.create", ChatCompletionCreateParams),
)
PARSE = replace(CREATE, params=ParamCheck("chat.parse", ChatParseParams, extra={"response_format"}))
"""What ``parse`` sends (made into each call's endpoint: its result parsed)."""
RUN_TOOLS = replace(
    CREATE, params=ParamCheck("chat.run_tools", ChatRunToolsParams, extra={"tools"})
)


class Chat(Resource):
    """Chat completions: ``r9s.chat.create(model=..., messages=[...])``; with
    ``stream=True`` a ``ChatCompletionStream`` of chunks."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletionStream: ...
    @overload
    def create(
        self, *, stream: bool, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | ChatCompletionStream: ...
    def create(
        self, *, stream: bool = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | ChatCompletionStream:
        """Create a chat completion; ``stream=True`` returns its chunks as they come."""
        return self._send(CREATE, params, stream=stream)

    @overload
    async def create_async(
        self, *, stream: Literal[False] = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion: ...
    @overload
    async def create_async(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> AsyncChatCompletionStream: ...
    @overload
    async def create_async(
        self, *, stream: bool, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | AsyncChatCompletionStream: ...
    async def create_async(
        self, *, stream: bool = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | AsyncChatCompletionStream:
        """Create a chat completion; ``stream=True`` returns its chunks as they come."""
        return await self._asend(CREATE, params, stream=stream)

    # -- structured outputs ---------------------------------------------------------------

    @overload
    def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[ChatParseParams],
    ) -> ParsedChatCompletion[T]: ...
    @overload
    def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[ChatParseParams],
    ) -> ParsedChatCompletionStream[T]: ...
    @overload
    def parse(
        self,
        *,
        response_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[ChatParseParams],
    ) -> ParsedChatCompletion[Any]: ...
    @overload
    def parse(
        self,
        *,
        response_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[ChatParseParams],
    ) -> ParsedChatCompletionStream[Any]: ...
    def parse(
        self,
        *,
        response_format: Any,
        strategy: Strategy = "auto",
        stream: bool = False,
        **params: Unpack[ChatParseParams],
    ) -> Any:
        """A chat completion whose answer is parsed into ``response_format`` (a pydantic
        model, any type ``pydantic.TypeAdapter`` takes, or a JSON schema dict):
        ``choices[i].message.parsed``. ``strategy`` is ``"auto"`` (JSON-schema output,
        a forced tool call if the server rejects it), ``"native"`` or ``"tool"``; with
        ``stream=True``, a ``ParsedChatCompletionStream`` of partial objects."""
        from r9s._structured.parse import parse_sync
        from r9s._structured.wire import CHAT

        return parse_sync(CHAT, self, PARSE, response_format, strategy, stream, params)

    @overload
    async def parse_async(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[ChatParseParams],
    ) -> ParsedChatCompletion[T]: ...
    @overload
    async def parse_async(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[ChatParseParams],
    ) -> AsyncParsedChatCompletionStream[T]: ...
    @overload
    async def parse_async(
        self,
        *,
        response_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[ChatParseParams],
    ) -> ParsedChatCompletion[Any]: ...
    @overload
    async def parse_async(
        self,
        *,
        response_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[ChatParseParams],
    ) -> AsyncParsedChatCompletionStream[Any]: ...
    async def parse_async(
        self,
        *,
        response_format: Any,
        strategy: Strategy = "auto",
        stream: bool = False,
        **params: Unpack[ChatParseParams],
    ) -> Any:
        """A chat completion whose answer is parsed into ``response_format``; see ``parse``."""
        from r9s._structured.parse import parse_async
        from r9s._structured.wire import CHAT

        return await parse_async(CHAT, self, PARSE, response_format, strategy, stream, params)

    # -- tools ------------------------------------------------------------------------------

    @overload
    def run_tools(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[False] = False,
        **params: Unpack[ChatRunToolsParams],
    ) -> ChatToolRun: ...
    @overload
    def run_tools(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[True],
        **params: Unpack[ChatRunToolsParams],
    ) -> ToolRunStream[ChatToolRun]: ...
    def run_tools(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: bool = False,
        **params: Unpack[ChatRunToolsParams],
    ) -> Any:
        """Send, run every tool the model calls (several at once when it asks for
        several), send the results, and repeat until it answers without a tool call or
        ``max_turns`` requests were made. Returns the last ``ChatCompletion`` with the
        whole exchange in ``.messages``; ``stream=True`` yields text deltas and tool
        call/result events as they happen. A tool that raises becomes an error result for
        the model unless ``raise_on_tool_error``."""
        from r9s._structured.runner import run_tools_sync
        from r9s._structured.wire import CHAT

        return run_tools_sync(
            CHAT, self, RUN_TOOLS, tools, params, max_turns, raise_on_tool_error, stream
        )

    @overload
    async def run_tools_async(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[False] = False,
        **params: Unpack[ChatRunToolsParams],
    ) -> ChatToolRun: ...
    @overload
    async def run_tools_async(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[True],
        **params: Unpack[ChatRunToolsParams],
    ) -> AsyncToolRunStream[ChatToolRun]: ...
    async def run_tools_async(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: bool = False,
        **params: Unpack[ChatRunToolsParams],
    ) -> Any:
        """Run the tool loop; see ``run_tools``. Async tools are awaited, sync ones run
        in threads."""
        from r9s._structured.runner import run_tools_async
        from r9s._structured.wire import CHAT

        return await run_tools_async(
            CHAT, self, RUN_TOOLS, tools, params, max_turns, raise_on_tool_error, stream
        )


class ChatWithRawResponse(RawResource):
    """``r9s.with_raw_response.chat``: ``chat``'s calls, returning a ``RawResponse``
    (``parse``'s parses its answer on ``parse()``). ``run_tools`` has no twin: a run is
    several HTTP exchanges and local tool calls, not one response."""

    create = raw(Chat.create)
    create_async = araw(Chat.create_async)
    parse = raw(Chat.parse)
    parse_async = araw(Chat.parse_async)


if not TYPE_CHECKING:  # see lazy_names
    __getattr__ = lazy_names(
        globals(), "r9s._streams.chat", "ChatCompletionStream", "AsyncChatCompletionStream"
    )
