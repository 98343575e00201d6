"""A small real HTTP server for upload and download tests: it reads request bodies in
chunks (hashing, never keeping large ones), can fail the first attempts, and streams
binary bodies of any size. Runs in a thread on 127.0.0.1 (a ``ThreadedServer``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.support.peers import ThreadedServer

CHUNK = 64 * 1024
KEEP = 1024 * 1024  # bodies up to this size are kept for inspection


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    size: int
    sha256: str
    body: bytes | None  # None when larger than KEEP


@dataclass
class Sink:
    url: str
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    """Answer this many of the next requests with 503 (after reading their bodies)."""


def _handler(sink: Sink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _read_body(self) -> Received:
            digest = hashlib.sha256()
            kept = bytearray()
            size = 0
            length = self.headers.get("Content-Length")
            if length is not None:
                remaining = int(length)
                while remaining:
                    chunk = self.rfile.read(min(CHUNK, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    size += len(chunk)
                    digest.update(chunk)
                    if size <= KEEP:
                        kept += chunk
            headers = {k.lower(): v for k, v in self.headers.items()}
            return Received(
                self.command,
                self.path,
                headers,
                size,
                digest.hexdigest(),
                bytes(kept) if size <= KEEP else None,
            )

        def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            received = self._read_body()
            sink.received.append(received)
            if sink.fail_next > 0:
                sink.fail_next -= 1
                error = json.dumps({"error": {"message": "try again", "type": "server_error"}})
                self._send(503, error.encode(), "application/json", {"Retry-After": "0"})
                return
            if self.path.endswith("/audio/speech"):
                drop = self.headers.get("x-drop-after")
                self._stream_audio(
                    int(self.headers.get("x-size", "1024")), int(drop) if drop else None
                )
                return
            answer = {"text": "ok", "bytes": received.size, "sha256": received.sha256}
            if "/images/" in self.path:
                answer = {"created": 1, "data": [{"url": "https://example.org/x.png"}]}
            self._send(200, json.dumps(answer).encode(), "application/json", {})

        def _stream_audio(self, size: int, drop_after: int | None) -> None:
            """``size`` bytes of audio; with ``drop_after``, the connection closes after
            that many (a download cut short)."""
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            sent = 0
            for piece in audio_bytes(size):
                if drop_after is not None and sent + len(piece) > drop_after:
                    self.wfile.write(piece[: drop_after - sent])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(piece)
                sent += len(piece)

    return Handler


def audio_bytes(size: int) -> Iterator[bytes]:
    """What the sink streams for ``/audio/speech`` with ``x-size: size``."""
    block = bytes(range(256)) * (CHUNK // 256)
    while size:
        piece = block[: min(CHUNK, size)]
        size -= len(piece)
        yield piece


@contextmanager
def sink_server() -> Iterator[Sink]:
    """A running sink; ``sink.url`` is its ``/v1`` base URL."""
    sink = Sink(url="")
    with ThreadedServer(_handler(sink)) as server:
        sink.url = server.url + "/v1"
        yield sink
