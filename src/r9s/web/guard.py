"""What every request to ``r9s web`` must show before the app sees it.

- **Host**: served on a loopback address, the ``Host`` header must name it
  (``127.0.0.1:PORT``, ``localhost:PORT``, ``[::1]:PORT``). A page of another site whose
  name was made to point at 127.0.0.1 (DNS rebinding) sends its own name: refused.
- **Token** (``--token``; required off loopback): the ``Authorization: Bearer`` header
  or the cookie the page gets when opened as ``/?token=...`` (the address then drops
  it), compared in constant time.
- **Changes** (any method but GET and HEAD): the page's header ``X-R9S-Web: 1``, which
  a form or an image of another site cannot send (a script of another site could only
  after a CORS preflight, which is never granted), and, when the browser names it, an
  ``Origin`` that is this server's.

Every answer carries headers that keep the page to itself: a content security policy
that allows no script, style, image or connection from elsewhere, no framing, no
referrer, no caching of the API's answers.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CHANGE_HEADER = "x-r9s-web"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = ("GET", "HEAD")
CONTENT_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' data: blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def is_loopback(host: str) -> bool:
    return host.strip("[]").lower() in LOOPBACK_NAMES or host.startswith("127.")


@dataclass(frozen=True)
class Guard:
    """The rules for a server bound to ``host``:``port``; ``token`` None: none needed
    (only allowed on loopback)."""

    host: str
    port: int
    token: str | None = None

    def __post_init__(self) -> None:
        if self.token is None and not is_loopback(self.host):
            raise ValueError(f"serving on {self.host} needs a token (--token)")

    @property
    def cookie(self) -> str:
        """The token's cookie, one per port (a cookie is sent to every port of a host)."""
        return f"r9s_web_{self.port}"

    def host_allowed(self, host: str | None) -> bool:
        if not is_loopback(self.host):
            return True  # any name may reach it; the token is the lock
        if not host:
            return False
        name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
        if not name or port != str(self.port):
            return False
        return is_loopback(name)

    def token_given(self, headers: dict[str, str], query: dict[str, str]) -> str | None:
        """The token the request shows: the header, ``?token=``, then the cookie."""
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        if "token" in query:
            return query["token"]
        jar = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header: as if there were none
            jar = SimpleCookie()
        if self.cookie in jar:
            return jar[self.cookie].value
        return None

    def token_ok(self, given: str | None) -> bool:
        if self.token is None:
            return True
        if given is None:
            return False
        return hmac.compare_digest(given.encode(), self.token.encode())

    def change_allowed(self, method: str, headers: dict[str, str]) -> bool:
        if method in SAFE_METHODS:
            return True
        if headers.get(CHANGE_HEADER) != "1":
            return False
        origin = headers.get("origin")
        if origin is None:
            return True
        return origin in (f"http://{headers.get('host', '')}", f"https://{headers.get('host', '')}")


class GuardMiddleware:
    """The ASGI middleware that applies a :class:`Guard` to every HTTP request."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", [])
        }
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        guard = self.guard
        if not guard.host_allowed(headers.get("host")):
            await _plain(send, 403, "r9s web answers only to its own address (Host header)")
            return
        given = guard.token_given(headers, query)
        if not guard.token_ok(given):
            await _plain(
                send, 401, "r9s web needs its token: open the URL `r9s web` printed, with ?token="
            )
            return
        method = scope.get("method", "GET")
        if "token" in query and method in SAFE_METHODS and guard.token is not None:
            # opened as /?token=...: keep the token in a cookie, drop it from the address
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            location = scope.get("path", "/") + (f"?{rest}" if rest else "")
            cookie = f"{guard.cookie}={guard.token}; Path=/; HttpOnly; SameSite=Strict"
            await _plain(
                send, 303, "", [(b"location", location.encode()), (b"set-cookie", cookie.encode())]
            )
            return
        if not guard.change_allowed(method, headers):
            await _plain(
                send, 403, "a change needs the page's X-R9S-Web header, from its own origin"
            )
            return
        api = scope.get("path", "").startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(HEADERS)
                if api:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _plain(
    send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = f"{text}\n".encode() if text else b""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *HEADERS,
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
