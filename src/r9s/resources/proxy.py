"""``r9s.proxy``: send a JSON request through one channel of the router, as is.

``target`` is the upstream path (``"chat/completions"``, ``"v1/embeddings"``): it is
sent as raw path segments, ``/`` included; other characters are percent-encoded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Unpack
from urllib.parse import quote

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s.resources._base import Resource

__all__ = ["Proxy", "proxy_operation"]


def _json_or_none(body: bytes) -> Any:
    return json.loads(body) if body.strip() else None


PARAMS = ParamCheck("proxy.request", RequestOptions)


def proxy_operation(target: str) -> Operation[Any, Any, Any]:
    """The operation for ``target``: a path under ``/nextrouter/proxy/{channelid}/``."""
    tail = target.lstrip("/")
    if not tail:
        raise ValueError("target must name an upstream path, such as 'chat/completions'")
    if any(segment in (".", "..") for segment in tail.split("/")):
        raise ValueError(f"target {target!r} may not contain '.' or '..' segments")
    # Percent-encoding everything but "/" also encodes the braces that format_map reads.
    return Operation(
        "POST",
        "/nextrouter/proxy/{channelid}/" + quote(tail, safe="/"),
        _json_or_none,
        params=PARAMS,
    )


def _params(
    body: Mapping[str, Any] | None,
    request_body: Mapping[str, Any] | None,
    options: RequestOptions,
) -> dict[str, Any]:
    # The body travels as extra_body, so its keys never collide with option names
    # (a proxied body may well hold "timeout").
    merged = {**(request_body or {}), **(body or {}), **(options.get("extra_body") or {})}
    return {**options, "extra_body": merged}


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
        operation = proxy_operation(target)
        params = _params(body, request_body, options)
        return self._call(operation, params, path={"channelid": str(channelid)})

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
        operation = proxy_operation(target)
        params = _params(body, request_body, options)
        return await self._call_async(operation, params, path={"channelid": str(channelid)})
