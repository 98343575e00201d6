"""``r9s.chat``: chat completions, whole or streamed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Unpack, cast, overload

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s._streams.chat import CHAT_STREAM, AsyncChatCompletionStream, ChatCompletionStream
from r9s.models.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    _ChatBase,
    _ChatFields,
    _ChatResponseFormat,
    _ChatTools,
)
from r9s.resources._base import Resource

if TYPE_CHECKING:
    from pydantic import TypeAdapter

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
]

T = TypeVar("T")


class ChatCompletionCreateParams(_ChatBase, RequestOptions, total=False):
    """The keyword arguments of ``chat.create``: the request fields and the per-call
    options (``timeout``, ``retries``, ``extra_body``...)."""


class ChatParseParams(_ChatFields, _ChatTools, RequestOptions, total=False):
    """The keyword arguments of ``chat.parse`` besides ``response_format``."""


class ChatRunToolsParams(_ChatFields, _ChatResponseFormat, RequestOptions, total=False):
    """The keyword arguments of ``chat.run_tools`` besides ``tools``."""


CREATE: Operation[ChatCompletion, ChatCompletionChunk, ChatCompletion] = Operation(
    "POST",
    "/chat/completions",
    ChatCompletion,
    CHAT_STREAM,
    ParamCheck("chat.create", ChatCompletionCreateParams, extra={"stream"}),
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
        if stream:
            return cast(ChatCompletionStream, self._stream(CREATE, {**params, "stream": True}))
        return self._call(CREATE, params)

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
        if stream:
            return cast(
                AsyncChatCompletionStream,
                await self._stream_async(CREATE, {**params, "stream": True}),
            )
        return await self._call_async(CREATE, params)

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
        from r9s._structured.stream import ParsedChatCompletionStream
        from r9s._structured.wire import CHAT

        stream_class = ParsedChatCompletionStream if stream else None
        return parse_sync(CHAT, self, CREATE, stream_class, response_format, strategy, params)

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
        from r9s._structured.stream import AsyncParsedChatCompletionStream
        from r9s._structured.wire import CHAT

        stream_class = AsyncParsedChatCompletionStream if stream else None
        return await parse_async(
            CHAT, self, CREATE, stream_class, response_format, strategy, params
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
    ) -> ChatToolRun | ToolRunStream[ChatToolRun]:
        """Send, run every tool the model calls (several at once when it asks for
        several), send the results, and repeat until it answers without a tool call or
        ``max_turns`` requests were made. Returns the last ``ChatCompletion`` with the
        whole exchange in ``.messages``; ``stream=True`` yields text deltas and tool
        call/result events as they happen. A tool that raises becomes an error result for
        the model unless ``raise_on_tool_error``."""
        from r9s._structured.runner import run_tools_sync
        from r9s._structured.wire import CHAT

        return cast(
            "ChatToolRun | ToolRunStream[ChatToolRun]",
            run_tools_sync(
                CHAT,
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
    ) -> ChatToolRun | AsyncToolRunStream[ChatToolRun]:
        """Run the tool loop; see ``run_tools``. Async tools are awaited, sync ones run
        in threads."""
        from r9s._structured.runner import run_tools_async
        from r9s._structured.wire import CHAT

        return cast(
            "ChatToolRun | AsyncToolRunStream[ChatToolRun]",
            await run_tools_async(
                CHAT,
                self,
                CREATE,
                tools,
                params,
                max_turns=max_turns,
                raise_on_tool_error=raise_on_tool_error,
                stream=stream,
            ),
        )
