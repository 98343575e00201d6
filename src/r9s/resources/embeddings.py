"""``r9s.embeddings``: vectors for texts or token ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Never, Unpack, overload

from r9s._pipeline import Endpoint, ParamCheck
from r9s._raw import RawResource, araw, raw
from r9s.models.embeddings import (
    Base64EmbeddingResponse,
    EmbeddingCreateParams,
    EmbeddingResponse,
)
from r9s.resources._base import Resource

__all__ = ["EmbeddingCreateParams", "Embeddings", "EmbeddingsWithRawResponse"]

PARAMS = ParamCheck("embeddings.create", EmbeddingCreateParams)
CREATE: Endpoint[EmbeddingResponse, Never, Never] = Endpoint(
    "POST", "/embeddings", EmbeddingResponse, params=PARAMS
)
CREATE_BASE64: Endpoint[Base64EmbeddingResponse, Never, Never] = Endpoint(
    "POST", "/embeddings", Base64EmbeddingResponse, params=PARAMS
)
Embed = tuple[
    Endpoint[EmbeddingResponse, Never, Never] | Endpoint[Base64EmbeddingResponse, Never, Never],
    Mapping[str, Any],
]


def embedding_call(
    floats: Endpoint[EmbeddingResponse, Never, Never],
    base64: Endpoint[Base64EmbeddingResponse, Never, Never],
    params: Mapping[str, Any],
    keep_base64: bool,
) -> Embed:
    """The endpoint and parameters of an embeddings call (``embeddings`` and
    ``engine_embeddings``, sync and async): vectors as floats (also when the server
    sends base64), or with ``keep_base64=True`` the base64 strings as they came."""
    if not keep_base64:
        return floats, params
    requested = params.get("encoding_format", "base64")
    if requested != "base64":
        raise ValueError(
            f"keep_base64=True returns the base64 strings the server sends; it cannot be "
            f"combined with encoding_format={requested!r}"
        )
    return base64, {**params, "encoding_format": "base64"}


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
        endpoint, fields = embedding_call(CREATE, CREATE_BASE64, params, keep_base64)
        return self._send(endpoint, fields)

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
        endpoint, fields = embedding_call(CREATE, CREATE_BASE64, params, keep_base64)
        return await self._asend(endpoint, fields)


class EmbeddingsWithRawResponse(RawResource):
    """``r9s.with_raw_response.embeddings``: its calls, returning a ``RawResponse``."""

    create = raw(Embeddings.create)
    create_async = araw(Embeddings.create_async)
