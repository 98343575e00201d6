"""``r9s.models``: the models the router serves."""

from __future__ import annotations

from typing import Never, Unpack

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s.models.model_info import Model, ModelListResponse
from r9s.resources._base import Resource

LIST: Operation[ModelListResponse, Never, Never] = Operation(
    "GET", "/models", ModelListResponse, params=ParamCheck("models.list", RequestOptions)
)
RETRIEVE: Operation[Model, Never, Never] = Operation(
    "GET", "/models/{model}", Model, params=ParamCheck("models.retrieve", RequestOptions)
)


class Models(Resource):
    """List and look up models: ``r9s.models.list()``, ``r9s.models.retrieve(model=...)``."""

    def list(self, **options: Unpack[RequestOptions]) -> ModelListResponse:
        """List the models available to this key."""
        return self._call(LIST, options)

    async def list_async(self, **options: Unpack[RequestOptions]) -> ModelListResponse:
        """List the models available to this key."""
        return await self._call_async(LIST, options)

    def retrieve(self, *, model: str, **options: Unpack[RequestOptions]) -> Model:
        """Details of one model; ``NotFoundError`` if the router does not serve it."""
        return self._call(RETRIEVE, options, path={"model": model})

    async def retrieve_async(self, *, model: str, **options: Unpack[RequestOptions]) -> Model:
        """Details of one model; ``NotFoundError`` if the router does not serve it."""
        return await self._call_async(RETRIEVE, options, path={"model": model})
