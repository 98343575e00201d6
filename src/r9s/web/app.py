"""The ASGI app of ``r9s web``: the page (``static/``), its JSON API under ``/api/``,
and the event stream of each ask (:mod:`.runs`), behind the :mod:`.guard`.

======================================  ==============================================
``GET /``, ``GET /static/...``          the page (hand-written HTML, CSS and JS)
``GET /api/config``                     where it is connected (never the key), defaults
``GET /api/models``                     the router's models, with what each is for
``POST /api/chat``                      an ask: server-sent events, one pane per model
``GET /api/history?q=``                 conversations, newest first, or found by words
``GET|DELETE /api/conversations/ID``    one (a comparison: all its members); remove
``POST /api/pick``                      the best answer of a comparison's round
``POST /api/images/generate|edit``      images as ``data:`` URLs
``POST /api/audio/speech|transcribe``   audio, or the text of a recording
======================================  ==============================================

Errors are JSON ``{"error": "one line"}``: 400 for a request the page should not have
sent, 502 for the router's refusal or failure (its message, never a traceback).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from r9s.web.guard import ASGIApp, Guard, GuardMiddleware
from r9s.web.history import History
from r9s.web.runs import (
    SHUTDOWN_GRACE,
    BadAsk,
    EventStream,
    Run,
    notices,
    parse_ask,
    read_at_most,
)

if TYPE_CHECKING:
    from r9s.cli.common.api import Connection, ModelInfo
    from r9s.client import R9S

STATIC = Path(__file__).parent / "static"
MAX_BODY = 120 * 1024 * 1024  # attachments come as base64 inside the JSON
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
IMAGE_MODELS = re.compile(r"dall-e|image|imagen|flux|midjourney|stable-diffusion|sdxl", re.I)
SPEECH_MODELS = re.compile(r"tts|speech", re.I)
TRANSCRIBE_MODELS = re.compile(r"whisper|transcri", re.I)


@dataclass
class WebState:
    """What every handler shares: the connection (key included, never sent), the SDK
    client, the log, the running tasks and the model list once fetched."""

    conn: Connection
    client: R9S
    history: History
    default_model: str
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    models: list[dict[str, Any]] | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # the server stops
    warm: threading.Event = field(default_factory=threading.Event)  # see runs.warm_up


ENDPOINT_KINDS = (
    ("image", "/images/"),
    ("speech", "/audio/speech"),
    ("transcribe", "/audio/transcriptions"),
)


def kinds_of(model: ModelInfo) -> list[str]:
    """What a model is for, from the endpoints or modality the router lists, else its
    name: ``chat``, ``image``, ``speech``, ``transcribe``."""
    from r9s.cli.common.api import is_chat_model

    endpoints = [str(path) for path in model.extra.get("endpoints") or []]
    inputs, _, output = str(model.extra.get("modality") or "").partition("->")
    kinds = ["chat"] if is_chat_model(model) and inputs != "audio" else []
    if endpoints:
        kinds += [kind for kind, path in ENDPOINT_KINDS if any(path in e for e in endpoints)]
    elif output:
        if output.startswith("image"):
            kinds.append("image")
        if output.startswith("audio"):
            kinds.append("speech")
        if inputs == "audio" and output.startswith("text"):
            kinds.append("transcribe")
    else:
        names = (
            ("image", IMAGE_MODELS),
            ("speech", SPEECH_MODELS),
            ("transcribe", TRANSCRIBE_MODELS),
        )
        kinds += [kind for kind, pattern in names if pattern.search(model.id)]
    return kinds


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise BadAsk(f"the request is larger than {MAX_BODY // 2**20} MB")
    data = await read_at_most(request.stream(), MAX_BODY, "the request")
    try:
        return json.loads(data or b"null")
    except ValueError:
        raise BadAsk("the request is not JSON") from None


Handler = Callable[[Request], Awaitable[Response]]


def _answering(state: WebState, handler: Callable[[Request], Awaitable[Response]]) -> Handler:
    """``handler`` with its failures as one-line JSON errors (400: the request; 502: the
    router)."""

    async def wrapped(request: Request) -> Response:
        from r9s import errors
        from r9s.cli.common.errors import UsageError, describe

        try:
            return await handler(request)
        except (BadAsk, UsageError) as exc:
            from r9s.web.runs import page_text

            return _error(400, page_text(str(exc)))
        except errors.R9SError as exc:
            return _error(502, describe(exc))

    return wrapped


def create_app(
    conn: Connection,
    guard: Guard,
    *,
    home: Path | None = None,
    timeout: float | None = None,
) -> WebApp:
    """The app for ``conn`` behind ``guard``; ``home``: whose ``~/.r9s`` holds the log."""
    from r9s.cli.common.api import client
    from r9s.cli.common.errors import remember

    state = WebState(
        conn=conn,
        client=client(conn, timeout=timeout, notices=notices()),
        history=History(home),
        default_model=_default_model(home),
    )
    # suggestions for a model the router does not know come from the list the page
    # fetched, never from a request made while the event loop waits
    remember(model_names=lambda: [m["id"] for m in state.models or []])
    pages = _Pages()

    async def page(request: Request) -> Response:
        return pages.get("index.html")

    async def static(request: Request) -> Response:
        return pages.get(request.path_params["name"])

    async def config(request: Request) -> Response:
        from r9s._version import __version__
        from r9s.cli.chat.conversation import APIS
        from r9s.cli.common.options import EFFORTS
        from r9s.web.media import SPEECH_FORMATS, VOICES
        from r9s.web.runs import MAX_PANES

        await state.history.call(lambda log: None)  # opened: whether it is kept is known
        return JSONResponse(
            {
                "version": __version__,
                "base_url": conn.base_url,
                "key_source": conn.key_source,
                "default_model": state.default_model,
                "apis": list(APIS),
                "efforts": list(EFFORTS),
                "max_panes": MAX_PANES,
                "voices": list(VOICES),
                "speech_formats": list(SPEECH_FORMATS),
                "log": {"kept": state.history.kept, "problem": state.history.problem},
            }
        )

    async def models(request: Request) -> Response:
        if state.models is None or request.query_params.get("refresh"):
            from typing import cast

            from r9s.cli.common.api import DETAIL_FIELDS, models_of, models_query

            query = cast(Any, models_query(DETAIL_FIELDS))
            listing = await state.client.models.list_async(extra_query=query)
            found = sorted(models_of(listing), key=lambda m: m.id.lower())
            state.models = [
                {
                    "id": model.id,
                    "owned_by": model.owned_by,
                    "context_length": model.extra.get("context_length"),
                    "kinds": kinds_of(model),
                }
                for model in found
            ]
        return JSONResponse({"models": state.models, "default": state.default_model})

    async def chat(request: Request) -> Response:
        ask = parse_ask(await _body(request))
        run = Run(state.client, state.history, ask, state.tasks, state.warm)
        return _Streamed(EventStream(run, state.stopping))

    async def history(request: Request) -> Response:
        items = await state.history.listing(request.query_params.get("q"))
        return JSONResponse(
            {"items": items, "kept": state.history.kept, "problem": state.history.problem}
        )

    async def conversation(request: Request) -> Response:
        ident = request.path_params["ident"]
        if request.method == "DELETE":
            removed = await state.history.delete(ident)
            if not removed:
                return _error(404, f"no conversation {ident} in the log")
            return JSONResponse({"removed": removed})
        found = await state.history.view(ident)
        if found is None:
            return _error(404, f"no conversation {ident} in the log")
        return JSONResponse(found)

    async def pick(request: Request) -> Response:
        body = await _body(request)
        if not isinstance(body, dict):
            raise BadAsk("the request is not a JSON object")
        members, seq, picked = body.get("members"), body.get("seq"), body.get("picked")
        if (
            not isinstance(members, list)
            or not all(isinstance(m, str) for m in members)
            or not isinstance(seq, int)
            or not isinstance(picked, str)
        ):
            raise BadAsk("a pick is {members: [ids], seq: N, picked: id}")
        if not await state.history.pick(members, seq, picked):
            return _error(404, "that comparison is not in the log")
        return JSONResponse({"picked": picked, "seq": seq})

    def media(action: str) -> Handler:
        async def handle(request: Request) -> Response:
            from r9s.web import media as engine

            body = await _body(request)
            if not isinstance(body, dict):
                raise BadAsk("the request is not a JSON object")
            if action == "speech":
                audio, media_type = await engine.speech(state.client, body)
                return Response(audio, media_type=media_type)
            work = getattr(engine, action)
            return JSONResponse(await work(state.client, body))

        return handle

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from r9s.web.runs import warm_up

        threading.Thread(
            target=warm_up, args=(state.client, state.warm), name="r9s-web-warm-up", daemon=True
        ).start()
        yield
        await _stop(state)

    routes = [
        Route("/", page),
        Route("/static/{name:path}", static),
        Route("/api/config", _answering(state, config)),
        Route("/api/models", _answering(state, models)),
        Route("/api/chat", _answering(state, chat), methods=["POST"]),
        Route("/api/history", _answering(state, history)),
        Route(
            "/api/conversations/{ident}",
            _answering(state, conversation),
            methods=["GET", "DELETE"],
        ),
        Route("/api/pick", _answering(state, pick), methods=["POST"]),
        Route("/api/images/generate", _answering(state, media("generate")), methods=["POST"]),
        Route("/api/images/edit", _answering(state, media("edit")), methods=["POST"]),
        Route("/api/audio/speech", _answering(state, media("speech")), methods=["POST"]),
        Route("/api/audio/transcribe", _answering(state, media("transcribe")), methods=["POST"]),
    ]
    return WebApp(Starlette(routes=routes, lifespan=lifespan), guard, state)


class WebApp(GuardMiddleware):
    """The app behind its guard, with its state (the server tells it when it stops;
    tests look at its running tasks)."""

    def __init__(self, app: ASGIApp, guard: Guard, state: WebState) -> None:
        super().__init__(app, guard)
        self.state = state


async def _stop(state: WebState) -> None:
    """The server is stopping: let cancelled panes record what came, then close."""
    pending = [task for task in state.tasks if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=SHUTDOWN_GRACE)
        for task in pending:
            task.cancel()
    await state.client.aclose()
    await asyncio.get_running_loop().run_in_executor(None, state.history.close)


def _default_model(home: Path | None) -> str:
    from r9s._config import ENV_MODEL
    from r9s.cli.chat.main import DEFAULT_MODELS
    from r9s.cli.common.settings import resolve

    found = resolve(None, ENV_MODEL, flag_name="--model", home=home).value
    return found or DEFAULT_MODELS["chat"]


class _Streamed(Response):
    """A Starlette response around an ASGI one (the event stream)."""

    def __init__(self, inner: EventStream) -> None:
        self.inner = inner
        self.background = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.inner(scope, receive, send)


class _Pages:
    """The page's files, read once each (they ship inside the package)."""

    def __init__(self) -> None:
        self._cache: dict[str, Response] = {}

    def get(self, name: str) -> Response:
        found = self._cache.get(name)
        if found is not None:
            return found
        path = (STATIC / name).resolve()
        kind = CONTENT_TYPES.get(path.suffix)
        if kind is None or STATIC.resolve() not in path.parents or not path.is_file():
            return Response("not found\n", status_code=404, media_type="text/plain")
        response = Response(
            path.read_bytes(), media_type=kind, headers={"cache-control": "no-cache"}
        )
        self._cache[name] = response
        return response
