"""``r9s.engine_embeddings``: embeddings with the model in the path."""

from __future__ import annotations

from typing import Literal, Never, Unpack, overload

from r9s._pipeline import Endpoint, ParamCheck
from r9s._raw import RawResource, araw, raw
from r9s.models.embeddings import (
    Base64EmbeddingResponse,
    EmbeddingResponse,
    EngineEmbeddingCreateParams,
)
from r9s.resources._base import Resource
from r9s.resources.embeddings import embedding_call

__all__ = [
    "EngineEmbeddingCreateParams",
    "EngineEmbeddings",
    "EngineEmbeddingsWithRawResponse",
]

PATH = "/engines/{model}/embeddings"
PARAMS = ParamCheck("engine_embeddings.create", EngineEmbeddingCreateParams)
CREATE: Endpoint[EmbeddingResponse, Never, Never] = Endpoint(
    "POST", PATH, EmbeddingResponse, params=PARAMS
)
CREATE_BASE64: Endpoint[Base64EmbeddingResponse, Never, Never] = Endpoint(
    "POST", PATH, Base64EmbeddingResponse, params=PARAMS
)


class EngineEmbeddings(Resource):
    """``POST /engines/{model}/embeddings``: ``r9s.engine_embeddings.create(model=...,
    input=...)``; the same answers as ``r9s.embeddings``."""

    @overload
    def create(
        self,
        *,
        model: str,
        keep_base64: Literal[False] = False,
        **params: Unpack[EngineEmbeddingCreateParams],
    ) -> EmbeddingResponse: ...
    @overload
    def create(
        self,
        *,
        model: str,
        keep_base64: Literal[True],
        **params: Unpack[EngineEmbeddingCreateParams],
    ) -> Base64EmbeddingResponse: ...
    def create(
        self,
        *,
        model: str,
        keep_base64: bool = False,
        **params: Unpack[EngineEmbeddingCreateParams],
    ) -> EmbeddingResponse | Base64EmbeddingResponse:
        """Embed ``input`` with ``model``; ``keep_base64=True`` keeps base64 strings."""
        endpoint, fields = embedding_call(CREATE, CREATE_BASE64, params, keep_base64)
        return self._send(endpoint, fields, path={"model": model})

    @overload
    async def create_async(
        self,
        *,
        model: str,
        keep_base64: Literal[False] = False,
        **params: Unpack[EngineEmbeddingCreateParams],
    ) -> EmbeddingResponse: ...
    @overload
    async def create_async(
        self,
        *,
        model: str,
        keep_base64: Literal[True],
        **params: Unpack[EngineEmbeddingCreateParams],
    ) -> Base64EmbeddingResponse: ...
    async def create_async(
        self,
        *,
        model: str,
        keep_base64: bool = False,
        **params: Unpack[EngineEmbeddingCreateParams],
    ) -> EmbeddingResponse | Base64EmbeddingResponse:
        """Embed ``input`` with ``model``; ``keep_base64=True`` keeps base64 strings."""
        endpoint, fields = embedding_call(CREATE, CREATE_BASE64, params, keep_base64)
        return await self._asend(endpoint, fields, path={"model": model})


class EngineEmbeddingsWithRawResponse(RawResource):
    """``r9s.with_raw_response.engine_embeddings``: its calls, returning a ``RawResponse``."""

    create = raw(EngineEmbeddings.create)
    create_async = araw(EngineEmbeddings.create_async)
