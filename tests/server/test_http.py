"""The HTTP/1.1 layer: framing, keep-alive, HEAD, errors, lifecycle."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from r9s.testing import LocalServer
from tests.server.conftest import KEY, chat_body, http, raw_exchange

AUTH = f"Authorization: Bearer {KEY}\r\n"


def test_urls_and_root(server: LocalServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}/v1"
    assert server.root_url == f"http://127.0.0.1:{server.port}"
    response = http.get(server.root_url + "/")
    assert response.status_code == 200
    assert response.json()["base_url"] == server.url


def test_head_root_is_200_without_a_body(server: LocalServer) -> None:
    # Claude Code sends it as a preconnect.
    response = http.head(server.root_url + "/")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0
    raw = raw_exchange(server, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n") and raw.endswith(b"\r\n\r\n")


def test_head_of_a_get_route_has_its_headers(server: LocalServer) -> None:
    response = http.head(server.url + "/models", headers={"authorization": f"Bearer {KEY}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == b""


def test_keep_alive_reuses_one_connection(server: LocalServer, client: httpx.Client) -> None:
    peers = set()
    for _ in range(5):
        response = client.post("/chat/completions", json=chat_body())
        assert response.status_code == 200
        stream = response.extensions["network_stream"]
        peers.add(stream.get_extra_info("client_addr"))
    assert len(peers) == 1


def test_pipelined_requests_on_one_socket(server: LocalServer) -> None:
    one = f"GET /v1/models/gpt-4o HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n"
    two = f"GET /v1/models/o3-mini HTTP/1.1\r\nHost: x\r\n{AUTH}Connection: close\r\n\r\n"
    raw = raw_exchange(server, (one + two).encode())
    assert raw.count(b"HTTP/1.1 200 OK") == 2
    assert raw.index(b'"gpt-4o"') < raw.index(b'"o3-mini"')


def test_chunked_request_body(server: LocalServer, client: httpx.Client) -> None:
    payload = json.dumps(chat_body("sent in chunks")).encode()

    def pieces() -> Iterator[bytes]:
        for i in range(0, len(payload), 7):
            yield payload[i : i + 7]

    response = client.post(
        "/chat/completions", content=pieces(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "Echo: sent in chunks"
    seen = server.requests[-1]
    assert seen.headers["transfer-encoding"] == "chunked"
    assert seen.body == payload and seen.body_size == len(payload)


def test_chunked_body_with_extensions_and_trailers(server: LocalServer) -> None:
    body = json.dumps(chat_body("trailers")).encode()
    wire = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n{AUTH}"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    wire += b"%x;ext=1\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n" % (len(body), body)
    raw = raw_exchange(server, wire)
    assert raw.startswith(b"HTTP/1.1 200 OK") and b"Echo: trailers" in raw


def test_expect_100_continue(server: LocalServer) -> None:
    body = json.dumps(chat_body("continue")).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n{AUTH}Expect: 100-continue\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(head.encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(body)
        rest = b"".join(iter(lambda: sock.recv(65536), b""))
    assert rest.startswith(b"HTTP/1.1 200 OK") and b"Echo: continue" in rest


def test_http_1_0_gets_a_closed_connection(server: LocalServer) -> None:
    raw = raw_exchange(server, f"GET /v1/models HTTP/1.0\r\n{AUTH}\r\n".encode())
    assert raw.startswith(b"HTTP/1.1 200 OK") and b"connection: close" in raw.lower()


def test_http_1_0_stream_is_close_delimited(server: LocalServer) -> None:
    body = json.dumps(chat_body("old client", stream=True)).encode()
    wire = f"POST /v1/chat/completions HTTP/1.0\r\n{AUTH}Content-Length: {len(body)}\r\n\r\n"
    raw = raw_exchange(server, wire.encode() + body)
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in head.lower()
    assert rest.rstrip().endswith(b"data: [DONE]")


@pytest.mark.parametrize(
    "wire",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET /v1/models HTTP/9.9\r\n\r\n",
        b"GET /v1/models\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nbad header line\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\n folded: header\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 3\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /v1/\x01models HTTP/1.1\r\n\r\n",
    ],
)
def test_malformed_requests_get_an_error_and_a_closed_connection(
    server: LocalServer, wire: bytes
) -> None:
    raw = raw_exchange(server, wire)
    status = int(raw.split(b" ", 2)[1])
    assert 400 <= status < 600 and status != 500
    assert b"connection: close" in raw.lower()
    assert http.get(server.root_url + "/").status_code == 200  # still serving


def test_oversized_head_is_refused(server: LocalServer) -> None:
    wire = b"GET /v1/models HTTP/1.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"
    assert b" 431 " in raw_exchange(server, wire).split(b"\r\n")[0]


def test_unknown_path_and_method(client: httpx.Client) -> None:
    missing = client.get("/no/such/thing")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_url"
    wrong = client.get("/chat/completions")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"


def test_client_closing_mid_response_does_not_hurt_the_server(server: LocalServer) -> None:
    body = json.dumps(chat_body(" ".join(["word"] * 200), stream=True)).encode()
    wire = f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n{AUTH}"
    wire += f"Content-Length: {len(body)}\r\nX-R9S-Fault: chunk_delay=0.01\r\n\r\n"
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(wire.encode() + body)
        sock.recv(100)
    assert http.get(server.root_url + "/").status_code == 200


def test_several_servers_at_once() -> None:
    with LocalServer() as one, LocalServer(api_key="sk-two") as two:
        assert one.port != two.port
        assert http.get(one.url + "/models", headers={"x-api-key": "any"}).status_code == 200
        assert http.get(two.url + "/models", headers={"x-api-key": "any"}).status_code == 401
        assert http.get(two.url + "/models", headers={"x-api-key": "sk-two"}).status_code == 200
        assert len(one.requests) == 1 and len(two.requests) == 2


def test_stop_closes_open_connections_and_joins_the_thread() -> None:
    server = LocalServer().start()
    outcome: list[BaseException] = []

    def hang() -> None:
        try:
            http.get(server.url + "/models", headers={"X-R9S-Fault": "delay=60"}, timeout=30)
        except BaseException as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=hang)
    waiter.start()
    while not server.requests:
        threading.Event().wait(0.01)
    server.stop()
    waiter.join(10)
    assert not waiter.is_alive()
    assert isinstance(outcome[0], httpx.TransportError)
    assert not any(t.name.startswith("r9s-local-server") for t in threading.enumerate())
    server.stop()  # idempotent
    with pytest.raises(httpx.ConnectError):
        http.get(server.url + "/models")


def test_a_taken_port_fails_start() -> None:
    with LocalServer() as first:
        with pytest.raises(OSError):
            LocalServer(port=first.port).start()


def test_restart_after_stop() -> None:
    server = LocalServer()
    with server:
        pass
    with server:
        assert http.get(server.root_url + "/").status_code == 200


def test_an_oversized_json_body_is_413_and_the_connection_survives(
    server: LocalServer, client: httpx.Client
) -> None:
    size = 64 * 1024 * 1024 + 1
    response = client.post(
        "/chat/completions", content=b"x" * size, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["status"] == 413
    seen = server.requests[-1]
    assert seen.body_size == size and len(seen.body) == 8 * 1024 * 1024 and seen.json is None
    assert client.post("/chat/completions", json=chat_body()).status_code == 200


def test_record_limit() -> None:
    with LocalServer(record_limit=10) as server:
        http.post(server.url + "/chat/completions", json=chat_body(), headers={"x-api-key": "k"})
        (seen,) = server.requests
        assert len(seen.body) == 10 and seen.body_size > 10 and seen.json is None
