"""A small asyncio HTTP/1.1 server: just enough of RFC 9112 for SDK and CLI tests.

It reads request heads, Content-Length and chunked bodies (answering ``Expect:
100-continue``), keeps connections alive, writes fixed-length or chunked responses,
and answers HEAD without a body. What a request means is the handler's business.

Clients are served independently: the loop only moves bytes (handlers do their work
off it, see ``r9s.testing._app``), a streamed body yields to the other connections as
it goes, and stops as soon as its client has gone. A request head must arrive within
``header_timeout`` seconds of its first byte, and a connection waiting for a request
(or for the next piece of a body) is closed after ``idle_timeout``: a client sending a
byte a second (slowloris) holds nothing for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 256
MAX_CHUNK_LINE = 4096
READ_SIZE = 64 * 1024
HEADER_TIMEOUT = 10.0
"""Seconds from a request's first byte to the end of its head."""
IDLE_TIMEOUT = 60.0
"""Seconds a connection may wait for a request, or for the next piece of a body."""
YIELD_EVERY = 0.005
"""Seconds a streamed body may keep the loop before letting other connections run."""

_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_VERSION = re.compile(rb"^HTTP/(\d)\.(\d)$")
_CHUNK_SIZE = re.compile(rb"^([0-9A-Fa-f]{1,16})[ \t]*(?:;.*)?$")


class BadRequest(Exception):
    """The bytes on the wire are not an HTTP/1.x request we can serve."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class CutConnection(Exception):
    """Raised by a response body to end the connection where it stands (no terminator)."""


@dataclass
class RequestHead:
    """The request line and headers, as received."""

    method: str
    target: str
    version: tuple[int, int]
    headers: list[tuple[str, str]]

    @property
    def path(self) -> str:
        """The raw (still percent-encoded) path, without the query string."""
        return self.target.partition("?")[0]

    @property
    def query_string(self) -> str:
        return self.target.partition("?")[2]

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case); repeated headers are joined with ``, ``."""
        name = name.lower()
        values = [value for key, value in self.headers if key == name]
        return ", ".join(values) if values else None

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in (self.header("connection") or "").split(",")}
        if self.version >= (1, 1):
            return "close" not in tokens
        return "keep-alive" in tokens


async def _read_line(reader: asyncio.StreamReader, limit: int, start: bytes = b"") -> bytes:
    """One line without its CRLF (or bare LF); EOF mid-line raises ``IncompleteReadError``.
    ``start``: its first bytes, already read."""
    if start.endswith(b"\n"):
        line = start
    else:
        try:
            line = start + await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as exc:
            raise BadRequest("line too long", 431) from exc
        except asyncio.IncompleteReadError as exc:
            raise asyncio.IncompleteReadError(start + exc.partial, exc.expected) from None
    if len(line) > limit:
        raise BadRequest("line too long", 431)
    return line[:-2] if line.endswith(b"\r\n") else line[:-1]


async def read_head(reader: asyncio.StreamReader, start: bytes = b"") -> RequestHead | None:
    """Read a request line and headers; ``None`` if the peer closed before sending anything.
    ``start``: the head's first bytes, already read."""
    budget = MAX_HEAD_BYTES
    line = b""
    # RFC 9112 section 2.2: ignore empty lines before the request line.
    for _ in range(8):
        try:
            line = await _read_line(reader, budget, start)
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise BadRequest("incomplete request line") from exc
            return None
        start = b""
        budget -= len(line) + 2
        if line:
            break
    if not line:
        raise BadRequest("no request line")
    parts = line.split(b" ")
    if len(parts) != 3 or not all(parts):
        raise BadRequest("malformed request line")
    method, target, version = parts
    if not _TOKEN.match(method):
        raise BadRequest("malformed method")
    match = _VERSION.match(version)
    if match is None:
        raise BadRequest("malformed HTTP version")
    major, minor = int(match[1]), int(match[2])
    if major != 1:
        raise BadRequest("HTTP version not supported", 505)
    target_text = _parse_target(target)

    headers: list[tuple[str, str]] = []
    while True:
        try:
            line = await _read_line(reader, budget)
        except asyncio.IncompleteReadError as exc:
            raise BadRequest("incomplete headers") from exc
        budget -= len(line) + 2
        if budget < 0:
            raise BadRequest("request head too large", 431)
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            raise BadRequest("obsolete header line folding")
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.match(name):
            raise BadRequest("malformed header line")
        if len(headers) >= MAX_HEADERS:
            raise BadRequest("too many headers", 431)
        headers.append((name.decode("ascii").lower(), value.strip(b" \t").decode("latin-1")))
    return RequestHead(method.decode("ascii"), target_text, (major, minor), headers)


