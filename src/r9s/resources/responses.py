"""``r9s.responses``: OpenAI's Responses API (``POST /responses``)."""

from __future__ import annotations

from typing import Literal, Unpack, overload

from r9s._pipeline import Endpoint, ParamCheck, event_stream
from r9s._raw import RawResource, araw, raw
from r9s._streams.responses import SPEC, AsyncResponseStream, ResponseStream
from r9s.models.responses import Response, ResponseCreateParams
from r9s.resources._base import Resource

__all__ = ["Responses", "ResponsesWithRawResponse"]

CREATE: Endpoint[Response, ResponseStream, AsyncResponseStream] = Endpoint(
    "POST",
    "/responses",
    Response,
    event_stream(SPEC, ResponseStream, AsyncResponseStream),
    ParamCheck("responses.create", ResponseCreateParams),
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
        return self._send(CREATE, params, stream=stream)

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
        return await self._asend(CREATE, params, stream=stream)


class ResponsesWithRawResponse(RawResource):
    """``r9s.with_raw_response.responses``: its calls, returning a ``RawResponse``."""

    create = raw(Responses.create)
    create_async = araw(Responses.create_async)
