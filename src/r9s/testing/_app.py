"""The request pipeline: record, pick a fault, authenticate, route, answer.

Paths under ``/__r9s/`` are the server's own (admin endpoints and generated images):
they are never recorded, faulted or authenticated.

The server's loop only moves bytes: a request whose body is in memory (all but
uploads, which stream) is answered on a worker thread, so one large request (a
thousand embeddings, a megabyte of prompt) does not hold every other client up.
Handlers never wait for I/O once the body is in memory: they run to their end at once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import traceback
from collections.abc import Callable, Coroutine, Iterable
from typing import Any
from urllib.parse import quote

from r9s._config import mask_key
from r9s.testing import _anthropic, _audio, _gemini, _images, _models, _openai, _responses
from r9s.testing._errors import ApiError, Family, error_response
from r9s.testing._faults import (
    FAULT_HEADER,
    PROBE_HEADER,
    Fault,
    FaultBook,
    body_response,
    malformed_json_response,
    status_response,
    stream_response,
)
from r9s.testing._http import Request, Response
from r9s.testing._models import ModelCatalog
from r9s.testing._ratelimit import RateLimit, RateLimiter, estimate_tokens
from r9s.testing._records import RecordedRequest, api_key_of, record
from r9s.testing._routing import Call, Reply, Route, json_response
from r9s.testing._sse import SSEReply

INTERNAL_PREFIX = "/__r9s/"
MAX_BUFFERED_BODY = 64 * 1024 * 1024  # JSON bodies are held in memory; uploads stream
OFF_LOOP_BODY = 64 * 1024
"""A body larger than this is parsed (for the record) on a worker thread."""


def _complete(answer: Coroutine[Any, Any, Reply]) -> Reply:
    """Run a handler whose request body is in memory to its end, on this thread: such a
    handler never waits (its ``await``s of the body complete at once)."""
    try:
        answer.send(None)
    except StopIteration as done:
        reply: Reply = done.value
        return reply
    answer.close()
    raise RuntimeError("a handler waited for I/O with its request body in memory")


async def root(call: Call) -> Reply:
    # Claude Code sends `HEAD /` to warm up the connection: any 200 will do.
    return json_response(
        {"name": "r9s local server", "base_url": f"{call.root_url}/v1", "docs": "r9s.testing"}
    )


async def proxy(call: Call) -> Reply:
    """``/nextrouter/proxy/{channel}/{target...}``: serve ``/v1/{target}`` locally, else echo."""
    target = call.params["target"].lstrip("/")
    found = call.app.route_for(call.request.method, quote(f"/v1/{target}", safe="/:"))
    if found is not None and found[0].handler is not proxy:
        route, params = found
        return await route.handler(Call(call.request, params, call.app, route.family))
    raw = await call.request.body.read_all()
    try:
        parsed = json.loads(raw) if raw.strip() else None
    except ValueError:
        parsed = None
    return json_response(
        {
            "object": "proxy.echo",
            "channel_id": call.params["channelid"],
            "target": target,
            "method": call.request.method,
            "query": call.query,
            "json": parsed,
            "body_size": len(raw),
        }
    )


async def admin_requests(call: Call) -> Reply:
    if call.request.method == "DELETE":
        return json_response({"cleared": call.app.clear_requests()})
    return json_response({"requests": [r.to_dict() for r in call.app.recorded()]})


async def admin_faults(call: Call) -> Reply:
    book = call.app.faults
    if call.request.method == "DELETE":
        book.clear()
        return json_response({"faults": []})
    if call.request.method == "POST":
        body = await call.json()
        spec, times, path = body.get("spec"), body.get("times"), body.get("path")
        if not isinstance(spec, str) or not (times is None or isinstance(times, int)):
            raise ApiError(400, "Expected {'spec': str, 'times': int, 'path': str}.", param="spec")
        try:
            book.inject(spec, times, path if isinstance(path, str) else None)
        except ValueError as exc:
            raise ApiError(400, str(exc), param="spec") from None
        return json_response({"faults": book.pending()}, status=201)
    return json_response({"faults": book.pending()})


async def admin_reset(call: Call) -> Reply:
    call.app.clear()
    return json_response({"reset": True})


async def admin_health(call: Call) -> Reply:
    return json_response({"ok": True})


async def admin_rate_limit(call: Call) -> Reply:
    """``GET``: the limits and how many requests they allowed and refused; ``DELETE``
    resets the counts."""
    limiter = call.app.rate_limiter
    if limiter is None:
        return json_response({"rpm": None, "tpm": None, "allowed": 0, "limited": 0})
    if call.request.method == "DELETE":
        limiter.reset_counts()
    return json_response(limiter.stats())


def _routes() -> list[Route]:
    routes = [
        Route("GET", "/", root, auth=False),
        Route("GET", "/v1", root, auth=False),
        *_models.ROUTES,
        *_openai.ROUTES,
        *_responses.ROUTES,
        *_anthropic.ROUTES,
        *_images.ROUTES,
        *_audio.ROUTES,
        *_gemini.ROUTES,
        Route("GET", "/__r9s/health", admin_health, auth=False),
        Route("POST", "/__r9s/reset", admin_reset, auth=False),
    ]
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        routes.append(Route(method, "/v1/nextrouter/proxy/{channelid}/{target*}", proxy))
    for method in ("GET", "DELETE"):
        routes.append(Route(method, "/__r9s/requests", admin_requests, auth=False))
    for method in ("GET", "POST", "DELETE"):
        routes.append(Route(method, "/__r9s/faults", admin_faults, auth=False))
    for method in ("GET", "DELETE"):
        routes.append(Route(method, "/__r9s/rate-limit", admin_rate_limit, auth=False))
    return routes


ROUTES = _routes()


def family_of(path: str) -> Family:
    if path.startswith("/v1beta/"):
        return "google"
    if path.startswith("/v1/messages"):
        return "anthropic"
    return "openai"


class App:
    """State and request handling of one server (runs on its event loop thread)."""

    def __init__(
        self,
        *,
        api_keys: Iterable[str] | None,
        models: ModelCatalog,
        log: Callable[[str], None] | None = None,
        max_records: int = 10_000,
        probe_delay: float = 0.0,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.api_keys = None if api_keys is None else frozenset(api_keys)
        self.models = models
        self.probe_delay = probe_delay
        self.faults = FaultBook()
        self.rate_limiter = RateLimiter(rate_limit) if rate_limit is not None else None
        self.root_url = ""
        self._log = log
        self._max_records = max_records
        self._records: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # -- state shared with the test thread ---------------------------------------------

    def recorded(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def clear_requests(self) -> int:
        with self._lock:
            count = len(self._records)
            self._records.clear()
            return count

    def clear(self) -> None:
        self.clear_requests()
        self.faults.clear()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}local{next(self._ids):012d}"

    def _record(self, request: Request) -> RecordedRequest:
        entry = record(request)
        with self._lock:
            self._records.append(entry)
            del self._records[: max(0, len(self._records) - self._max_records)]
        return entry

    # -- routing -----------------------------------------------------------------------

    def route_for(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        method = "GET" if method == "HEAD" else method
        for route in ROUTES:
            if route.method == method:
                params = route.match(path)
                if params is not None:
                    return route, params
        return None

    # -- the pipeline ------------------------------------------------------------------

    async def handle(self, request: Request) -> Response | None:
        started = time.monotonic()
        response = await self._handle(request)
        if self._log is not None:
            status = "dropped" if response is None else str(response.status)
            elapsed = (time.monotonic() - started) * 1000
            self._log(f"{request.method} {request.head.target} -> {status} ({elapsed:.0f} ms)")
        return response

    async def _handle(self, request: Request) -> Response | None:
        found = self.route_for(request.method, request.path)
        family = found[0].family if found else family_of(request.path)
        if request.path.startswith(INTERNAL_PREFIX):
            reply = await self._dispatch(request, found, family)
            await request.body.drain()
            return reply if isinstance(reply, Response) else stream_response(reply, None)
        # Record on arrival, so that a request the server never answers (delay=...) still
        # shows up; multipart uploads may be huge and are recorded once streamed through.
        uploads = (request.header("content-type") or "").lower().startswith("multipart/")
        entry: RecordedRequest | None = None
        if not uploads:
            fits = await request.body.preload(MAX_BUFFERED_BODY)
            if request.body.size > OFF_LOOP_BODY:  # parsing it for the record takes a while
                entry = await asyncio.to_thread(self._record, request)
            else:
                entry = self._record(request)
            if not fits:
                limit = f"{MAX_BUFFERED_BODY // 1024**2} MiB"
                return error_response(family, ApiError(413, f"Request body over {limit}."))
        extra_headers: list[tuple[str, str]] = []

        fault: Fault | None = None

        async def finish(response: Response | None) -> Response | None:
            if response is not None and fault is not None and fault.request_id:
                named = (fault.request_id, self.new_id("req_"))
                response = Response(response.status, [*response.headers, named], response.body)
            await request.body.drain()
            if uploads:
                self._record(request)
            if response is not None:
                response.headers.extend(extra_headers)
            return response

        if self.rate_limiter is not None:
            size = request.body.size
            verdict = self.rate_limiter.check(estimate_tokens(size, entry.json if entry else None))
            extra_headers += verdict.headers
            if not verdict.allowed:
                message = self.rate_limiter.message(verdict)
                error = ApiError(429, message, code="rate_limit_exceeded")
                return await finish(error_response(family, error))

        try:
            fault = self._fault_for(request)
        except ValueError as exc:
            error = ApiError(400, f"Invalid {FAULT_HEADER} header: {exc}", param=FAULT_HEADER)
            return await finish(error_response(family, error))
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.drop == "before_headers":
                return await finish(None)
            if fault.status is not None:
                return await finish(status_response(fault, family))
            if fault.malformed == "json":
                return await finish(malformed_json_response())
        reply = await self._dispatch(request, found, family, fault)
        if isinstance(reply, SSEReply):
            probe = self.probe_delay if request.header(PROBE_HEADER) is not None else None
            return await finish(stream_response(reply, fault, probe))
        return await finish(body_response(reply, fault))

    def _fault_for(self, request: Request) -> Fault | None:
        header = request.header(FAULT_HEADER)
        if header is not None:
            return self.faults.from_header(header)
        return self.faults.take_queued(request.path)

    async def _dispatch(
        self,
        request: Request,
        found: tuple[Route, dict[str, str]] | None,
        family: Family,
        fault: Fault | None = None,
    ) -> Reply:
        if found is None:
            return self._not_found(request, family)
        route, params = found
        try:
            if route.auth:
                self._authenticate(request, family)
            answer = route.handler(Call(request, params, self, route.family, fault=fault))
            if request.body.in_memory:
                return await asyncio.to_thread(_complete, answer)
            return await answer
        except ApiError as error:
            return error_response(family, error)
        except Exception as exc:  # a bug here must show up in the test, not hang it
            traceback.print_exc()
            return error_response(family, ApiError(500, f"The local r9s server failed: {exc!r}"))

    def _not_found(self, request: Request, family: Family) -> Response:
        path = request.path
        allowed = sorted({route.method for route in ROUTES if route.match(path) is not None})
        if allowed:
            message = f"Method {request.method} is not allowed for {path}."
            error = ApiError(405, message, code="method_not_allowed")
            return error_response(family, error, [("allow", ", ".join(allowed))])
        message = f"Unknown request URL: {request.method} {path}."
        return error_response(family, ApiError(404, message, code="unknown_url"))

    def _authenticate(self, request: Request, family: Family) -> None:
        key = api_key_of(request)
        if key is None:
            message = {
                "anthropic": "x-api-key header is required",
                "google": "Method doesn't allow unregistered callers. Please use an API key.",
            }.get(
                family,
                "You didn't provide an API key. You need to provide your API key in an"
                " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
            raise ApiError(401, message, code="missing_api_key")
        if self.api_keys is not None and key not in self.api_keys:
            raise ApiError(
                401, f"Incorrect API key provided: {mask_key(key)}.", code="invalid_api_key"
            )
