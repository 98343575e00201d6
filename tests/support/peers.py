"""Small real HTTP/1.1 servers on 127.0.0.1 for what the local r9s server does not do: a
forward proxy, redirects to another origin, compressed bodies, events sent on cue.

``Peer(answer)`` runs ``answer(handler)`` for every request (in a thread of its own) and
records each request's method, path (absolute for a proxy) and headers.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit


class Seen:
    __slots__ = ("method", "path", "headers", "body")

    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peer: Peer
    body = b""

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        with self.peer.lock:
            self.peer.seen.append(Seen(self.command, self.path, headers, self.body))
        self.peer.answer(self)

    do_GET = do_POST = _handle

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        """Answer with ``body`` as it is (its length given)."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def chunk(self, data: bytes) -> None:
        """One chunk of a chunked body, sent at once (an empty one ends the body)."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


class Peer:
    """A threaded HTTP/1.1 server answering every request with ``answer``."""

    def __init__(self, answer: Callable[[Handler], None]) -> None:
        self.answer = answer
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        handler = type("PeerHandler", (Handler,), {"peer": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Peer:
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te"}


def forward(handler: Handler) -> None:
    """A forward proxy's answer: send the request (absolute-form path) on to its server,
    and its answer back (whole, with its length)."""
    target = urlsplit(handler.path)
    if target.scheme != "http" or not target.hostname:
        handler.reply(400, b"this proxy forwards absolute http:// requests only")
        return
    upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
    try:
        path = target.path + (f"?{target.query}" if target.query else "")
        headers = {
            name: value
            for name, value in handler.headers.items()
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length"
        }
        upstream.request(handler.command, path, body=handler.body or None, headers=headers)
        answer = upstream.getresponse()
        body = answer.read()
        kept = {
            name: value
            for name, value in answer.getheaders()
            if name.lower() not in _HOP_BY_HOP
            and name.lower() not in ("transfer-encoding", "content-length")
        }
        handler.reply(answer.status, body, kept)
    finally:
        upstream.close()
