"""What r9s needs from an HTTP client. A plain ``httpx.Client`` / ``httpx.AsyncClient``
satisfies these protocols; so can your own wrapper (for proxies, tracing, caching...)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import httpx

__all__ = ["AsyncHttpClient", "HttpClient"]


@runtime_checkable
class HttpClient(Protocol):
    """A synchronous client: ``build_request`` then ``send(request, stream=True)``."""

    def build_request(
        self,
        method: str,
        url: str,
        *,
        content: Any = ...,
        data: Any = ...,
        files: Any = ...,
        params: Any = ...,
        headers: Any = ...,
        timeout: Any = ...,
    ) -> httpx.Request: ...

    def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncHttpClient(Protocol):
    """An asynchronous client: ``build_request`` then ``await send(request, stream=True)``."""

    def build_request(
        self,
        method: str,
        url: str,
        *,
        content: Any = ...,
        data: Any = ...,
        files: Any = ...,
        params: Any = ...,
        headers: Any = ...,
        timeout: Any = ...,
    ) -> httpx.Request: ...

    async def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response: ...

    async def aclose(self) -> None: ...
