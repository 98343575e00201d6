"""``RecordedRequest``: what the server saw of each request, for tests to assert on."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from r9s.testing._http import Request


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received.

    ``path`` is the percent-decoded path and ``raw_path`` the path as sent (both without
    the query string); ``headers`` have lower-case names; ``body`` holds at most the
    server's ``record_limit`` first bytes (``body_size`` is the full size); ``json`` is the
    parsed body when it is JSON; ``api_key`` is the key it carried (Bearer, ``x-api-key``,
    ``x-goog-api-key`` or ``?key=``).
    """

    method: str
    path: str
    raw_path: str = ""
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    json: Any = None
    api_key: str | None = None
    body_size: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``body`` as text when it is UTF-8, always as base64 too)."""
        try:
            text: str | None = self.body.decode()
        except UnicodeDecodeError:
            text = None
        return {
            "method": self.method,
            "path": self.path,
            "raw_path": self.raw_path,
            "query": self.query,
            "headers": self.headers,
            "body": text,
            "body_base64": base64.b64encode(self.body).decode(),
            "body_size": self.body_size,
            "json": self.json,
            "api_key": self.api_key,
        }


def api_key_of(request: Request) -> str | None:
    """The key a request carries, in the places the supported clients put it."""
    authorization = request.header("authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    for header in ("x-api-key", "x-goog-api-key"):
        value = (request.header(header) or "").strip()
        if value:
            return value
    key = dict(parse_qsl(request.query_string)).get("key", "").strip()
    return key or None


def record(request: Request) -> RecordedRequest:
    """Snapshot ``request`` (call once its body has been consumed)."""
    body = bytes(request.body.recorded)
    parsed = None
    if body and not request.body.truncated and body.lstrip()[:1] in (b"{", b"["):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    headers: dict[str, str] = {}
    for name, value in request.head.headers:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return RecordedRequest(
        method=request.method,
        path=unquote(request.path),
        raw_path=request.path,
        query=dict(parse_qsl(request.query_string, keep_blank_values=True)),
        headers=headers,
        body=body,
        json=parsed,
        api_key=api_key_of(request),
        body_size=request.body.size,
    )
