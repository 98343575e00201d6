"""``r9s.completions``: legacy text completions, whole or streamed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Unpack, overload

from r9s._lazy import lazy_names
from r9s._pipeline import Endpoint, ParamCheck, lazy_event_stream
from r9s._raw import RawResource, araw, raw
from r9s.models.completions import Completion, CompletionCreateParams
from r9s.resources._base import Resource

if TYPE_CHECKING:
    from r9s._streams.completions import AsyncCompletionStream, CompletionStream

__all__ = [
    "AsyncCompletionStream",
    "CompletionCreateParams",
    "CompletionStream",
    "Completions",
    "CompletionsWithRawResponse",
]

CREATE: Endpoint[Completion, CompletionStream, AsyncCompletionStream] = Endpoint(
    "POST",
    "/completions",
    Completion,
    lazy_event_stream(
        "r9s._streams.completions", "COMPLETION_STREAM", "CompletionStream", "AsyncCompletionStream"
    ),
    ParamCheck("completions.create", CompletionCreateParams),
)


class Completions(Resource):
    """Text completions: ``r9s.completions.create(model=..., prompt=...)``; with
    ``stream=True`` a ``CompletionStream`` of chunks."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Unpack[CompletionCreateParams]
    ) -> Completion: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[CompletionCreateParams]
    ) -> CompletionStream: ...
    @overload
    def create(
        self, *, stream: bool, **params: Unpack[CompletionCreateParams]
    ) -> Completion | CompletionStream: ...
    def create(
        self, *, stream: bool = False, **params: Unpack[CompletionCreateParams]
    ) -> Completion | CompletionStream:
        """Complete a prompt; ``stream=True`` returns the text as it comes."""
        return self._send(CREATE, params, stream=stream)

    @overload
    async def create_async(
        self, *, stream: Literal[False] = False, **params: Unpack[CompletionCreateParams]
    ) -> Completion: ...
    @overload
    async def create_async(
        self, *, stream: Literal[True], **params: Unpack[CompletionCreateParams]
    ) -> AsyncCompletionStream: ...
    @overload
    async def create_async(
        self, *, stream: bool, **params: Unpack[CompletionCreateParams]
    ) -> Completion | AsyncCompletionStream: ...
    async def create_async(
        self, *, stream: bool = False, **params: Unpack[CompletionCreateParams]
    ) -> Completion | AsyncCompletionStream:
        """Complete a prompt; ``stream=True`` returns the text as it comes."""
        return await self._asend(CREATE, params, stream=stream)


class CompletionsWithRawResponse(RawResource):
    """``r9s.with_raw_response.completions``: its calls, returning a ``RawResponse``."""

    create = raw(Completions.create)
    create_async = araw(Completions.create_async)


if not TYPE_CHECKING:  # see lazy_names
    __getattr__ = lazy_names(
        globals(), "r9s._streams.completions", "CompletionStream", "AsyncCompletionStream"
    )
