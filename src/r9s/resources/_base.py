"""The base of every resource: two typed bridges to the pipeline, one sync, one async."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Unpack, overload

from r9s._senders import asend, send

if TYPE_CHECKING:
    from r9s._pipeline import Directives, Endpoint
    from r9s.client import R9S

T = TypeVar("T")
S = TypeVar("S")
AS = TypeVar("AS")


def stream_classes(namespace: dict[str, Any], module: str, *names: str) -> Callable[[str], Any]:
    """A resource module's ``__getattr__``: its stream classes ``names``, from ``module``
    (their home, imported on first use; the calls that stream load it too). Define it
    under ``if not TYPE_CHECKING``: seen by a type checker, a module ``__getattr__``
    makes every misspelt name an ``Any``; import the classes for it instead."""
    known = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name not in known:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__


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
