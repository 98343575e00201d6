"""The local server serves clients independently (issue 17): one large request does not
hold the others up, an answer stops when its client leaves, and a slow client (a byte
a second: slowloris) or an idle one is dropped after the header or idle timeout.

Latencies are bounded loosely: these are hangs of seconds (8-10 s for the embeddings,
2-3 s for the long answer, before), not speed measurements.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from r9s.testing import LocalServer
from tests.server.conftest import KEY, TLS

AUTH = {"authorization": f"Bearer {KEY}"}
PROBE_BOUND = 0.75  # seconds: a models list normally takes milliseconds


def big_embeddings(client: httpx.Client, server: LocalServer) -> None:
    inputs = [f"text number {index}" for index in range(1500)]  # ~50 MB of JSON back
    body = {"model": "text-embedding-3-small", "input": inputs}
    answer = client.post(f"{server.url}/embeddings", json=body, headers=AUTH)
    # Not answer.json(): parsing 100 MB holds the GIL, and so this process, for seconds.
    assert answer.status_code == 200 and answer.content.count(b'"object":"embedding"') == 1500


def long_answer(client: httpx.Client, server: LocalServer) -> None:
    body = {
        "model": "gpt-4o-mini",
        "stream": True,
        "messages": [{"role": "user", "content": "word " * 150_000}],  # 150,000 events
    }
    with client.stream("POST", f"{server.url}/chat/completions", json=body, headers=AUTH) as r:
        assert sum(len(chunk) for chunk in r.iter_bytes()) > 5_000_000


@pytest.mark.parametrize("big", [big_embeddings, long_answer], ids=["embeddings", "stream"])
def test_one_large_request_does_not_stall_other_clients(
    server: LocalServer, big: Callable[[httpx.Client, LocalServer], None]
) -> None:
    done = threading.Event()
    failure: list[BaseException] = []

    def run_big() -> None:
        try:
            with httpx.Client(timeout=120, verify=TLS) as client:
                big(client, server)
        except BaseException as exc:  # reported by the test, not lost in the thread
            failure.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=run_big)
    latencies: list[float] = []
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60, verify=TLS) as probe:
        probe.get("/models")  # connected before the big request starts
        thread.start()
        while not done.is_set():
            started = time.monotonic()
            assert probe.get("/models").status_code == 200
            latencies.append(time.monotonic() - started)
            time.sleep(0.02)
    thread.join()
    assert not failure, failure
    assert len(latencies) > 5  # the big request took a while: the probes ran meanwhile
    assert max(latencies) < PROBE_BOUND, f"a probe waited {max(latencies):.2f} s"


def test_a_client_that_leaves_mid_stream_stops_the_answer(server: LocalServer) -> None:
    body = {
        "model": "gpt-4o-mini",
        "stream": True,
        "messages": [{"role": "user", "content": "word " * 50_000}],  # 50,000 events
    }
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=30, verify=TLS) as client:
        with client.stream("POST", "/chat/completions", json=body) as answer:
            next(answer.iter_bytes())
        # leaving the block closed the connection with the answer unread
    deadline = time.monotonic() + 10
    while server.stats["open"] and time.monotonic() < deadline:
        time.sleep(0.02)
    stats = server.stats
    assert stats["open"] == 0 and stats["abandoned"] == 1
    time.sleep(0.3)
    assert server.stats["pieces"] == stats["pieces"] < 50_000  # and it stays stopped


def raw_socket(server: LocalServer) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=10)


def read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_slowloris_headers_are_dropped_after_the_header_timeout(
    r9s_server_factory: Callable[..., LocalServer],
) -> None:
    server = r9s_server_factory(header_timeout=1.0)
    head = f"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n\r\n".encode()
    with raw_socket(server) as sock:
        started = time.monotonic()
        sent = 0
        try:
            for byte in head:  # a byte every 0.2 s: the head would take 15 s
                sock.sendall(bytes([byte]))
                sent += 1
                time.sleep(0.2)
                sock.settimeout(0.001)
                try:
                    if sock.recv(65536, socket.MSG_PEEK):
                        break
                except TimeoutError:
                    pass
                finally:
                    sock.settimeout(10)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert sent < len(head) and 0.9 < elapsed < 5, (sent, elapsed)


def test_an_idle_connection_and_a_stalled_body_are_dropped(
    r9s_server_factory: Callable[..., LocalServer],
) -> None:
    server = r9s_server_factory(idle_timeout=0.5)
    with raw_socket(server) as sock:  # connects, sends nothing
        started = time.monotonic()
        assert read_until_closed(sock) == b""
        assert 0.4 < time.monotonic() - started < 5
    head = (
        f"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":'
    ).encode()
    with raw_socket(server) as sock:  # a body that stops coming
        sock.sendall(head)
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"request body stalled" in answer
    # a connection in use is never idle: requests on it go on as usual
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10, verify=TLS) as client:
        for _ in range(3):
            assert client.get("/models").status_code == 200
            time.sleep(0.2)
