"""A small HTTP/1.1 server for the ASGI app, on asyncio and h11 (which httpx brings).

Why not uvicorn: it needs click, and with click installed ``import httpx`` loads click,
rich and pygments too, which would slow every ``r9s`` command of whoever installs the
web extra. The page needs little of a server: HTTP/1.1 with keep-alive, bodies read as
the app asks for them, responses streamed as the app sends them, and above all the
moment a browser goes away (``http.disconnect``, so a stopped answer stops at once).

It serves one listening socket until :meth:`Server.stop`; ``on_stop`` is told first (the
app ends its open streams whole), requests still running then get ``grace`` seconds
before their tasks are cancelled; the app's lifespan runs around it all.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import h11

from r9s.web.guard import ASGIApp, Message

READ_SIZE = 64 * 1024
IDLE_TIMEOUT = 75.0  # seconds a kept-alive connection may wait for its next request
HEAD_LIMIT = 64 * 1024  # bytes of a request line and headers


class Server:
    """Serve ``app`` on ``sock`` (bound and listening)."""

    def __init__(
        self,
        app: ASGIApp,
        sock: socket.socket,
        *,
        grace: float = 1.0,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.sock = sock
        self.grace = grace
        self.on_stop = on_stop  # told first when stopping (to end open streams whole)
        self._stop = asyncio.Event()
        self._connections: dict[asyncio.Task[None], _Connection] = {}
        host, port = sock.getsockname()[:2]
        self._server_address = (str(host), int(port))

    def stop(self) -> None:
        self._stop.set()

    async def serve(self, ready: Callable[[], None] | None = None) -> None:
        lifespan = _Lifespan(self.app)
        await lifespan.startup()
        server = await asyncio.start_server(self._accept, sock=self.sock, limit=HEAD_LIMIT)
        try:
            if ready is not None:
                ready()
            await self._stop.wait()
        finally:
            server.close()
            if self.on_stop is not None:
                self.on_stop()
            await self._close_connections()
            await lifespan.shutdown()

    async def _close_connections(self) -> None:
        for task, connection in list(self._connections.items()):
            if not connection.busy:
                task.cancel()
        busy = list(self._connections)
        if busy:
            await asyncio.wait(busy, timeout=self.grace)
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=self.grace)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connection = _Connection(self, reader, writer)
        self._connections[task] = connection
        try:
            await connection.run()
        except (asyncio.CancelledError, ConnectionError, TimeoutError):
            pass
        finally:
            self._connections.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


class _Connection:
    """One client connection: its requests, one after another (keep-alive)."""

    def __init__(
        self, server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=HEAD_LIMIT)
        self.busy = False
        self.client = writer.get_extra_info("peername")

    async def _next(self, timeout: float | None = None) -> Any:
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            data = await asyncio.wait_for(self.reader.read(READ_SIZE), timeout)
            self.h11.receive_data(data)  # b"": the peer closed

    async def run(self) -> None:
        while True:
            try:
                event = await self._next(IDLE_TIMEOUT)
            except (h11.RemoteProtocolError, TimeoutError):
                await self._refuse(400, "bad request")
                return
            if isinstance(event, h11.Request):
                self.busy = True
                try:
                    keep = await _Exchange(self, event).run()
                finally:
                    self.busy = False
                if not keep:
                    return
                if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
                    self.h11.start_next_cycle()
                    continue
                return
            return  # ConnectionClosed, PAUSED or anything unexpected: done with it

    async def _refuse(self, status: int, text: str) -> None:
        if self.h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return  # a response has begun: closing the connection is all there is left
        body = f"{text}\n".encode()
        headers = [("content-type", "text/plain"), ("content-length", str(len(body)))]
        with contextlib.suppress(Exception):
            response = h11.Response(status_code=status, headers=headers, reason=_reason(status))
            self.writer.write(self.h11.send(response))
            self.writer.write(self.h11.send(h11.Data(data=body)))
            self.writer.write(self.h11.send(h11.EndOfMessage()))
            await self.writer.drain()


class _Exchange:
    """One request and its response, through the ASGI app."""

    def __init__(self, connection: _Connection, request: h11.Request) -> None:
        self.connection = connection
        self.request = request
        self.body_done = False
        self.started = False
        self.finished = False
        self.gone = asyncio.Event()
        self._head = b""
        self._watcher: asyncio.Task[None] | None = None

    def scope(self) -> dict[str, Any]:
        request = self.request
        target = request.target.decode("latin-1")
        path, _, query = target.partition("?")
        from urllib.parse import unquote

        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": request.http_version.decode(),
            "method": request.method.decode("ascii"),
            "scheme": "http",
            "path": unquote(path),
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": [(name.lower(), value) for name, value in request.headers],
            "client": self.connection.client[:2] if self.connection.client else None,
            "server": self.connection.server._server_address,
        }

    async def receive(self) -> Message:
        if not self.body_done:
            h = self.connection.h11
            if h.they_are_waiting_for_100_continue and h.our_state is h11.SEND_RESPONSE:
                self.connection.writer.write(
                    h.send(h11.InformationalResponse(status_code=100, headers=[]))
                )
            try:
                event = await self.connection._next()
            except h11.RemoteProtocolError:
                self.body_done = True
                self.gone.set()
                return {"type": "http.disconnect"}
            if isinstance(event, h11.Data):
                return {"type": "http.request", "body": bytes(event.data), "more_body": True}
            self.body_done = True
            if isinstance(event, h11.EndOfMessage):
                self._watch()
                return {"type": "http.request", "body": b"", "more_body": False}
            self.gone.set()
            return {"type": "http.disconnect"}
        self._watch()
        await self.gone.wait()
        return {"type": "http.disconnect"}

    def _watch(self) -> None:
        """Once the body is read, notice the peer closing (a stopped page) at once."""
        if self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._wait_for_close())

    async def _wait_for_close(self) -> None:
        reader = self.connection.reader
        try:
            while True:
                data = await reader.read(READ_SIZE)
                if not data:
                    break
                self.connection.h11.receive_data(data)  # a pipelined request: kept for later
        except (ConnectionError, OSError):
            pass
        self.gone.set()

    async def send(self, message: Message) -> None:
        if self.gone.is_set() or self.finished:
            return  # the page is gone: nothing more to write (ASGI 2.3)
        h = self.connection.h11
        writer = self.connection.writer
        try:
            if message["type"] == "http.response.start":
                headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
                status = int(message["status"])
                response = h11.Response(status_code=status, headers=headers, reason=_reason(status))
                self._head = h.send(response) or b""  # sent with the body's first piece
                self.started = True
                return
            if message["type"] == "http.response.body":
                out = [self._head]
                self._head = b""
                body = message.get("body", b"")
                if body and self.request.method != b"HEAD":
                    out.append(h.send(h11.Data(data=body)) or b"")
                if not message.get("more_body", False):
                    out.append(h.send(h11.EndOfMessage()) or b"")
                    self.finished = True
                writer.write(b"".join(out))
            await writer.drain()
        except (ConnectionError, OSError):
            self.gone.set()
        except h11.LocalProtocolError as exc:  # the app broke HTTP (a body too long...)
            self.gone.set()
            print(f"r9s web: {exc}", file=sys.stderr, flush=True)

    async def run(self) -> bool:
        """Serve the request; True if the connection can take another."""
        try:
            await self.connection.server.app(self.scope(), self.receive, self.send)
        except Exception as exc:  # one line on stderr; the page gets a 500
            if os.environ.get("R9S_DEBUG"):
                import traceback

                traceback.print_exc()
            else:
                print(f"r9s web: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            if not self.started:
                await self.connection._refuse(500, "internal error (see the r9s web terminal)")
                return False
        finally:
            if self._watcher is not None:
                self._watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._watcher
        if not self.finished or self.gone.is_set():
            return False
        if not self.body_done and not await self._drain():
            return False
        return self.connection.h11.our_state is h11.DONE

    async def _drain(self, limit: int = 1024 * 1024) -> bool:
        """Read the rest of a body the app did not want (a GET has none), so that the
        connection can take the next request; False past ``limit`` bytes."""
        read = 0
        while read <= limit:
            try:
                event = await asyncio.wait_for(
                    self.connection._next(), self.connection.server.grace
                )
            except (h11.RemoteProtocolError, TimeoutError):
                return False
            if isinstance(event, h11.EndOfMessage):
                self.body_done = True
                return True
            if not isinstance(event, h11.Data):
                return False
            read += len(event.data)
        return False


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""


class _Lifespan:
    """The app's lifespan protocol (Starlette's startup and shutdown)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _receive(self) -> Message:
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        await self._outbox.put(message)

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        try:
            await self.app(scope, self._receive, self._send)
        finally:
            await self._outbox.put({"type": "lifespan.ended"})

    async def startup(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._inbox.put({"type": "lifespan.startup"})
        answer = await self._outbox.get()
        if answer["type"] == "lifespan.startup.failed":
            raise RuntimeError(answer.get("message") or "the app failed to start")

    async def shutdown(self) -> None:
        if self._task is None or self._task.done():
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._outbox.get()
        with contextlib.suppress(Exception):
            await self._task
