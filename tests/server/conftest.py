"""Helpers for the local server's own tests: raw httpx against real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from r9s.testing import LocalServer

KEY = "sk-test-server-0000000000"
# Never used for http://, but httpx builds one per client unless given one: ~25 ms each.
TLS = ssl.create_default_context()


class OneShot:
    """httpx's module-level ``get``/``post``/... on a fresh client, minus the TLS set-up cost."""

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        with httpx.Client(verify=TLS, timeout=kwargs.pop("timeout", 10)) as client:
            return client.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("HEAD", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


http = OneShot()


@pytest.fixture
def server(r9s_server: LocalServer) -> LocalServer:
    return r9s_server


@pytest.fixture
def client(server: LocalServer) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10, verify=TLS) as api:
        yield api


@dataclass
class SSE:
    event: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


def parse_sse(text: str) -> list[SSE]:
    """A strict little SSE reader: every event is ``event:``? then ``data:`` lines."""
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        name, data = None, []
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
            else:
                raise AssertionError(f"unexpected SSE line {line!r}")
        events.append(SSE(name, "\n".join(data)))
    return events


def raw_exchange(server: LocalServer, data: bytes, *, read_until_close: bool = True) -> bytes:
    """Send raw bytes on a fresh socket and return what comes back until the server closes."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(data)
        if not read_until_close:
            return sock.recv(65536)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def chat_body(text: str = "hello world", **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **extra}
