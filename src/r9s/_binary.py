"""Binary responses (generated speech): read them whole, iterate them, or write them to
a file chunk by chunk without holding them in memory.

The body is not read until asked for. ``read()``, ``write_to_file()`` and a finished
iteration release the connection; otherwise close the object (``with`` does).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeAlias

from r9s import errors
from r9s._closing import AsyncClosing, Closing
from r9s._release import Reading, release_async, warn_unclosed

if TYPE_CHECKING:
    import httpx

FileTarget: TypeAlias = str | os.PathLike[str] | IO[bytes]
"""Where ``write_to_file`` writes: a path (created or replaced) or an open binary file."""


class _Sink:
    """Chunks to a file; counts them."""

    __slots__ = ("file", "written")

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.written = 0

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.written += len(chunk)


@contextmanager
def _sink(target: FileTarget) -> Iterator[_Sink]:
    """A sink for ``target``; a file created here is closed here, and removed if the
    download fails half-way (no truncated audio left behind)."""
    if not isinstance(target, str | os.PathLike):
        yield _Sink(target)
        return
    path = Path(target)
    with open(path, "wb") as file:
        try:
            yield _Sink(file)
        except BaseException:
            file.close()
            path.unlink(missing_ok=True)
            raise


class _BinaryBase:
    """What the sync and async binary responses share."""

    __slots__ = ("response", "_secret", "_limit")

    def __init__(
        self, response: httpx.Response, *, secret: str | None = None, limit: int | None = None
    ) -> None:
        self.response = response
        """The underlying ``httpx.Response`` (its body unread)."""
        self._secret = secret
        self._limit = limit
        """The most bytes ``read()`` holds in memory (``max_response_size``)."""

    def _dropped_open(self) -> bool:
        response = getattr(self, "response", None)  # None: its __init__ failed
        return response is not None and not response.is_closed

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def content_type(self) -> str | None:
        """The media type the server sent, e.g. ``"audio/mpeg"``."""
        value = self.response.headers.get("content-type")
        return value.split(";", 1)[0].strip() if value else None

    @property
    def request_id(self) -> str | None:
        """The server's request id, for support tickets."""
        return errors.request_id_of(self.response.headers)

    def _wrap(self, exc: httpx.RequestError) -> errors.R9SError:
        return errors.wrap_transport_error(exc, secret=self._secret)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.content_type or 'unknown type'}>"


class BinaryResponse(_BinaryBase, Closing):
    """A binary response body (``audio.speech``): ``read()``, iterate, or
    ``write_to_file(path)``. Dropped unclosed, it closes itself (``ResourceWarning``)."""

    __slots__ = ("_reading",)

    def __init__(
        self, response: httpx.Response, *, secret: str | None = None, limit: int | None = None
    ) -> None:
        super().__init__(response, secret=secret, limit=limit)
        self._reading = Reading(response)

    def read(self) -> bytes:
        """The whole body (in memory; ``errors.ResponseTooLargeError`` past the client's
        ``max_response_size``: write it to a file instead)."""
        import httpx

        from r9s._senders import read_body

        try:
            return read_body(self.response, self._limit)
        except httpx.RequestError as exc:
            raise self._wrap(exc) from exc
        finally:
            self.close()

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body in chunks as they arrive (of ``chunk_size`` bytes, if given)."""
        import httpx

        try:
            # Not ``yield from``: that closes the HTTP library's iterator when this one
            # is finalised, perhaps by a garbage collection (see ``r9s._release``).
            for chunk in self._reading.chunks(chunk_size):  # noqa: UP028
                yield chunk
        except httpx.RequestError as exc:
            raise self._wrap(exc) from exc
        finally:
            self.close()

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_bytes()

    def write_to_file(self, file: FileTarget, *, chunk_size: int | None = None) -> int:
        """Write the body to ``file`` as it arrives; return the number of bytes written."""
        with _sink(file) as sink:
            for chunk in self.iter_bytes(chunk_size):
                sink.write(chunk)
        return sink.written

    stream_to_file = write_to_file

    def close(self) -> None:
        """Release the connection (safe to call more than once)."""
        self._reading.close()

    def __del__(self) -> None:
        if self._dropped_open():
            warn_unclosed(self, "read it, write it to a file, close it, or use `with`")
            self._reading.close()


class AsyncBinaryResponse(_BinaryBase, AsyncClosing):
    """The async twin of ``BinaryResponse``: ``await read()``, ``async for``,
    ``await write_to_file(path)``."""

    __slots__ = ("_loop",)

    def __init__(
        self, response: httpx.Response, *, secret: str | None = None, limit: int | None = None
    ) -> None:
        from r9s._clients import running_loop

        super().__init__(response, secret=secret, limit=limit)
        self._loop = running_loop()

    async def read(self) -> bytes:
        """The whole body (in memory; ``errors.ResponseTooLargeError`` past the client's
        ``max_response_size``: write it to a file instead)."""
        import httpx

        from r9s._senders import aread_body

        try:
            return await aread_body(self.response, self._limit)
        except httpx.RequestError as exc:
            raise self._wrap(exc) from exc
        finally:
            await self.close()

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body in chunks as they arrive (of ``chunk_size`` bytes, if given)."""
        import httpx

        try:
            async for chunk in self.response.aiter_bytes(chunk_size):
                yield chunk
        except httpx.RequestError as exc:
            raise self._wrap(exc) from exc
        finally:
            await self.close()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_bytes()

    async def write_to_file(self, file: FileTarget, *, chunk_size: int | None = None) -> int:
        """Write the body to ``file`` as it arrives; return the number of bytes written."""
        with _sink(file) as sink:
            async for chunk in self.iter_bytes(chunk_size):
                sink.write(chunk)
        return sink.written

    stream_to_file = write_to_file

    async def close(self) -> None:
        """Release the connection (safe to call more than once)."""
        await self.response.aclose()

    aclose = close

    def __del__(self) -> None:
        if self._dropped_open():
            warn_unclosed(self, "read it, write it to a file, close it, or use `async with`")
            release_async(self._loop, self.response.aclose)
