"""``r9s mock`` as a real subprocess: start, serve, log, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.server.conftest import http
from tests.support.processes import free_port

STARTUP = 30.0


@contextmanager
def mock(*args: str) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """Run ``r9s mock ARGS``; yields the process, the base URL and the banner it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "r9s.cli", "mock", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], STARTUP)
        assert ready, "r9s mock printed nothing"
        banner = [process.stdout.readline()]
        assert banner[0].startswith("r9s local server listening on http://127.0.0.1:"), banner
        while not banner[-1].startswith("Press Ctrl-C"):
            banner.append(process.stdout.readline())
        yield process, banner[0].split()[-1], "".join(banner)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=STARTUP)


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str, str]:
    process.send_signal(signum)
    out, err = process.communicate(timeout=STARTUP)
    return process.returncode, out, err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serves_then_exits_cleanly(signum: int) -> None:
    with mock("--port", "0", "--api-key", "sk-cli-key") as (process, url, banner):
        assert http.get(url + "/models", headers={"x-api-key": "sk-cli-key"}).status_code == 200
        assert http.get(url + "/models", headers={"x-api-key": "other"}).status_code == 401
        code, _, err = stop(process, signum)
    assert code == 0
    assert f"export R9S_BASE_URL={url} R9S_API_KEY=sk-cli-key" in banner
    log = [line for line in err.splitlines() if line.startswith("GET ")]
    assert [line.split(" -> ")[1].split()[0] for line in log] == ["200", "401"]
    assert "Traceback" not in err


def test_quiet_port_and_admin_endpoints() -> None:
    port = free_port()
    with mock("--port", str(port), "--quiet") as (process, url, _):
        assert url == f"http://127.0.0.1:{port}/v1"
        root = url.removesuffix("/v1")
        http.post(root + "/__r9s/faults", json={"spec": "status=503", "times": 1})
        headers = {"authorization": "Bearer anything"}
        assert http.get(url + "/models", headers=headers).status_code == 503
        assert http.get(url + "/models", headers=headers).status_code == 200
        recorded = http.get(root + "/__r9s/requests").json()["requests"]
        assert [r["path"] for r in recorded] == ["/v1/models", "/v1/models"]
        code, _, err = stop(process, signal.SIGTERM)
    assert code == 0 and "GET " not in err


def test_a_busy_port_is_a_one_line_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "r9s.cli", "mock", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=STARTUP,
        )
    assert result.returncode == 1
    assert result.stderr.startswith("r9s: error:") and len(result.stderr.splitlines()) == 1
