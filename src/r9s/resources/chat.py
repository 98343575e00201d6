"""``r9s.chat``: chat completions, whole or streamed."""

from __future__ import annotations

from typing import Literal, Unpack, overload

from r9s._pipeline import Endpoint, ParamCheck, event_stream
from r9s._raw import RawResource, araw, raw
from r9s._streams.chat import CHAT_STREAM, AsyncChatCompletionStream, ChatCompletionStream
from r9s.models.chat import ChatCompletion, ChatCompletionCreateParams
from r9s.resources._base import Resource

__all__ = [
    "AsyncChatCompletionStream",
    "Chat",
    "ChatCompletionCreateParams",
    "ChatCompletionStream",
    "ChatWithRawResponse",
]

CREATE: Endpoint[ChatCompletion, ChatCompletionStream, AsyncChatCompletionStream] = Endpoint(
    "POST",
    "/chat/completions",
    ChatCompletion,
    event_stream(CHAT_STREAM, ChatCompletionStream, AsyncChatCompletionStream),
    ParamCheck("chat.create", ChatCompletionCreateParams),
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


class ChatWithRawResponse(RawResource):
    """``r9s.with_raw_response.chat``: ``chat``'s calls, returning a ``RawResponse``."""

    create = raw(Chat.create)
    create_async = araw(Chat.create_async)
