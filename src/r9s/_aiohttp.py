"""httpx's ``AsyncClient`` on aiohttp's transport (``httpx-aiohttp``), as r9s makes it.

Imported only when the first async client is made (aiohttp is heavy to import). What it
adds to ``httpx_aiohttp``:

- every error aiohttp (or a socket) raises, while sending or while reading a body,
  becomes the ``httpx`` exception httpx's own transport raises for the same fault
  (``httpx_aiohttp`` maps a refused connection and a server disconnect to
  ``ConnectTimeout``, and lets some errors through unmapped), so r9s raises the same
  ``APIConnectionError`` / ``APITimeoutError`` on either transport;
- the aiohttp session keeps no cookies of its own (httpx's client does that, once) and
  reads no proxy settings (httpx reads ``HTTP(S)_PROXY``/``NO_PROXY`` and routes each
  request to a proxy transport, also on aiohttp);
- a proxied request goes through the same transport class;
- a redirected request is sent with its body as bytes (``httpx_aiohttp`` would send a
  chunked body, even an empty one after a GET, which servers read as a new request).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import Any, TypeAlias

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport, HttpxAiohttpClient

from r9s._httpx import SkipsCookielessAnswers

__all__ = ["AiohttpClient", "Transport", "httpx_error_class"]

CertTypes: TypeAlias = "str | tuple[str, str] | tuple[str, str, str]"
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""httpx's default limits (httpx always passes its own)."""

_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    # most specific first: aiohttp's classes inherit from each other
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientHttpProxyError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),  # refused, DNS, TLS handshake
    (aiohttp.ServerFingerprintMismatch, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),  # httpx: "Server disconnected"
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),  # httpx: "incomplete chunked read"
    (aiohttp.NonHttpUrlClientError, httpx.UnsupportedProtocol),
    (aiohttp.InvalidUrlClientError, httpx.UnsupportedProtocol),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),  # a malformed response
    (asyncio.TimeoutError, httpx.TimeoutException),
    (aiohttp.ClientConnectionError, httpx.ReadError),  # reset, "Connection closed"
    (aiohttp.ClientError, httpx.TransportError),
    (OSError, httpx.ReadError),
)


def httpx_error_class(exc: BaseException) -> type[httpx.TransportError] | None:
    """The httpx exception class httpx's own transport raises for the fault ``exc`` (an
    aiohttp or socket error) stands for; ``None`` for anything else."""
    for aiohttp_class, httpx_class in _ERRORS:
        if isinstance(exc, aiohttp_class):
            return httpx_class
    return None


def _mapped(exc: BaseException, request: httpx.Request, *, body: bool) -> BaseException | None:
    """The httpx error to raise instead of ``exc`` (``None``: raise ``exc`` as it is),
    raised while reading the response's ``body`` or before. An error ``httpx_aiohttp``
    mapped is mapped again from its cause. A connection lost is told in httpx's words
    (aiohttp's follow), so a message reads the same on either transport."""
    cause = exc.__cause__ if isinstance(exc, httpx.TransportError) else exc
    if cause is None:
        return None
    cls = httpx_error_class(cause)
    if cls is None:
        return None
    detail = str(cause) or type(cause).__name__
    if cls is httpx.RemoteProtocolError and body:
        message = f"peer closed connection without sending complete message body ({detail})"
    elif isinstance(cause, aiohttp.ServerDisconnectedError):
        message = "Server disconnected without sending a response."
    elif type(exc) is cls:
        return None
    else:
        message = detail
    return cls(message, request=request)


_RAISED = (httpx.TransportError, aiohttp.ClientError, OSError)
"""What a transport call may raise that is a transport fault (``TimeoutError`` is an
``OSError``); ``asyncio.CancelledError`` is never caught."""


class _Body(httpx.AsyncByteStream):
    """A response body read from aiohttp, its errors mapped as ``_mapped`` says."""

    __slots__ = ("_inner", "_request")

    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._read_with_current_timeout()
        try:
            async for chunk in self._inner:
                yield chunk
        except _RAISED as exc:
            mapped = _mapped(exc, self._request, body=True)
            if mapped is None:
                raise
            raise mapped from exc

    def _read_with_current_timeout(self) -> None:
        """Read the body with the request's read timeout as it is now, not as it was
        sent: aiohttp fixes it when sending, but a ``deadline`` shortens it for the wait
        for the headers only, and puts it back before a stream is read (httpx's own
        transport reads the request's timeouts at every read)."""
        timeout = self._request.extensions.get("timeout")
        response = getattr(self._inner, "_aiohttp_response", None)
        connection = getattr(response, "connection", None)
        protocol = getattr(connection, "protocol", None)
        if not isinstance(timeout, dict) or protocol is None:
            return
        read = timeout.get("read")
        if read != protocol.read_timeout:
            protocol.read_timeout = read
            protocol.start_timeout()

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        except _RAISED as exc:
            mapped = _mapped(exc, self._request, body=True)
            if mapped is None:
                raise
            raise mapped from exc


class Transport(AiohttpTransport):
    """``httpx_aiohttp``'s transport with httpx's errors for every fault (see the
    module's notes) and a session without cookies or proxy settings of its own."""

    def get_client(self) -> aiohttp.ClientSession:
        if self.client is not None:
            return super().get_client()
        limits = self.limits
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0,
            keepalive_timeout=limits.keepalive_expiry,
            ssl=self.ssl_context,
            local_addr=(self.local_address, 0) if self.local_address else None,
        )
        return aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if isinstance(request.stream, httpx.ByteStream):
            # A request httpx built around a stream it did not read (a redirect's) would
            # go as a chunked body, even an empty one after a GET: read, it goes as bytes.
            await request.aread()
        try:
            response = await super().handle_async_request(request)
        except _RAISED as exc:
            mapped = _mapped(exc, request, body=False)
            if mapped is None:
                raise
            raise mapped from exc
        response.stream = _Body(response.stream, request)  # type: ignore[arg-type]
        return response


class AiohttpClient(SkipsCookielessAnswers, HttpxAiohttpClient):
    """An ``httpx.AsyncClient`` whose requests, proxied ones included, go through
    ``Transport`` (the two hooks ``HttpxAiohttpClient`` overrides, with its signatures)."""

    def _init_transport(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = _LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
        **kwargs: Any,
    ) -> httpx.AsyncBaseTransport:
        if transport is not None:
            return transport
        return Transport(
            verify=verify, cert=cert, trust_env=trust_env, http1=http1, http2=http2, limits=limits
        )

    def _init_proxy_transport(
        self,
        proxy: httpx.Proxy,
        verify: ssl.SSLContext | str | bool = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = _LIMITS,
        **kwargs: Any,
    ) -> httpx.AsyncBaseTransport:
        return Transport(
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http1=http1,
            http2=http2,
            limits=limits,
            proxy=proxy,
        )
