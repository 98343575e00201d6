"""``r9s web`` as a person runs it: a real process, its printed URL, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from r9s.cli.common.log import Log, log_path
from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S, r9s, user_env
from tests.support.processes import stop
from tests.web.conftest import CHANGE, needs_the_web_extra


class Running:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.base = url.split("?", 1)[0].rstrip("/")
        self.port = int(self.base.rsplit(":", 1)[1])


@contextmanager
def web_process(
    home: Path, upstream: LocalServer, *args: str, env: dict[str, str] | None = None
) -> Iterator[Running]:
    needs_the_web_extra()
    environment = user_env(home, {"R9S_BASE_URL": upstream.url, "R9S_API_KEY": KEY, **(env or {})})
    process = subprocess.Popen(
        [*R9S, "web", "--no-open", "--port", "0", *args],
        env=environment,
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = _first_line(process)
        assert line.startswith("r9s web: http://127.0.0.1:"), line
        yield Running(process, line.split(": ", 1)[1].strip())
    finally:
        stop(process)  # type: ignore[arg-type]
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()


def _first_line(process: subprocess.Popen[str], timeout: float = 30) -> str:
    found: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: found.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not found:
        raise AssertionError(f"r9s web printed nothing within {timeout} s")
    return found[0]


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_ctrl_c_stops_it_cleanly(home: Path, upstream: LocalServer) -> None:
    with web_process(home, upstream) as web:
        page = httpx.get(web.base + "/", timeout=10)
        assert page.status_code == 200 and "<title>r9s web</title>" in page.text
        os.kill(web.process.pid, signal.SIGINT)
        code = web.process.wait(timeout=15)
        assert web.process.stderr is not None
        errors = web.process.stderr.read()
    assert code == 0, errors
    assert errors.strip() == "r9s web stopped."
    assert port_is_closed(web.port)


def test_ctrl_c_in_the_middle_of_an_answer_keeps_what_came(
    home: Path, upstream: LocalServer
) -> None:
    upstream.inject("chunk_delay=0.2", times=1, path="/v1/chat/completions")
    words = " ".join(f"w{n}" for n in range(100))
    body = {"panes": [{"model": "gpt-4o-mini"}], "prompt": words}
    with web_process(home, upstream) as web:
        deltas = 0
        with (
            httpx.Client(timeout=30) as http,
            http.stream("POST", web.base + "/api/chat", json=body, headers=CHANGE) as answer,
        ):
            lines = answer.iter_lines()
            for line in lines:
                if line.startswith("data: ") and json.loads(line[6:])["type"] == "delta":
                    deltas += 1
                    if deltas == 3:
                        os.kill(web.process.pid, signal.SIGINT)
                        break
            rest = list(lines)  # the server ends the stream as it stops
        code = web.process.wait(timeout=15)
        assert web.process.stderr is not None
        errors = web.process.stderr.read()
    assert code == 0 and "Traceback" not in errors, errors
    assert not any('"type": "done"' in line for line in rest)
    assert '"type": "stopped"' in "".join(rest)  # the page is told, the stream ends whole
    with Log.open(log_path(home)) as log:
        (conversation,) = log.conversations()
        (exchange,) = log.exchanges_of(conversation.id)
    assert exchange.interrupted and exchange.response and exchange.response.startswith("Echo: w0")


def test_sigterm_stops_it_too(home: Path, upstream: LocalServer) -> None:
    with web_process(home, upstream) as web:
        assert httpx.get(web.base + "/api/config", timeout=10).status_code == 200
        web.process.send_signal(signal.SIGTERM)
        assert web.process.wait(timeout=15) == 0


def test_a_token_from_the_environment_guards_every_request(
    home: Path, upstream: LocalServer
) -> None:
    with web_process(home, upstream, "--token", env={"R9S_WEB_TOKEN": "from-env-123"}) as web:
        assert web.url == f"{web.base}/?token=from-env-123"
        assert httpx.get(web.base + "/", timeout=10).status_code == 401
        opened = httpx.get(web.url, timeout=10)
        assert opened.status_code == 303 and "r9s_web_" in opened.headers["set-cookie"]


def test_a_new_token_is_made_when_none_is_given(home: Path, upstream: LocalServer) -> None:
    with web_process(home, upstream, "--token") as web:
        token = web.url.split("?token=", 1)[1]
        assert len(token) >= 24
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(web.base + "/api/config", headers=headers, timeout=10).status_code == 200


def test_the_network_needs_a_token(home: Path) -> None:
    done = r9s(
        home, "web", "--host", "0.0.0.0", "--no-open", env=user_env(home, {"R9S_API_KEY": KEY})
    )
    assert done.returncode == 2
    assert done.stderr == (
        "r9s: error: --host 0.0.0.0 serves to the network: add --token (a new one is made "
        "if you give none)\n"
    )


def test_without_the_web_extra_it_says_how_to_get_it(home: Path) -> None:
    probe = (
        "import sys\nsys.modules['starlette'] = None\n"
        "from r9s.cli.main import main\nsys.exit(main(['web', '--no-open']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=user_env(home, {"R9S_API_KEY": KEY}),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "r9s: error: r9s web needs the web extra: pip install 'r9s[web]' (starlette is missing)\n"
    )


def test_without_a_key_it_says_so_like_every_command(home: Path) -> None:
    done = r9s(home, "web", "--no-open")
    assert done.returncode == 1
    assert "no API key: run `r9s login`" in done.stderr and len(done.stderr.splitlines()) == 1


def test_a_port_in_use_is_one_line(home: Path, upstream: LocalServer) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = user_env(home, {"R9S_API_KEY": KEY, "R9S_BASE_URL": upstream.url})
        done = r9s(home, "web", "--no-open", "--port", str(port), env=env)
    assert done.returncode == 2
    assert done.stderr == (
        f"r9s: error: 127.0.0.1:{port} is in use: pick another --port (0: any free one)\n"
    )


def test_it_starts_quickly_enough_to_measure(home: Path, upstream: LocalServer) -> None:
    # not a timing assertion (benchmarks/ measures it): the page is served once printed
    started = time.monotonic()
    with web_process(home, upstream) as web:
        assert httpx.get(web.base + "/", timeout=10).status_code == 200
    assert time.monotonic() - started < 60
