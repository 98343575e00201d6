"""One prompt sent to one model (a chat) or to two to four at once (a comparison), each
answer streamed to its pane as server-sent events.

A pane's turn is the CLI's turn (:mod:`r9s.cli.chat.turn`) on the SDK's async client:
the same request (``turn_params``: options, reasoning and attachments in each API's
form), the same gathering of the answer (``Answer``, through a renderer that sends
events instead of drawing), the same timing and usage (``settle``), the same record in
the log (``exchange_of``). Panes run as tasks of their own, so one that fails (a 401, a
cut stream) says so on its pane while the others go on; a 429 that the SDK retries is
told on its pane as it waits.

Events, one JSON object per ``data:`` line: ``group`` (a comparison's id and members),
``start`` (pane, model, conversation), ``notice``, ``delta`` and ``reasoning`` (text),
``done`` (seq, stats, problem), ``error`` (message; ``saved``: whether the log has the
turn, so a new conversation exists), ``stopped`` (the server stops), and ``end`` once
every pane is over. When the page goes away
(its Stop button, a reload) every pane still running is cancelled: its stream to the
router is closed and what arrived is recorded as an interrupted answer.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import contextvars
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from r9s.cli.chat.conversation import Conversation, Message
from r9s.cli.common.errors import UsageError
from r9s.web.guard import Receive, Scope, Send
from r9s.web.history import History, stats_of

if TYPE_CHECKING:
    from r9s.cli.chat.attachments import Attachment
    from r9s.client import R9S

MAX_PANES = 4
KEEPALIVE = 15.0  # seconds between comments on a quiet stream (a cut connection shows)
SHUTDOWN_GRACE = 5.0  # seconds a cancelled pane has to close its stream and record

_notice: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "r9s_web_notice", default=None
)


# What the first answer of each API would import: imported ahead, off the event loop, so
# that the first pane of the first comparison is not timed with Python's imports in it.
WARM = (
    "r9s.cli.chat.turn",
    "r9s.cli.chat.history",
    "r9s.cli.chat.attachments",
    "r9s.resources.chat",
    "r9s.resources.responses",
    "r9s.resources.messages",
    "r9s._streams.chat",
    "r9s._streams.responses",
    "r9s._streams.messages",
    # httpcore's locks bring in anyio's backend on the first connection
    "sniffio",
    "anyio.lowlevel",
    "anyio.to_thread",
    "anyio.streams.stapled",
    "anyio.streams.tls",
    "anyio._backends._asyncio",
)


def warm_up(client: R9S, done: threading.Event) -> None:
    """Import what a pane's turn needs, and make the SDK's async HTTP client (its TLS
    context takes a while; the server's event loop adopts it): on a thread of its own,
    while the page loads. A run waits for ``done``, so no pane is timed with this."""
    import importlib

    try:
        for name in WARM:
            importlib.import_module(name)
        _ = client.async_http_client
    finally:
        done.set()


class BadAsk(ValueError):
    """A request the page should not have sent (the message says what is wrong)."""


async def read_at_most(chunks: AsyncIterator[bytes], limit: int, what: str) -> bytes:
    """All of ``chunks``, or :class:`BadAsk` (``what`` is larger than N MB) past ``limit``
    bytes, read no further."""
    kept: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BadAsk(f"{what} is larger than {limit // 2**20} MB")
        kept.append(chunk)
    return b"".join(kept)


def notices() -> logging.Logger:
    """The SDK's logger for the web's client: a retry (429, 5xx, network) is told on the
    pane whose request it is (the pane's task sets where)."""
    logger = logging.getLogger("r9s.web.retries")
    if not logger.handlers:
        from r9s.cli.common.api import retry_notice

        class PaneNotice(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                tell = _notice.get()
                text = retry_notice(record.getMessage())
                if tell is not None and text is not None:
                    tell(text)

        logger.addHandler(PaneNotice())
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def page_text(message: str) -> str:
    """A CLI message as the page says it (no ``-o``/``-a`` flag before the name, the
    page's API setting for ``--api``)."""
    for flag in ("-o ", "-a "):
        if message.startswith(flag):
            message = message[len(flag) :]
    return message.replace("use --api chat", "use the chat API (Settings)")


@dataclass
class Ask:
    """What the page sends: the prompt and its files, the settings, and per pane a model
    and (to go on with one) a conversation."""

    prompt: str
    models: list[str]
    conversations: list[str | None]
    api: str = "chat"
    system: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    group: str | None = None

    @property
    def compare(self) -> bool:
        return len(self.models) > 1 or self.group is not None


def parse_ask(body: Any) -> Ask:
    """The page's JSON as an :class:`Ask`; :class:`BadAsk` or a usage error (a bad
    attachment, an option out of range) names what is wrong."""
    from r9s.cli.chat import attachments
    from r9s.cli.common import options as chat_options

    if not isinstance(body, dict):
        raise BadAsk("the request is not a JSON object")
    panes = body.get("panes")
    if not isinstance(panes, list) or not 1 <= len(panes) <= MAX_PANES:
        raise BadAsk(f"give one to {MAX_PANES} models")
    models: list[str] = []
    conversations: list[str | None] = []
    for pane in panes:
        model = pane.get("model") if isinstance(pane, dict) else None
        if not isinstance(model, str) or not model.strip():
            raise BadAsk("every pane needs a model")
        ident = pane.get("conversation")
        models.append(model.strip())
        conversations.append(ident if isinstance(ident, str) and ident else None)
    api = body.get("api") or "chat"
    if api not in chat_options.APIS:
        raise BadAsk(f"unknown API {api!r}: chat, responses or messages")
    prompt = body.get("prompt") or ""
    system = body.get("system") or None
    if not isinstance(prompt, str) or not (system is None or isinstance(system, str)):
        raise BadAsk("the prompt and the system prompt are text")
    raw = body.get("options") or {}
    if not isinstance(raw, dict):
        raise BadAsk("options is an object")
    given = {
        str(name): str(value).strip()
        for name, value in raw.items()
        if value is not None and str(value).strip() != ""
    }
    options = chat_options.check(api, given)
    ask = Ask(prompt, models, conversations, api, system, options)
    for item in body.get("attachments") or []:
        name, data = attachment_of(item)
        loaded = attachments.from_bytes(data, name, name)
        if isinstance(loaded, str):
            ask.images.append(loaded)
        else:
            ask.files.append(loaded)
    if not prompt.strip() and not ask.images and not ask.files:
        raise BadAsk("nothing to send: write a prompt or attach a file")
    group = body.get("group")
    ask.group = group if isinstance(group, str) and group else None
    return ask


def attachment_of(item: Any) -> tuple[str, bytes]:
    """A file the page sent (``{name, data}``, ``data`` a base64 ``data:`` URL)."""
    if not isinstance(item, dict) or not isinstance(item.get("data"), str):
        raise BadAsk("an attachment is {name, data: a data: URL}")
    name = str(item.get("name") or "attachment")
    head, _, payload = item["data"].partition(",")
    if not head.startswith("data:") or not head.endswith(";base64"):
        raise BadAsk(f"{name}: not a base64 data: URL")
    try:
        return name, base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise BadAsk(f"{name}: its base64 is broken") from None


class PaneRenderer:
    """The CLI's renderer interface, sending what a turn shows to its pane."""

    def __init__(self, run: Run, pane: int) -> None:
        self.run = run
        self.pane = pane

    def waiting(self, label: str) -> None:
        pass  # the page shows its own

    def feed(self, text: str) -> None:
        self.run.emit("delta", self.pane, text=text)

    def reasoning(self, text: str) -> None:
        self.run.emit("reasoning", self.pane, text=text)

    def aside(self, line: str) -> None:
        self.run.emit("notice", self.pane, text=line)

    def code(self, text: str, language: str) -> None:
        self.run.emit("delta", self.pane, text=f"```{language}\n{text}\n```")

    def finish(self) -> None:
        pass


@dataclass
class Pane:
    conversation: Conversation
    extra: dict[str, Any]


class Run:
    """One ask, its panes running as tasks; events wait in ``queue`` (None: the end).
    ``tasks`` is the app's set of running tasks (awaited when the server stops)."""

    def __init__(
        self,
        client: R9S,
        history: History,
        ask: Ask,
        tasks: set[asyncio.Task[Any]],
        warm: threading.Event | None = None,
    ) -> None:
        self.client = client
        self.history = history
        self.ask = ask
        self.tasks = tasks
        self.warm = warm
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.panes: list[asyncio.Task[None]] = []
        self._main: asyncio.Task[None] | None = None

    def emit(self, kind: str, pane: int | None = None, **fields: Any) -> None:
        event: dict[str, Any] = {"type": kind}
        if pane is not None:
            event["pane"] = pane
        event.update(fields)
        self.queue.put_nowait(event)

    def start(self) -> None:
        self._main = self._track(self._run())

    def _track(self, work: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def cancel(self) -> None:
        """The page went away: stop every pane still running."""
        if self._main is not None and not self._main.done():
            self._main.cancel()
        for task in self.panes:
            if not task.done():
                task.cancel()

    async def _run(self) -> None:
        try:
            if self.warm is not None and not self.warm.is_set():
                await asyncio.get_running_loop().run_in_executor(None, self.warm.wait, 30)
            panes = await self._prepare()
            if panes is not None:
                self.panes = [self._track(self._pane(i, pane)) for i, pane in enumerate(panes)]
                # not gather: cancelling this task must not cancel the panes a second
                # time while they close their streams (``cancel`` does that, once)
                await asyncio.wait(self.panes)
        finally:
            self.queue.put_nowait({"type": "end"})
            self.queue.put_nowait(None)

    async def _prepare(self) -> list[Pane] | None:
        """Each pane's conversation (loaded from the log, or new), and for a comparison
        what ties them."""
        ask = self.ask
        panes: list[Pane] = []
        for index, (model, ident) in enumerate(zip(ask.models, ask.conversations, strict=True)):
            found = await self.history.load(ident) if ident else None
            if ident and found is None:
                self.emit("error", index, message=f"no conversation {ident} in the log")
                return None
            conversation, extra = found or (Conversation(model=model, api=ask.api), {})
            conversation.model, conversation.api = model, ask.api
            conversation.system = ask.system
            conversation.options = dict(ask.options)
            panes.append(Pane(conversation, extra))
        if ask.compare:
            from r9s.cli.chat.conversation import new_id

            group = ask.group or f"cmp-{new_id()}"
            members = [pane.conversation.id for pane in panes]
            for pane in panes:
                pane.extra = {"compare": {"group": group, "members": members}}
            self.emit("group", group=group, members=members)
        else:
            for pane in panes:
                pane.extra = {}
        for index, pane in enumerate(panes):
            self.emit(
                "start", index, model=pane.conversation.model, conversation=pane.conversation.id
            )
        return panes

    async def _pane(self, index: int, pane: Pane) -> None:
        from r9s.cli.chat.history import exchange_of
        from r9s.cli.chat.turn import (
            Answer,
            TurnResult,
            TurnSettings,
            resource_for,
            settle,
            turn_params,
        )
        from r9s.cli.common.errors import describe

        _notice.set(lambda text: self.emit("notice", index, text=text))
        conversation, ask = pane.conversation, self.ask
        question = Message("user", ask.prompt, list(ask.images), files=list(ask.files))
        conversation.messages.append(question)
        try:
            params = turn_params(conversation, TurnSettings(timing=True), streaming=True)
            resource = resource_for(self.client, conversation.api)
        except UsageError as exc:
            # nothing was sent, nothing is logged: a new conversation does not exist yet
            self.emit("error", index, message=page_text(describe(exc)), saved=False)
            return
        answer = Answer(PaneRenderer(self, index), show_reasoning=True)
        result = TurnResult("")
        at, started = time.time(), time.monotonic()
        events: Any = None
        try:
            events = await resource.create_async(stream=True, **params)
            async for event in events:
                answer.event(event)
            result.final = await events.get_final()
        except asyncio.CancelledError:
            result.interrupted = True

            async def keep_what_came() -> None:
                await _close(events)
                settle(result, answer, events, started)
                record = exchange_of(conversation, question, result, started=at)
                await self._record(index, pane, record)

            # shielded: a second cancel (the server stopping) leaves it to finish
            await asyncio.shield(self._track(keep_what_came()))
            raise
        except Exception as exc:
            await _close(events)
            message = describe(exc, model=conversation.model)
            failed = exchange_of(
                conversation,
                question,
                None,
                error=message,
                partial=answer.joined or None,
                started=at,
            )
            failed.duration = time.monotonic() - started
            saved = await self._record(index, pane, failed)
            self.emit(
                "error",
                index,
                message=message,
                partial=bool(answer.joined),
                saved=saved is not None,
            )
            return
        await _close(events)
        settle(result, answer, events, started)
        exchange = exchange_of(conversation, question, result, started=at)
        saved = await self._record(index, pane, exchange)
        self.emit(
            "done",
            index,
            seq=saved.seq if saved is not None else None,
            problem=result.problem,
            stats=stats_of(
                exchange.ttft,
                exchange.duration,
                exchange.input_tokens,
                exchange.output_tokens,
                exchange.cost,
                result.router,
            ),
        )

    async def _record(self, index: int, pane: Pane, exchange: Any) -> Any:
        from r9s.cli.common.errors import describe
        from r9s.cli.common.log import LogError

        try:
            return await self.history.record(pane.conversation, exchange, pane.extra)
        except (LogError, OSError) as exc:
            self.emit("notice", index, text=f"not saved in the log: {describe(exc)}")
            return None


async def _close(events: Any) -> None:
    if events is not None:
        with contextlib.suppress(Exception):  # closing a broken stream: nothing to tell
            await events.aclose()


def encode(event: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()


class EventStream:
    """The ASGI response that sends a run's events as they come, and cancels the run
    the moment the page goes away (the ``http.disconnect`` it is told of, not the next
    write that would fail: a model that thinks for a minute sends nothing meanwhile)."""

    def __init__(self, run: Run, stopping: asyncio.Event | None = None) -> None:
        self.run = run
        self.stopping = stopping or asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                    (b"x-accel-buffering", b"no"),
                ],
            }
        )
        gone = asyncio.ensure_future(_disconnected(receive))
        stopping = asyncio.ensure_future(self.stopping.wait())
        run = self.run
        run.start()
        try:
            while True:
                getter = asyncio.ensure_future(run.queue.get())
                done, _ = await asyncio.wait(
                    {getter, gone, stopping},
                    timeout=KEEPALIVE,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if getter not in done:
                    getter.cancel()
                    if gone in done:
                        return
                    if stopping in done:  # the server stops: say so, end the stream whole
                        run.cancel()
                        message = {"type": "stopped", "message": "r9s web stopped"}
                        await send(
                            {
                                "type": "http.response.body",
                                "body": encode(message),
                                "more_body": True,
                            }
                        )
                        break
                    await send(
                        {
                            "type": "http.response.body",
                            "body": b": keepalive\n\n",
                            "more_body": True,
                        }
                    )
                    continue
                event = getter.result()
                if event is None:
                    break
                await send({"type": "http.response.body", "body": encode(event), "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            gone.cancel()
            stopping.cancel()
            run.cancel()


async def _disconnected(receive: Receive) -> None:
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            return
