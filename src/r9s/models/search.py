"""Types of ``POST /search`` (web search through Exa, Tavily or Google)."""

from collections.abc import Mapping
from typing import Any, Literal, Required, TypedDict

from r9s._options import RequestOptions
from r9s.models._base import Lenient, ResponseModel


class SearchRequest(TypedDict, total=False):
    """The body of ``POST /search``."""

    engine: Literal["exa", "tavily", "google"] | str
    """The search engine (the server's default is ``"exa"``)."""
    extra: Required[Mapping[str, Any]]
    """The engine's parameters; ``query`` is required by all of them. Exa: ``num``,
    ``contents``; Tavily: ``max_results``, ``search_depth``, ``include_answer``; Google:
    ``num``, ``start``, ``safe``."""


class SearchCreateParams(SearchRequest, RequestOptions, total=False):
    """The keyword arguments of ``search.create``."""


class SearchResponse(ResponseModel):
    """The engine's answer, as the engine sent it (its shape differs by engine: Exa and
    Tavily put hits in ``result["results"]``, Google in ``result["items"]``)."""

    engine: Lenient[Literal["exa", "tavily", "google"] | str] = ""
    result: Lenient[dict[str, Any]] = {}
