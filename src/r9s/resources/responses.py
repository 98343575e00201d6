"""``r9s.responses``: OpenAI's Responses API (``POST /responses``)."""

from __future__ import annotations

from typing import Literal, Unpack, cast, overload

from r9s._pipeline import Operation, ParamCheck
from r9s._streams.responses import SPEC, AsyncResponseStream, ResponseStream
from r9s.models.responses import Response, ResponseCreateParams, ResponseStreamEvent
from r9s.resources._base import Resource

CREATE: Operation[Response, ResponseStreamEvent, Response] = Operation(
    "POST",
    "/responses",
    Response,
    SPEC,
    ParamCheck("responses.create", ResponseCreateParams, extra={"stream"}),
)


class Responses(Resource):
    """Model responses: ``r9s.responses.create(model=..., input=...)``."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ResponseCreateParams]
    ) -> Response: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[ResponseCreateParams]
    ) -> ResponseStream: ...
    @overload
    def create(
        self, *, stream: bool, **params: Unpack[ResponseCreateParams]
    ) -> Response | ResponseStream: ...
    def create(
        self, *, stream: bool = False, **params: Unpack[ResponseCreateParams]
    ) -> Response | ResponseStream:
        """Create a response; with ``stream=True``, a ``ResponseStream`` of its events."""
        if stream:
            return cast(ResponseStream, self._stream(CREATE, {**params, "stream": True}))
        return self._call(CREATE, params)

    @overload
    async def create_async(
        self, *, stream: Literal[False] = False, **params: Unpack[ResponseCreateParams]
    ) -> Response: ...
    @overload
    async def create_async(
        self, *, stream: Literal[True], **params: Unpack[ResponseCreateParams]
    ) -> AsyncResponseStream: ...
    @overload
    async def create_async(
        self, *, stream: bool, **params: Unpack[ResponseCreateParams]
    ) -> Response | AsyncResponseStream: ...
    async def create_async(
        self, *, stream: bool = False, **params: Unpack[ResponseCreateParams]
    ) -> Response | AsyncResponseStream:
        """Create a response; with ``stream=True``, an ``AsyncResponseStream`` of its events."""
        if stream:
            stream_ = await self._stream_async(CREATE, {**params, "stream": True})
            return cast(AsyncResponseStream, stream_)
        return await self._call_async(CREATE, params)
