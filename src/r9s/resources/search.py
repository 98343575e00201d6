"""``r9s.search``: web search through the router (Exa, Tavily, Google)."""

from __future__ import annotations

from typing import Never, Unpack

from r9s._pipeline import Endpoint, ParamCheck
from r9s._raw import RawResource, araw, raw
from r9s.models.search import SearchCreateParams, SearchResponse
from r9s.resources._base import Resource

__all__ = ["Search", "SearchCreateParams", "SearchWithRawResponse"]

CREATE: Endpoint[SearchResponse, Never, Never] = Endpoint(
    "POST", "/search", SearchResponse, params=ParamCheck("search.create", SearchCreateParams)
)


class Search(Resource):
    """Web search: ``r9s.search.create(engine="tavily", extra={"query": ...})``."""

    def create(self, **params: Unpack[SearchCreateParams]) -> SearchResponse:
        """Search the web with ``engine``; ``extra`` holds the query and engine options."""
        return self._send(CREATE, params)

    async def create_async(self, **params: Unpack[SearchCreateParams]) -> SearchResponse:
        """Search the web with ``engine``; ``extra`` holds the query and engine options."""
        return await self._asend(CREATE, params)


class SearchWithRawResponse(RawResource):
    """``r9s.with_raw_response.search``: its calls, returning a ``RawResponse``."""

    create = raw(Search.create)
    create_async = araw(Search.create_async)
