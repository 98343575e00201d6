"""``r9s.search``: web search through the router (Exa, Tavily, Google)."""

from __future__ import annotations

from typing import Never, Unpack

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s.models.search import SearchRequest, SearchResponse
from r9s.resources._base import Resource

__all__ = ["Search", "SearchCreateParams"]


class SearchCreateParams(SearchRequest, RequestOptions, total=False):
    """The keyword arguments of ``search.create``."""


CREATE: Operation[SearchResponse, Never, Never] = Operation(
    "POST", "/search", SearchResponse, params=ParamCheck("search.create", SearchCreateParams)
)


class Search(Resource):
    """Web search: ``r9s.search.create(engine="tavily", extra={"query": ...})``."""

    def create(self, **params: Unpack[SearchCreateParams]) -> SearchResponse:
        """Search the web with ``engine``; ``extra`` holds the query and engine options."""
        return self._call(CREATE, params)

    async def create_async(self, **params: Unpack[SearchCreateParams]) -> SearchResponse:
        """Search the web with ``engine``; ``extra`` holds the query and engine options."""
        return await self._call_async(CREATE, params)
