"""``r9s.completions``: legacy text completions, whole or streamed."""

from __future__ import annotations

from typing import Literal, Unpack, cast, overload

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s._streams.completions import COMPLETION_STREAM, AsyncCompletionStream, CompletionStream
from r9s.models.completions import Completion, CompletionChunk, _CompletionBase
from r9s.resources._base import Resource

__all__ = [
    "AsyncCompletionStream",
    "CompletionCreateParams",
    "CompletionStream",
    "Completions",
]


class CompletionCreateParams(_CompletionBase, RequestOptions, total=False):
    """The keyword arguments of ``completions.create``: the request fields and the
    per-call options (``timeout``, ``retries``, ``extra_body``...)."""


CREATE: Operation[Completion, CompletionChunk, Completion] = Operation(
    "POST",
    "/completions",
    Completion,
    COMPLETION_STREAM,
    ParamCheck("completions.create", CompletionCreateParams, extra={"stream"}),
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
        if stream:
            return cast(CompletionStream, self._stream(CREATE, {**params, "stream": True}))
        return self._call(CREATE, params)

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
        if stream:
            stream_ = await self._stream_async(CREATE, {**params, "stream": True})
            return cast(AsyncCompletionStream, stream_)
        return await self._call_async(CREATE, params)
