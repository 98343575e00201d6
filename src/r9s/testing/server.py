"""``LocalServer``: the r9s-compatible server on a background thread with its own event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from types import TracebackType

from r9s.testing._app import App
from r9s.testing._http import HEADER_TIMEOUT, IDLE_TIMEOUT, HTTPServer
from r9s.testing._models import ModelCatalog
from r9s.testing._ratelimit import RateLimit, RateLimitStats
from r9s.testing._records import RecordedRequest

STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 30.0


class LocalServer:
    """A local, offline, deterministic r9s-compatible server for tests and demos.

    ``api_key=None`` accepts any non-empty key; a string or a list accepts only those.
    ``port=0`` picks a free port. ``models`` replaces the default model list. ``log``
    receives one line per request. Bodies are recorded up to ``record_limit`` bytes each.
    A stream asked for with the router's ``X-NextRouter-SSE-Probe`` header starts with
    the comment ``: R9S PROCESSING``, ``probe_delay`` seconds after its headers.
    A request head must arrive within ``header_timeout`` seconds of its first byte, and
    a connection idle (no request, or a body stalled) for ``idle_timeout`` is closed
    (``None``: no limit). Clients are served independently of one another.
    ``rate_limit`` (``"RPM"`` or ``"RPM,TPM"``, or a ``RateLimit``) answers requests over
    it with 429 and ``Retry-After``; ``rate_limit_stats`` counts what it allowed and refused.

    >>> with LocalServer() as server:
    ...     base_url = server.url  # "http://127.0.0.1:PORT/v1"
    """

    def __init__(
        self,
        api_key: str | Iterable[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        models: Iterable[str] | None = None,
        log: Callable[[str], None] | None = None,
        record_limit: int = 8 * 1024 * 1024,
        probe_delay: float = 0.0,
        rate_limit: str | RateLimit | None = None,
        header_timeout: float | None = HEADER_TIMEOUT,
        idle_timeout: float | None = IDLE_TIMEOUT,
    ) -> None:
        keys = [api_key] if isinstance(api_key, str) else api_key
        limit = RateLimit.parse(rate_limit) if isinstance(rate_limit, str) else rate_limit
        self._app = App(
            api_keys=keys,
            models=ModelCatalog(models),
            log=log,
            probe_delay=probe_delay,
            rate_limit=limit,
        )
        self._http = HTTPServer(
            self._app.handle,
            record_limit=record_limit,
            header_timeout=header_timeout,
            idle_timeout=idle_timeout,
        )
        self._bind = (host, port)
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- addresses ---------------------------------------------------------------------

    @property
    def root_url(self) -> str:
        """``http://HOST:PORT``: the base for Anthropic- and Gemini-style clients."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """``http://HOST:PORT/v1``: the base URL for the r9s SDK and OpenAI-style clients."""
        return f"{self.root_url}/v1"

    # -- what tests look at ------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far (a snapshot), oldest first."""
        return self._app.recorded()

    @property
    def models(self) -> tuple[str, ...]:
        return self._app.models.ids

    @property
    def stats(self) -> dict[str, int]:
        """``connections``: TCP connections open now; what streamed answers did: ``open``
        (being written now), ``pieces`` (events written so far), ``abandoned`` (stopped
        because their client had gone)."""
        stats = self._http.stats
        return {
            "connections": self._http.connection_count,
            "open": stats.open,
            "pieces": stats.pieces,
            "abandoned": stats.abandoned,
        }

    @property
    def rate_limit_stats(self) -> RateLimitStats:
        """``{"rpm", "tpm", "allowed", "limited"}``: the limits and the requests they let
        through and refused with 429 (zeros without a ``rate_limit``)."""
        limiter = self._app.rate_limiter
        if limiter is None:
            return {"rpm": None, "tpm": None, "allowed": 0, "limited": 0}
        return limiter.stats()

    def inject(self, spec: str, times: int | None = None, path: str | None = None) -> None:
        """Queue a fault for the next ``times`` requests (default 1, or the spec's ``times``).

        ``path`` limits it to requests for that path (``/v1/chat/completions``; a trailing
        ``*`` matches a prefix). Raises ``ValueError`` for a malformed spec.
        """
        self._app.faults.inject(spec, times, path)

    def clear(self) -> None:
        """Forget recorded requests, queued faults and the header-fault counters."""
        self._app.clear()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> LocalServer:
        """Bind and serve on a background thread; returns once requests can be sent."""
        if self._thread is not None:
            raise RuntimeError("LocalServer is already started")
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run,
            args=(ready, failure),
            name=f"r9s-local-server-{id(self):x}",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(STARTUP_TIMEOUT):
            raise RuntimeError("LocalServer did not start in time")
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            try:
                self.host, self.port = loop.run_until_complete(self._http.start(*self._bind))
            except BaseException as exc:
                failure.append(exc)
                return
            self._app.root_url = self.root_url
            ready.set()
            loop.run_forever()
        finally:
            ready.set()
            _cancel_leftovers(loop)
            loop.close()

    def stop(self) -> None:
        """Close every connection, stop the loop and join the thread (idempotent)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._http.close(), loop)
            try:
                future.result(SHUTDOWN_TIMEOUT)
            finally:
                loop.call_soon_threadsafe(loop.stop)
        thread.join(SHUTDOWN_TIMEOUT)
        self._thread = self._loop = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread is not None else "stopped"
        return f"<LocalServer {self.url} {state}>"


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