def _parse_target(target: bytes) -> str:
    if any(byte <= 0x20 or byte >= 0x7F for byte in target):
        raise BadRequest("malformed request target")
    text = target.decode("ascii")
    if text.startswith("/") or text == "*":
        return text
    # absolute-form (what a client talking to a proxy sends): keep path and query only
    match = re.match(r"^https?://[^/?#]+(.*)$", text, re.IGNORECASE)
    if match is None:
        raise BadRequest("malformed request target")
    rest = match[1]
    return rest if rest.startswith("/") else "/" + rest


class BodyReader:
    """Streams one request body, framed by Content-Length or chunked encoding.

    The first ``record_limit`` bytes are kept in ``recorded`` so that a test can look
    at them afterwards, however large the body is.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter | None,
        head: RequestHead,
        record_limit: int,
        idle_timeout: float | None = None,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._record_limit = record_limit
        self._idle_timeout = idle_timeout
        self.recorded = bytearray()
        self.size = 0
        self._chunked, self._remaining = _framing(head)
        self._chunk_left = 0
        self._replay = b""
        self.complete = not self._chunked and self._remaining == 0
        self._expect_continue = (
            not self.complete
            and head.version >= (1, 1)
            and (head.header("expect") or "").lower() == "100-continue"
        )

    @property
    def truncated(self) -> bool:
        return self.size > len(self.recorded)

    @property
    def in_memory(self) -> bool:
        """Whatever is left of the body is in memory (``preload``): reading it does no
        I/O, so it can be read off the server's loop."""
        return self.complete

    async def preload(self, limit: int) -> bool:
        """Read the whole body now, so that the next reads replay it from memory.

        A body over ``limit`` bytes is read to its end but not kept: returns False.
        """
        parts: list[bytes] = []
        while chunk := await self.read_chunk():
            if self.size <= limit:
                parts.append(chunk)
        self._replay = b"".join(parts) if self.size <= limit else b""
        return self.size <= limit

    async def read_chunk(self) -> bytes:
        """The next piece of the body, ``b""`` once it is complete."""
        if self._replay:
            data, self._replay = self._replay, b""
            return data
        if self.complete:
            return b""
        if self._expect_continue and self._writer is not None:
            self._expect_continue = False
            self._writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            async with asyncio.timeout(self._idle_timeout):
                data = await (self._read_chunked() if self._chunked else self._read_sized())
        except asyncio.IncompleteReadError as exc:
            raise BadRequest("request body ended early") from exc
        except TimeoutError:
            raise BadRequest("request body stalled", 408) from None
        self.size += len(data)
        room = self._record_limit - len(self.recorded)
        if room > 0:
            self.recorded += data[:room]
        return data

    async def _read_sized(self) -> bytes:
        data = await self._reader.read(min(self._remaining, READ_SIZE))
        if not data:
            raise asyncio.IncompleteReadError(b"", self._remaining)
        self._remaining -= len(data)
        self.complete = self._remaining == 0
        return data

    async def _read_chunked(self) -> bytes:
        if self._chunk_left == 0:
            size_line = await _read_line(self._reader, MAX_CHUNK_LINE)
            match = _CHUNK_SIZE.match(size_line)
            if match is None:
                raise BadRequest("malformed chunk size")
            self._chunk_left = int(match[1], 16)
            if self._chunk_left == 0:
                await self._read_trailers()
                self.complete = True
                return b""
        data = await self._reader.read(min(self._chunk_left, READ_SIZE))
        if not data:
            raise asyncio.IncompleteReadError(b"", self._chunk_left)
        self._chunk_left -= len(data)
        if self._chunk_left == 0 and await self._reader.readexactly(2) != b"\r\n":
            raise BadRequest("chunk data not followed by CRLF")
        return data

    async def _read_trailers(self) -> None:
        budget = MAX_HEAD_BYTES
        while line := await _read_line(self._reader, MAX_CHUNK_LINE):
            budget -= len(line)
            if budget < 0:
                raise BadRequest("trailers too large", 431)

    async def read_all(self) -> bytes:
        """The whole body (use ``read_chunk`` for bodies too large to hold)."""
        parts = []
        while chunk := await self.read_chunk():
            parts.append(chunk)
        return b"".join(parts)

    async def drain(self) -> None:
        """Consume whatever the handler left unread, so the connection can be reused."""
        while await self.read_chunk():
            pass

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        while chunk := await self.read_chunk():
            yield chunk


