"""``r9s.chat``: chat completions, whole or streamed."""

from __future__ import annotations

from typing import Literal, Unpack, cast, overload

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s._streams.chat import CHAT_STREAM, AsyncChatCompletionStream, ChatCompletionStream
from r9s.models.chat import ChatCompletion, ChatCompletionChunk, _ChatBase
from r9s.resources._base import Resource

__all__ = [
    "AsyncChatCompletionStream",
    "Chat",
    "ChatCompletionCreateParams",
    "ChatCompletionStream",
]


class ChatCompletionCreateParams(_ChatBase, RequestOptions, total=False):
    """The keyword arguments of ``chat.create``: the request fields and the per-call
    options (``timeout``, ``retries``, ``extra_body``...)."""


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
