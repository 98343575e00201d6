"""``r9s.embeddings``: vectors for texts or token ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Never, Unpack, overload

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s.models.embeddings import Base64EmbeddingResponse, EmbeddingRequest, EmbeddingResponse
from r9s.resources._base import Resource

__all__ = ["EmbeddingCreateParams", "Embeddings"]


def base64_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` asking for the base64 wire format (for ``keep_base64=True``)."""
    requested = params.get("encoding_format", "base64")
    if requested != "base64":
        raise ValueError(
            f"keep_base64=True returns the base64 strings the server sends; it cannot be "
            f"combined with encoding_format={requested!r}"
        )
    return {**params, "encoding_format": "base64"}


class EmbeddingCreateParams(EmbeddingRequest, RequestOptions, total=False):
    """The keyword arguments of ``embeddings.create``: the request fields and the per-call
    options."""


PARAMS = ParamCheck("embeddings.create", EmbeddingCreateParams)
CREATE: Operation[EmbeddingResponse, Never, Never] = Operation(
    "POST", "/embeddings", EmbeddingResponse, params=PARAMS
)
CREATE_BASE64: Operation[Base64EmbeddingResponse, Never, Never] = Operation(
    "POST", "/embeddings", Base64EmbeddingResponse, params=PARAMS
)


class Embeddings(Resource):
    """Embeddings: ``r9s.embeddings.create(model=..., input=[...])``. Vectors come back
    as floats, also with ``encoding_format="base64"``, unless ``keep_base64=True``."""

    @overload
    def create(
        self, *, keep_base64: Literal[False] = False, **params: Unpack[EmbeddingCreateParams]
    ) -> EmbeddingResponse: ...
    @overload
    def create(
        self, *, keep_base64: Literal[True], **params: Unpack[EmbeddingCreateParams]
    ) -> Base64EmbeddingResponse: ...
    def create(
        self, *, keep_base64: bool = False, **params: Unpack[EmbeddingCreateParams]
    ) -> EmbeddingResponse | Base64EmbeddingResponse:
        """Embed ``input``; ``keep_base64=True`` returns the vectors as base64 strings."""
        if keep_base64:
            return self._call(CREATE_BASE64, base64_params(params))
        return self._call(CREATE, params)

    @overload
    async def create_async(
        self, *, keep_base64: Literal[False] = False, **params: Unpack[EmbeddingCreateParams]
    ) -> EmbeddingResponse: ...
    @overload
    async def create_async(
        self, *, keep_base64: Literal[True], **params: Unpack[EmbeddingCreateParams]
    ) -> Base64EmbeddingResponse: ...
    async def create_async(
        self, *, keep_base64: bool = False, **params: Unpack[EmbeddingCreateParams]
    ) -> EmbeddingResponse | Base64EmbeddingResponse:
        """Embed ``input``; ``keep_base64=True`` returns the vectors as base64 strings."""
        if keep_base64:
            return await self._call_async(CREATE_BASE64, base64_params(params))
        return await self._call_async(CREATE, params)
