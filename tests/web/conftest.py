"""``r9s web`` served for a test: the app on its own small server, on a thread of this
process (so a test can look at what it holds: its running tasks, its log), in front of
the local r9s server, with a throwaway HOME for the log."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from r9s.testing import LocalServer
from tests.support.cli import DEFAULT_MODELS, KEY


def needs_the_web_extra() -> None:
    """Skip (in CI: fail) where the web extra is not installed."""
    import importlib.util

    from tests.support.ci import unavailable

    if importlib.util.find_spec("starlette") is None:
        unavailable("the web extra is not installed: pip install -e '.[web]' (make venv does)")


WEB_MODELS = (*DEFAULT_MODELS, "gpt-image-1", "dall-e-2", "tts-1", "gpt-4o-mini-transcribe")


class WebServer:
    """``r9s web`` on 127.0.0.1 (a free port) for ``upstream``, logging into ``home``."""

    def __init__(
        self, upstream: LocalServer, home: Path, *, key: str = KEY, token: str | None = None
    ) -> None:
        from r9s.cli.common.api import Connection
        from r9s.web.app import create_app
        from r9s.web.guard import Guard
        from r9s.web.serve import bind
        from r9s.web.server import Server

        self.home = home
        self.key = key
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        conn = Connection(upstream.url, "test", key, "test")
        self.app: Any = create_app(conn, Guard("127.0.0.1", self.port, token), home=home)
        self.sent: list[bytes] = []  # every byte the page was sent
        self.server = Server(
            self._recording, self.sock, grace=1.0, on_stop=self.app.state.stopping.set
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop: asyncio.AbstractEventLoop | None = None
        ready = threading.Event()

        def run() -> None:
            async def main() -> None:
                self._loop = asyncio.get_running_loop()
                await self.server.serve(ready.set)

            asyncio.run(main())

        self._thread = threading.Thread(target=run, name="r9s-web-test", daemon=True)
        self._thread.start()
        assert ready.wait(30), "r9s web did not start"

    async def _recording(self, scope: Any, receive: Any, send: Any) -> None:
        async def recorded(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.sent.append(repr(message.get("headers", [])).encode())
            elif message["type"] == "http.response.body":
                self.sent.append(bytes(message.get("body", b"")))
            await send(message)

        await self.app(scope, receive, recorded)

    @property
    def state(self) -> Any:
        """The app's state: its running tasks, its log."""
        return self.app.state

    def running(self) -> int:
        """How many tasks (answers streaming, their clean-up) the app still runs."""
        return sum(1 for task in list(self.state.tasks) if not task.done())

    def http(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def stop(self) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.server.stop)
        self._thread.join(30)
        self.sock.close()


@pytest.fixture
def upstream() -> Iterator[LocalServer]:
    """The local r9s server, accepting only ``KEY``."""
    with LocalServer(api_key=KEY, models=WEB_MODELS) as server:
        yield server


@pytest.fixture
def web(upstream: LocalServer, home: Path) -> Iterator[WebServer]:
    needs_the_web_extra()
    server = WebServer(upstream, home)
    try:
        yield server
    finally:
        server.stop()


CHANGE = {"X-R9S-Web": "1"}


def events_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The events of an ask's answer (server-sent ``data:`` lines of JSON)."""
    import json

    return [
        json.loads(line[len("data: ") :])
        for line in response.text.splitlines()
        if line.startswith("data: ")
    ]


def ask(client: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    """Send an ask (``models`` for its panes) and read all its events."""
    models = body.pop("models", ["gpt-4o-mini"])
    conversations = body.pop("conversations", [None] * len(models))
    body["panes"] = [
        {"model": model, "conversation": ident}
        for model, ident in zip(models, conversations, strict=True)
    ]
    response = client.post("/api/chat", json=body, headers=CHANGE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return events_of(response)