def _framing(head: RequestHead) -> tuple[bool, int]:
    """(chunked, content length) of the request body; rejects ambiguous framing."""
    transfer_encoding = head.header("transfer-encoding")
    content_length = head.header("content-length")
    if transfer_encoding is not None:
        if content_length is not None:
            # Both present is the classic request-smuggling shape: refuse it.
            raise BadRequest("both Transfer-Encoding and Content-Length")
        codings = [c.strip().lower() for c in transfer_encoding.split(",") if c.strip()]
        if codings != ["chunked"]:
            raise BadRequest("unsupported Transfer-Encoding", 501)
        return True, 0
    if content_length is None:
        return False, 0
    values = {v.strip() for v in content_length.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise BadRequest("malformed Content-Length")
    return False, int(next(iter(values)))


@dataclass
class Request:
    """A request being served: its head and its streaming body."""

    head: RequestHead
    body: BodyReader

    @property
    def method(self) -> str:
        return self.head.method

    @property
    def path(self) -> str:
        return self.head.path

    @property
    def query_string(self) -> str:
        return self.head.query_string

    def header(self, name: str) -> str | None:
        return self.head.header(name)


Body = bytes | AsyncIterator[bytes]


@dataclass
class Response:
    """What a handler answers. An iterator body is sent chunked unless it sets Content-Length."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Body = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


Handler = Callable[[Request], Awaitable[Response | None]]
"""Answers a request; ``None`` means: close the connection without any response."""


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class HTTPServer:
    """Serves ``handler`` on a TCP socket until ``close``; tracks connections so it can cut them."""

    def __init__(
        self,
        handler: Handler,
        *,
        record_limit: int,
        header_timeout: float | None = HEADER_TIMEOUT,
        idle_timeout: float | None = IDLE_TIMEOUT,
    ) -> None:
        self._handler = handler
        self._record_limit = record_limit
        self._header_timeout = header_timeout
        self._idle_timeout = idle_timeout
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self.stats = StreamStats()

    @property
    def connection_count(self) -> int:
        """TCP connections open now (any thread may ask)."""
        return len(self._connections)

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen and return the bound (host, port)."""
        self._server = await asyncio.start_server(self._serve, host, port, limit=MAX_HEAD_BYTES)
        address = self._server.sockets[0].getsockname()
        return str(address[0]), int(address[1])

    async def close(self) -> None:
        """Stop listening, cut every open connection and wait for their tasks to end."""
        if self._server is not None:
            self._server.close()
        for task, writer in list(self._connections.items()):
            writer.transport.abort()
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            while await self._serve_one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except asyncio.CancelledError:
            # Ending quietly: asyncio 3.11 logs a traceback for a cancelled connection task.
            pass
        finally:
            self._connections.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _next_head(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> RequestHead | None:
        """The next request's head; ``None`` (close) when the client leaves, stays idle
        past ``idle_timeout``, or takes over ``header_timeout`` to send it (a 408)."""
        try:
            async with asyncio.timeout(self._idle_timeout):
                start = await reader.read(1)
        except TimeoutError:
            return None
        if not start:
            return None
        try:
            async with asyncio.timeout(self._header_timeout):
                return await read_head(reader, start)
        except TimeoutError:
            await _write_plain_error(writer, 408, "request head not received in time")
            return None

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; True if the connection may carry another."""
        try:
            head = await self._next_head(reader, writer)
        except BadRequest as exc:
            await _write_plain_error(writer, exc.status, str(exc))
            return False
        if head is None:
            return False
        try:
            body = BodyReader(reader, writer, head, self._record_limit, self._idle_timeout)
            request = Request(head, body)
            response = await self._handler(request)
        except BadRequest as exc:
            await _write_plain_error(writer, exc.status, str(exc))
            return False
        except CutConnection:
            return False
        except Exception as exc:  # a handler bug must cost one request, not the server
            await _write_plain_error(writer, 500, f"internal error: {exc!r}")
            return False
        if response is None:
            return False

        def gone() -> bool:  # the client closed its end, or the connection broke
            return reader.at_eof() or writer.transport.is_closing()

        keep_alive = await write_response(writer, head, response, gone, self.stats)
        return keep_alive and request.body.complete


@dataclass
class StreamStats:
    """What the server's streamed bodies did, for tests (``LocalServer.stats``)."""

    open: int = 0
    """Streamed bodies being written now."""
    pieces: int = 0
    """Pieces (events) of streamed bodies written so far."""
    abandoned: int = 0
    """Streamed bodies stopped because their client had gone."""


async def _write_plain_error(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    body = f"{message}\n".encode()
    head = (
        f"HTTP/1.1 {status} {_reason(status)}\r\n"
        f"content-type: text/plain; charset=utf-8\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + body)
    await writer.drain()


async def write_response(
    writer: asyncio.StreamWriter,
    head: RequestHead,
    response: Response,
    gone: Callable[[], bool] = lambda: False,
    stats: StreamStats | None = None,
) -> bool:
    """Write ``response``; True if the connection can be kept alive afterwards. A body
    that streams stops once ``gone()`` says the client has left."""
    keep_alive = head.keep_alive and (response.header("connection") or "").lower() != "close"
    headers = [(k, v) for k, v in response.headers if k.lower() != "connection"]
    names = {k.lower() for k, _ in headers}
    body = response.body
    bodiless_status = response.status in (204, 304) or response.status < 200
    chunked = False
    if isinstance(body, bytes):
        if "content-length" not in names and not bodiless_status:
            headers.append(("content-length", str(len(body))))
    elif "content-length" not in names:
        if head.version >= (1, 1):
            headers.append(("transfer-encoding", "chunked"))
            chunked = True
        else:
            keep_alive = False  # an HTTP/1.0 body of unknown length ends at close
    if "date" not in names:
        headers.append(("date", formatdate(usegmt=True)))
    if not keep_alive:
        headers.append(("connection", "close"))
    lines = [f"HTTP/1.1 {response.status} {_reason(response.status)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    if head.method == "HEAD" or bodiless_status:
        if not isinstance(body, bytes):
            await _close_iterator(body)
        await writer.drain()
        return keep_alive
    if isinstance(body, bytes):
        writer.write(body)
        await writer.drain()
        return keep_alive
    stats = stats or StreamStats()
    stats.open += 1
    try:
        since = time.monotonic()
        async for piece in body:
            if gone():  # stop making the rest: nobody reads it
                stats.abandoned += 1
                return False
            if piece:
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                stats.pieces += 1
                await writer.drain()  # waits only when the client reads slowly
            if time.monotonic() - since > YIELD_EVERY:  # let the other connections run
                await asyncio.sleep(0)
                since = time.monotonic()
    except CutConnection:
        await writer.drain()
        return False  # the caller closes: the client sees a body without its end
    except ConnectionError:
        stats.abandoned += 1
        return False
    finally:
        stats.open -= 1
        await _close_iterator(body)
    if chunked:
        writer.write(b"0\r\n\r\n")
    await writer.drain()
    return keep_alive


async def _close_iterator(body: AsyncIterator[bytes]) -> None:
    close = getattr(body, "aclose", None)
    if close is not None:
        with contextlib.suppress(Exception):
            await close()
