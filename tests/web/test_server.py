"""The small HTTP/1.1 server under ``r9s web`` (asyncio and h11), over raw sockets:
keep-alive, pipelining, HEAD, ``Expect: 100-continue``, bad requests, an app that
fails, a client that goes away."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from r9s.web.serve import bind
from r9s.web.server import Server


@contextmanager
def serving(app: Any) -> Iterator[int]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = Server(app, sock, grace=0.5)
    ready = threading.Event()
    loops: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve(ready.set)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield port
    finally:
        loops[0].call_soon_threadsafe(server.stop)
        thread.join(10)
        sock.close()
        assert not thread.is_alive()


def exchange(port: int, data: bytes, *, timeout: float = 5) -> bytes:
    """Send ``data`` on one connection and read until the server closes it (the last
    request asks it to, or it refuses the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(data)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
        return received


async def hello(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/fail":
        raise RuntimeError("the app broke")
    text = b"hello" if not body else b"got " + body
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"content-length", str(len(text)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text})


def test_keep_alive_and_pipelined_requests() -> None:
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with serving(hello) as port:
        answer = exchange(port, request * 2 + last)
    assert answer.count(b"HTTP/1.1 200 OK\r\n") == 3
    assert answer.count(b"hello") == 3


def test_head_has_no_body_and_post_bodies_are_read() -> None:
    with serving(hello) as port:
        head = exchange(port, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        posted = exchange(
            port,
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde",
        )
        chunked = exchange(
            port,
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
    assert head.startswith(b"HTTP/1.1 200 OK") and head.endswith(b"\r\n\r\n")
    assert posted.endswith(b"got abcde") and chunked.endswith(b"got abcde")


def test_expect_100_continue_is_answered() -> None:
    with serving(hello) as port, socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
        )
        assert conn.recv(1024).startswith(b"HTTP/1.1 100 ")
        conn.sendall(b"ok")
        answer = b""
        while not answer.endswith(b"got ok"):
            chunk = conn.recv(1024)
            assert chunk, answer
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 OK")


def test_a_bad_request_gets_400_and_the_connection_closes() -> None:
    with serving(hello) as port:
        answer = exchange(port, b"NOT HTTP AT ALL\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_an_app_that_fails_costs_one_request_with_one_line(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with serving(hello) as port:
        failed = exchange(port, b"GET /fail HTTP/1.1\r\nHost: x\r\n\r\n")  # then closed
        fine = exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert failed.startswith(b"HTTP/1.1 500 ") and b"internal error" in failed
    assert fine.endswith(b"hello")
    assert "r9s web: RuntimeError: the app broke" in capfd.readouterr().err


def test_the_app_is_told_when_the_client_goes_away() -> None:
    told = threading.Event()

    async def waits(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await hello(scope, receive, send)
            return
        await receive()  # the (empty) body
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        if (await receive())["type"] == "http.disconnect":
            told.set()

    with serving(waits) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while b"partial" not in received:
                chunk = conn.recv(1024)
                assert chunk, received
                received += chunk
        assert told.wait(5)
