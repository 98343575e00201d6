"""``r9s.proxy``: send a JSON request through one channel of the router, as is.

``target`` is the upstream path (``"chat/completions"``, ``"v1/embeddings"``): it is
sent as raw path segments, ``/`` included; other characters are percent-encoded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Never, Unpack

from r9s._options import RequestOptions
from r9s._pipeline import Endpoint, ParamCheck
from r9s._raw import RawResource, araw, raw
from r9s.resources._base import Resource

__all__ = ["Proxy", "ProxyWithRawResponse", "proxy_operation"]


def _json_or_none(body: bytes) -> Any:
    return json.loads(body) if body.strip() else None


PARAMS = ParamCheck("proxy.request", RequestOptions)


def proxy_operation(target: str) -> Endpoint[Any, Never, Never]:
    """The endpoint for ``target``: a path under ``/nextrouter/proxy/{channelid}/``."""
    tail = target.lstrip("/")
    if not tail:
        raise ValueError("target must name an upstream path, such as 'chat/completions'")
    if any(segment in (".", "..") for segment in tail.split("/")):
        raise ValueError(f"target {target!r} may not contain '.' or '..' segments")
    from urllib.parse import quote

    # Percent-encoding everything but "/" also encodes the braces that format_map reads.
    return Endpoint(
        "POST",
        "/nextrouter/proxy/{channelid}/" + quote(tail, safe="/"),
        _json_or_none,
        params=PARAMS,
    )


def _body(body: Mapping[str, Any] | None, request_body: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**(request_body or {}), **(body or {})}


class Proxy(Resource):
    """``r9s.proxy.request(channelid=..., target=..., body={...})``: POST ``body`` to
    ``target`` through channel ``channelid``; returns the JSON the target answered."""

    def request(
        self,
        *,
        channelid: str | int,
        target: str,
        body: Mapping[str, Any] | None = None,
        request_body: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """POST ``body`` (``request_body`` is the r9s 0.x name) to ``target`` through
        channel ``channelid``; returns the decoded JSON answer (``None`` if empty)."""
        return self._send(
            proxy_operation(target),
            options,
            path={"channelid": str(channelid)},
            body=_body(body, request_body),
        )

    async def request_async(
        self,
        *,
        channelid: str | int,
        target: str,
        body: Mapping[str, Any] | None = None,
        request_body: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """POST ``body`` (``request_body`` is the r9s 0.x name) to ``target`` through
        channel ``channelid``; returns the decoded JSON answer (``None`` if empty)."""
        return await self._asend(
            proxy_operation(target),
            options,
            path={"channelid": str(channelid)},
            body=_body(body, request_body),
        )


class ProxyWithRawResponse(RawResource):
    """``r9s.with_raw_response.proxy``: its calls, returning a ``RawResponse``."""

    request = raw(Proxy.request)
    request_async = araw(Proxy.request_async)
