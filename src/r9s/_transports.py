"""Which async transport the clients r9s makes use, and how they are made.

``"aiohttp"`` (the default): ``httpx.AsyncClient`` on aiohttp's transport, several times
faster per call and per streamed event than httpx's own; ``"httpx"``: a plain
``httpx.AsyncClient``. Chosen with ``R9S(async_transport=...)`` or ``R9S_ASYNC_TRANSPORT``.
Either way the client is an ``httpx.AsyncClient``; aiohttp is imported only when the
first one is made (the first async request).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal, TypeAlias

from r9s import errors

if TYPE_CHECKING:
    import ssl

    import httpx

AsyncTransport: TypeAlias = Literal["aiohttp", "httpx"]
ASYNC_TRANSPORTS: tuple[AsyncTransport, ...] = ("aiohttp", "httpx")
DEFAULT_ASYNC_TRANSPORT: AsyncTransport = "aiohttp"
ENV_ASYNC_TRANSPORT = "R9S_ASYNC_TRANSPORT"


def async_transport_of(value: str | None) -> AsyncTransport:
    """``value`` checked, else ``R9S_ASYNC_TRANSPORT``, else the default."""
    where = "async_transport"
    if value is None:
        value = os.environ.get(ENV_ASYNC_TRANSPORT, "").strip().lower() or None
        where = ENV_ASYNC_TRANSPORT
    if value is None:
        return DEFAULT_ASYNC_TRANSPORT
    for known in ASYNC_TRANSPORTS:
        if value == known:
            return known
    raise errors.ConfigurationError(
        f"{where} must be {' or '.join(repr(name) for name in ASYNC_TRANSPORTS)}, not {value!r}"
    )


def _verify() -> ssl.SSLContext | bool:
    """What the clients r9s makes verify servers with: the shared context (see
    ``r9s._tls``), else ``True`` (httpx builds one, as it would have)."""
    from r9s import _tls

    return _tls.context() or True


def make_sync_client(timeout: httpx.Timeout) -> httpx.Client:
    """A new sync client, as r9s makes them (see ``make_async_client``)."""
    from r9s._httpx import Client

    return Client(timeout=timeout, follow_redirects=True, verify=_verify())


def make_async_client(transport: AsyncTransport, timeout: httpx.Timeout) -> httpx.AsyncClient:
    """A new async client on ``transport`` (as r9s makes them: redirects followed,
    proxies and certificates taken from the environment as httpx does)."""
    if transport == "httpx":
        from r9s._httpx import AsyncClient

        return AsyncClient(timeout=timeout, follow_redirects=True, verify=_verify())
    from r9s._aiohttp import AiohttpClient

    return AiohttpClient(timeout=timeout, follow_redirects=True, verify=_verify())
