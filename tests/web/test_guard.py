"""What every request must show: its own Host (no DNS rebinding), the token when there
is one, and for a change the page's header from its own origin."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from r9s.testing import LocalServer
from r9s.web.guard import Guard
from tests.web.conftest import CHANGE, WebServer, needs_the_web_extra

TOKEN = "t0ken-for-the-tests-only"


def test_a_request_naming_another_host_is_refused(web: WebServer) -> None:
    with web.http() as http:
        for host in (f"evil.example:{web.port}", "127.0.0.1", f"127.0.0.1:{web.port + 1}"):
            refused = http.get("/", headers={"Host": host})
            assert refused.status_code == 403, host
            assert "own address" in refused.text
        for host in (f"127.0.0.1:{web.port}", f"localhost:{web.port}", f"[::1]:{web.port}"):
            assert http.get("/api/config", headers={"Host": host}).status_code == 200, host


def test_a_change_needs_the_pages_header_from_its_own_origin(web: WebServer) -> None:
    body = {"panes": [{"model": "gpt-4o-mini"}], "prompt": "hi"}
    with web.http() as http:
        bare = http.post("/api/chat", json=body)
        elsewhere = http.post(
            "/api/chat", json=body, headers={**CHANGE, "Origin": "http://evil.example"}
        )
        deleted = http.delete("/api/conversations/x")
        same = http.post("/api/chat", json=body, headers={**CHANGE, "Origin": web.url})
    assert bare.status_code == elsewhere.status_code == deleted.status_code == 403
    assert "X-R9S-Web header" in bare.text
    assert same.status_code == 200


def test_answers_keep_the_page_to_itself(web: WebServer) -> None:
    with web.http() as http:
        page = http.get("/")
        config = http.get("/api/config")
        script = http.get("/static/app.js")
        missing = http.get("/static/../app.py")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "connect-src 'self'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert config.headers["cache-control"] == "no-store"
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert missing.status_code == 404


def test_with_a_token_every_request_shows_it(upstream: LocalServer, home: Path) -> None:
    needs_the_web_extra()
    server = WebServer(upstream, home, token=TOKEN)
    try:
        with server.http() as http:
            assert http.get("/").status_code == 401
            assert http.get("/api/config").status_code == 401
            assert http.get("/static/app.js").status_code == 401
            assert (
                http.get("/api/config", headers={"Authorization": "Bearer wrong"}).status_code
                == 401
            )
            ok = http.get("/api/config", headers={"Authorization": f"Bearer {TOKEN}"})
            assert ok.status_code == 200
            # the URL r9s web prints: the token becomes a cookie, the address drops it
            opened = http.get(f"/?token={TOKEN}")
            assert opened.status_code == 303 and opened.headers["location"] == "/"
            cookie = opened.headers["set-cookie"]
            assert cookie.startswith(f"r9s_web_{server.port}={TOKEN};")
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            assert http.get("/?token=wrong").status_code == 401
        with server.http(cookies={f"r9s_web_{server.port}": TOKEN}) as browser:
            assert browser.get("/").status_code == 200
            assert browser.get("/api/history").status_code == 200
        with server.http(cookies={f"r9s_web_{server.port}": "nope"}) as other:
            assert other.get("/").status_code == 401
    finally:
        server.stop()


def test_serving_off_loopback_needs_a_token() -> None:
    with pytest.raises(ValueError, match="needs a token"):
        Guard("0.0.0.0", 8780)
    guard = Guard("0.0.0.0", 8780, "secret")
    assert guard.host_allowed("192.168.1.20:8780")  # any name: the token is the lock
    assert Guard("127.0.0.1", 8780).host_allowed("localhost:8780")
    assert not Guard("127.0.0.1", 8780).host_allowed(None)


def test_the_token_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    from r9s.web import guard as module

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(module.hmac, "compare_digest", spy)
    guard = Guard("127.0.0.1", 1, "abc")
    assert guard.token_ok("abc") and not guard.token_ok("abd") and not guard.token_ok(None)
    assert calls == [(b"abc", b"abc"), (b"abd", b"abc")]


def test_a_preflight_is_never_granted(web: WebServer) -> None:
    with httpx.Client(base_url=web.url) as http:
        answer = http.options(
            "/api/chat",
            headers={
                "Origin": "http://evil.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-r9s-web",
            },  # fmt: skip
        )
    assert answer.status_code == 403
    assert "access-control-allow-origin" not in answer.headers


def test_no_file_outside_the_pages_folder_is_served(web: WebServer) -> None:
    import socket

    for target in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fguard.py"):
        with socket.create_connection(("127.0.0.1", web.port), timeout=10) as conn:
            conn.sendall(
                f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{web.port}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 404 "), (target, answer[:200])
        assert b"import" not in answer
