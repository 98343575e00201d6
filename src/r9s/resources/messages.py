"""``r9s.messages``: Anthropic's native Messages API (``POST /messages``), and
``POST /messages/count_tokens``."""

from __future__ import annotations

from typing import Literal, Never, Unpack, overload

from r9s._pipeline import Endpoint, ParamCheck, event_stream
from r9s._raw import RawResource, araw, raw
from r9s._streams.messages import SPEC, AsyncMessageStream, MessageStream
from r9s.models.messages import (
    AnthropicMessage,
    MessageCountTokensParams,
    MessageCreateParams,
    MessageTokensCount,
)
from r9s.resources._base import Resource

__all__ = ["Messages", "MessagesWithRawResponse"]

CREATE: Endpoint[AnthropicMessage, MessageStream, AsyncMessageStream] = Endpoint(
    "POST",
    "/messages",
    AnthropicMessage,
    event_stream(SPEC, MessageStream, AsyncMessageStream),
    # max_tokens: Anthropic requires it, the router has a default (docs/messages.md)
    ParamCheck("messages.create", MessageCreateParams, optional={"max_tokens"}),
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
    """``r9s.with_raw_response.messages``: its calls, returning a ``RawResponse``."""

    create = raw(Messages.create)
    create_async = araw(Messages.create_async)
    count_tokens = raw(Messages.count_tokens)
    count_tokens_async = araw(Messages.count_tokens_async)
