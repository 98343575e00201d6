"""``r9s.models``: the models the router serves."""

from __future__ import annotations

from typing import Never, Unpack

from r9s._options import RequestOptions
from r9s._pipeline import Endpoint, ParamCheck
from r9s._raw import RawResource, araw, raw
from r9s.models.model_info import Model, ModelListResponse
from r9s.resources._base import Resource

LIST: Endpoint[ModelListResponse, Never, Never] = Endpoint(
    "GET", "/models", ModelListResponse, params=ParamCheck("models.list", RequestOptions)
)
RETRIEVE: Endpoint[Model, Never, Never] = Endpoint(
    "GET", "/models/{model}", Model, params=ParamCheck("models.retrieve", RequestOptions)
)


class Models(Resource):
    """List and look up models: ``r9s.models.list()``, ``r9s.models.retrieve(model=...)``."""

    def list(self, **options: Unpack[RequestOptions]) -> ModelListResponse:
        """List the models available to this key."""
        return self._send(LIST, options)

    async def list_async(self, **options: Unpack[RequestOptions]) -> ModelListResponse:
        """List the models available to this key."""
        return await self._asend(LIST, options)

    def retrieve(self, *, model: str, **options: Unpack[RequestOptions]) -> Model:
        """Details of one model; ``NotFoundError`` if the router does not serve it."""
        return self._send(RETRIEVE, options, path={"model": model})

    async def retrieve_async(self, *, model: str, **options: Unpack[RequestOptions]) -> Model:
        """Details of one model; ``NotFoundError`` if the router does not serve it."""
        return await self._asend(RETRIEVE, options, path={"model": model})


class ModelsWithRawResponse(RawResource):
    """``r9s.with_raw_response.models``: its calls, returning a ``RawResponse``."""

    list = raw(Models.list)
    list_async = araw(Models.list_async)
    retrieve = raw(Models.retrieve)
    retrieve_async = araw(Models.retrieve_async)
