"""``r9s.engine_embeddings``: embeddings with the model in the path."""

from __future__ import annotations

from typing import Literal, Never, Unpack, overload

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s.models.embeddings import (
    Base64EmbeddingResponse,
    EmbeddingResponse,
    EngineEmbeddingRequest,
)
from r9s.resources._base import Resource
from r9s.resources.embeddings import base64_params

__all__ = ["EngineEmbeddingCreateParams", "EngineEmbeddings"]


class EngineEmbeddingCreateParams(EngineEmbeddingRequest, RequestOptions, total=False):
    """The keyword arguments of ``engine_embeddings.create`` besides ``model``."""


PATH = "/engines/{model}/embeddings"
PARAMS = ParamCheck("engine_embeddings.create", EngineEmbeddingCreateParams)
CREATE: Operation[EmbeddingResponse, Never, Never] = Operation(
    "POST", PATH, EmbeddingResponse, params=PARAMS
)
CREATE_BASE64: Operation[Base64EmbeddingResponse, Never, Never] = Operation(
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
        path = {"model": model}
        if keep_base64:
            return self._call(CREATE_BASE64, base64_params(params), path=path)
        return self._call(CREATE, params, path=path)

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
        path = {"model": model}
        if keep_base64:
            return await self._call_async(CREATE_BASE64, base64_params(params), path=path)
        return await self._call_async(CREATE, params, path=path)
