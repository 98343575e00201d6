"""A benchmark server that is never the bottleneck: raw asyncio, pre-encoded answers.

HTTP/1.1 with keep-alive; every response is built once and cached, so a request costs
the server one header scan, one small ``json.loads`` and one ``transport.write``. Streams
are sent with chunked transfer encoding, one chunk per SSE event, as a router sends them.

    python benchmarks/benchserver.py [--port 0]   # prints "READY http://127.0.0.1:PORT"

Routes (under ``/v1``): ``GET /models``; ``POST /chat/completions``, ``/messages``
(JSON, or SSE with ``"stream": true``; a stream has ``max_tokens`` events, default
20,000); ``POST /embeddings`` (``encoding_format`` ``float`` or ``base64``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from functools import cache, lru_cache
from typing import Any

import payloads

MAX_STREAM_EVENTS = 1_000_000
_REASONS = {200: b"OK", 400: b"Bad Request", 401: b"Unauthorized", 404: b"Not Found"}


def _response(status: int, body: bytes, content_type: bytes = b"application/json") -> bytes:
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n"
        b"x-request-id: req_bench\r\n\r\n"
        % (status, _REASONS.get(status, b"Error"), content_type, len(body))
        + body
    )


def _chunked(events: list[bytes]) -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
        b"x-request-id: req_bench\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    parts = [head]
    for event in events:
        parts.append(b"%x\r\n%s\r\n" % (len(event), event))
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


@cache
def fixed(name: str) -> bytes:
    """A whole non-streamed response, encoded once."""
    if name == "models":
        return _response(200, payloads.models_body())
    if name == "chat":
        return _response(200, payloads.chat_body())
    if name == "message":
        return _response(200, payloads.message_body())
    if name in ("float", "base64"):
        return _response(200, payloads.embedding_body(name))
    raise KeyError(name)


@lru_cache(maxsize=16)
def stream(kind: str, n: int) -> bytes:
    """A whole streamed response of ``n`` events, encoded once."""
    events = payloads.chat_events(n) if kind == "chat" else payloads.message_events(n)
    return _chunked(events)


def _error(status: int, message: str) -> bytes:
    return _response(status, payloads.error_body(status, message))


def route(method: bytes, path: bytes, body: bytes) -> bytes:
    """The bytes to send back for one request."""
    path = path.split(b"?", 1)[0]
    if path == b"/v1/models" and method == b"GET":
        return fixed("models")
    if method != b"POST":
        return _error(404, "no such route")
    try:
        params: Any = json.loads(body) if body else {}
    except ValueError:
        return _error(400, "body is not JSON")
    if not isinstance(params, dict):
        return _error(400, "body is not a JSON object")
    if path == b"/v1/chat/completions" or path == b"/v1/messages":
        kind = "chat" if path == b"/v1/chat/completions" else "message"
        if params.get("stream"):
            n = params.get("max_tokens") or payloads.STREAM_EVENTS
            if not isinstance(n, int) or not 0 < n <= MAX_STREAM_EVENTS:
                return _error(400, "max_tokens out of range")
            return stream(kind, n)
        return fixed(kind)
    if path == b"/v1/embeddings":
        encoding = params.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            return _error(400, "encoding_format must be float or base64")
        return fixed(encoding)
    return _error(404, "no such route")


class HTTPProtocol(asyncio.Protocol):
    """One connection: parse pipelined HTTP/1.1 requests, answer each from the cache."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer = self.buffer + data if self.buffer else data
        transport = self.transport
        assert transport is not None
        while True:
            buffer = self.buffer
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = buffer[:end]
            lower = head.lower()
            length = 0
            at = lower.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = lower.find(b"\r\n", at + 2)
                length = int(lower[at + 17 : stop if stop >= 0 else len(lower)])
            elif b"\r\ntransfer-encoding:" in lower:
                transport.write(_error(400, "send a content-length"))
                transport.close()
                return
            if len(buffer) < end + 4 + length:
                return
            body = buffer[end + 4 : end + 4 + length]
            self.buffer = buffer[end + 4 + length :]
            method, _, rest = head.partition(b" ")
            path = rest.partition(b" ")[0]
            if b"\r\nauthorization:" not in lower and b"\r\nx-api-key:" not in lower:
                transport.write(_error(401, "no API key"))
            else:
                transport.write(route(method, path, body))
            if b"\r\nconnection: close" in lower:
                transport.close()
                return


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HTTPProtocol, host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    # Encode the default answers before saying READY, so no client pays for it.
    for name in ("models", "chat", "message", "float", "base64"):
        fixed(name)
    stream("chat", payloads.STREAM_EVENTS)
    stream("message", payloads.STREAM_EVENTS)
    print(f"READY http://{host}:{bound}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port))
    sys.exit(0)


if __name__ == "__main__":
    main()
