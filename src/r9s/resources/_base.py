"""The base of every resource: two typed bridges to the pipeline, one sync, one async."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Unpack, overload

from r9s._senders import asend, send

if TYPE_CHECKING:
    from r9s._pipeline import Directives, Endpoint
    from r9s.client import R9S

T = TypeVar("T")
S = TypeVar("S")
AS = TypeVar("AS")


class Resource:
    """A group of operations on one client. Methods are keyword-only and come in pairs:
    ``name(...)`` and ``name_async(...)`` take the same arguments.

    ``_send`` / ``_asend`` make the call: ``endpoint``'s result, or with ``stream=True``
    what it streams (its event stream or binary body, the sync or async kind). The
    keyword ``directives`` are the SDK's own (``path=``, ``headers=``, ``body=``,
    ``files=``; see ``Pipeline.prepare``), kept apart from ``params``, the caller's.
    """

    __slots__ = ("_client",)

    def __init__(self, client: R9S) -> None:
        self._client = client

    @overload
    def _send(
        self,
        endpoint: Endpoint[T, Any, Any],
        params: Mapping[str, Any],
        *,
        stream: Literal[False] = False,
        **directives: Unpack[Directives],
    ) -> T: ...
    @overload
    def _send(
        self,
        endpoint: Endpoint[Any, S, Any],
        params: Mapping[str, Any],
        *,
        stream: Literal[True],
        **directives: Unpack[Directives],
    ) -> S: ...
    @overload
    def _send(
        self,
        endpoint: Endpoint[T, S, Any],
        params: Mapping[str, Any],
        *,
        stream: bool,
        **directives: Unpack[Directives],
    ) -> T | S: ...
    def _send(
        self,
        endpoint: Endpoint[Any, Any, Any],
        params: Mapping[str, Any],
        *,
        stream: bool = False,
        **directives: Unpack[Directives],
    ) -> Any:
        return send(self._client, endpoint, params, stream, directives)

    @overload
    async def _asend(
        self,
        endpoint: Endpoint[T, Any, Any],
        params: Mapping[str, Any],
        *,
        stream: Literal[False] = False,
        **directives: Unpack[Directives],
    ) -> T: ...
    @overload
    async def _asend(
        self,
        endpoint: Endpoint[Any, Any, AS],
        params: Mapping[str, Any],
        *,
        stream: Literal[True],
        **directives: Unpack[Directives],
    ) -> AS: ...
    @overload
    async def _asend(
        self,
        endpoint: Endpoint[T, Any, AS],
        params: Mapping[str, Any],
        *,
        stream: bool,
        **directives: Unpack[Directives],
    ) -> T | AS: ...
    async def _asend(
        self,
        endpoint: Endpoint[Any, Any, Any],
        params: Mapping[str, Any],
        *,
        stream: bool = False,
        **directives: Unpack[Directives],
    ) -> Any:
        return await asend(self._client, endpoint, params, stream, directives)
