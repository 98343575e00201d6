"""The base of every resource: typed one-line bridges to the client's pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from r9s._binary import AsyncBinaryResponse, BinaryResponse
    from r9s._pipeline import Operation
    from r9s._streaming import AsyncEventStream, EventStream
    from r9s.client import R9S

T = TypeVar("T")
E = TypeVar("E")
F = TypeVar("F")


class Resource:
    """A group of operations on one client. Methods are keyword-only and come in pairs:
    ``name(...)`` and ``name_async(...)`` take the same arguments."""

    __slots__ = ("_client",)

    def __init__(self, client: R9S) -> None:
        self._client = client

    def _call(self, operation: Operation[T, Any, Any], params: Mapping[str, Any], **how: Any) -> T:
        result: T = self._client._request(operation, params, **how)
        return result

    async def _call_async(
        self, operation: Operation[T, Any, Any], params: Mapping[str, Any], **how: Any
    ) -> T:
        result: T = await self._client._request_async(operation, params, **how)
        return result

    def _stream(
        self, operation: Operation[Any, E, F], params: Mapping[str, Any], **how: Any
    ) -> EventStream[E, F]:
        stream: EventStream[E, F] = self._client._request(operation, params, stream=True, **how)
        return stream

    async def _stream_async(
        self, operation: Operation[Any, E, F], params: Mapping[str, Any], **how: Any
    ) -> AsyncEventStream[E, F]:
        stream: AsyncEventStream[E, F] = await self._client._request_async(
            operation, params, stream=True, **how
        )
        return stream

    def _raw(
        self, operation: Operation[Any, Any, Any], params: Mapping[str, Any], **how: Any
    ) -> BinaryResponse:
        """The open response, body unread (for binary downloads); the caller closes it."""
        response: BinaryResponse = self._client._request(operation, params, raw=True, **how)
        return response

    async def _raw_async(
        self, operation: Operation[Any, Any, Any], params: Mapping[str, Any], **how: Any
    ) -> AsyncBinaryResponse:
        response: AsyncBinaryResponse = await self._client._request_async(
            operation, params, raw=True, **how
        )
        return response
