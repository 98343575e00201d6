"""HTTPS through the clients r9s makes: servers are verified against what httpx trusts
(``SSL_CERT_FILE`` included), with one TLS context a process, read on a background
thread (``r9s._tls``). The server is a real TLS server on 127.0.0.1 with a certificate
from a throwaway CA (trustme)."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest
import trustme

from r9s import R9S, _tls, errors

KEY = "sk-tls-0123456789abcdef"


class _Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        body = json.dumps({"object": "list", "data": [{"id": "tls-model", "object": "model"}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def https_url(ca: trustme.CA) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _ids(url: str, transport: str) -> list[str]:
    """The model ids, listed sync and async (on ``transport``), by one new client."""

    async def listed_async(client: R9S) -> list[str]:
        return [model.id for model in (await client.models.list_async()).data]

    with R9S(api_key=KEY, server_url=url, async_transport=transport) as client:  # type: ignore[arg-type]
        listed = [model.id for model in client.models.list().data]
        assert asyncio.run(listed_async(client)) == listed
        return listed


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_a_server_is_trusted_exactly_when_the_environment_trusts_its_ca(
    https_url: str, ca_file: Path, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    assert _ids(https_url, transport) == ["tls-model"]
    monkeypatch.delenv("SSL_CERT_FILE")  # certifi's bundle: the throwaway CA is not in it
    with pytest.raises(errors.APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        _ids(https_url, transport)


def test_every_client_r9s_makes_shares_one_context_built_once(
    https_url: str, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[threading.Thread] = []
    create = httpx.create_ssl_context

    def counting(verify: Any = True, *args: Any, **kwargs: Any) -> ssl.SSLContext:
        if verify is True:
            built.append(threading.current_thread())
        return create(verify, *args, **kwargs)

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    monkeypatch.setenv("SSL_CERT_DIR", "a new setting, so a new context")
    for transport in ("aiohttp", "httpx", "aiohttp"):
        assert _ids(https_url, transport) == ["tls-model"]
    assert len(built) == 1  # three R9S, each with a sync and an async client
    assert built[0] is not threading.main_thread()  # read on the background thread


def test_a_certificate_file_that_cannot_be_read_fails_as_it_does_in_httpx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(OSError) as plain:
        httpx.Client()
    with R9S(api_key=KEY, server_url="https://127.0.0.1:9/v1") as client:
        with pytest.raises(type(plain.value)):
            client.http_client  # noqa: B018 - made on first use


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_during_a_build_builds_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # A build the parent's thread was running when the process forked never ends in the
    # child: waiting for it there would hang the child's first call.
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    monkeypatch.setenv("SSL_CERT_DIR", "")
    unfinished = _tls._Build(_tls._key())
    monkeypatch.setattr(_tls, "_build", unfinished)
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if it got a context of its own
        try:
            os._exit(0 if isinstance(_tls.context(), ssl.SSLContext) else 1)
        finally:
            os._exit(2)
    for _ in range(200):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        threading.Event().wait(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child waited for its parent's build")
    assert os.waitstatus_to_exitcode(status) == 0
    assert not unfinished.done.is_set()  # the parent's own build is untouched


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_program_that_ends_during_a_build_waits_for_it(ca: trustme.CA, tmp_path: Path) -> None:
    # Python tears down a daemon thread's world under it when the program ends: a build
    # still in OpenSSL then crashed about one `r9s batch run` in thirty that failed at
    # once (exit -11). The program must wait for the build, which a FIFO holds open here.
    fifo = tmp_path / "ca.pem"
    os.mkfifo(fifo)
    program = (
        "from r9s import R9S\n"
        f"R9S(api_key={KEY!r}, server_url='https://127.0.0.1:9/v1')\n"
        "print('made', flush=True)\n"
    )
    env = {**os.environ, "SSL_CERT_FILE": str(fifo), "SSL_CERT_DIR": ""}
    with subprocess.Popen(
        [sys.executable, "-c", program], env=env, stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None and process.stdout.readline() == "made\n"
            with pytest.raises(subprocess.TimeoutExpired):
                process.wait(timeout=0.5)  # the build is still reading the FIFO
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO if no one reads it
            with os.fdopen(writer, "wb") as certificates:
                certificates.write(ca.cert_pem.bytes())
            assert process.wait(timeout=30) == 0
        finally:
            process.kill()
