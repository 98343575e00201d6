"""``r9s.messages``: Anthropic's native Messages API (``POST /messages``)."""

from __future__ import annotations

from typing import Literal, Unpack, cast, overload

from r9s._pipeline import Operation, ParamCheck
from r9s._streams.messages import SPEC, AsyncMessageStream, MessageStream
from r9s.models.messages import AnthropicMessage, MessageCreateParams, MessageStreamEvent
from r9s.resources._base import Resource

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
