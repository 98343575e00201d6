"""Releasing the connection of a response, also from a finaliser, without ever blocking.

A stream, a binary body or a raw response dropped without being closed is closed by
its finaliser (with a ``ResourceWarning``). A finaliser may run inside a garbage
collection, and a collection may start anywhere, for instance on this very thread while
it holds the HTTP pool's lock (httpcore's is not reentrant): closing a response there
waits on that lock forever. So:

- a sync response is closed at once, unless this thread is running a collection: then
  it is queued, and closed at the next safe point (the next call any client makes, or
  ``release_pending()``);
- the HTTP library reads a body through generators whose own finalisers close the
  response (httpcore's take the pool's lock). A collection must never finalise them:
  while a body is read, ``Reading`` keeps them reachable from ``_OPEN``, so they are
  never garbage, and closes them with the response;
- an async response is closed by a task handed to its event loop (``r9s._tasks.
  hand_to``: thread-safe, never waits), or not at all once that loop has closed (its
  connections went with it).

The SDK's own objects hold no reference cycles, so one dropped outside a collection is
freed (and closed) at once, where it was dropped.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import warnings
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any

from r9s._clients import running_loop
from r9s._tasks import hand_to, in_background

if TYPE_CHECKING:
    import asyncio

    import httpx

_collector: int | None = None
"""The thread running a garbage collection, if one is running."""


def _track_collections(phase: str, info: dict[str, int]) -> None:
    global _collector
    _collector = threading.get_ident() if phase == "start" else None


gc.callbacks.append(_track_collections)


def collecting() -> bool:
    """Whether this thread is running a garbage collection (finalisers included)."""
    return _collector is not None and _collector == threading.get_ident()


class Reading:
    """A sync response handed to the caller, and the iterator reading its body."""

    __slots__ = ("response", "_chunks", "__weakref__")

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks: Iterator[bytes] | None = None

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body's (decoded) chunks, as they arrive; the iterator is kept reachable
        until ``close()``."""
        chunks = self._chunks = self.response.iter_bytes(chunk_size)
        _OPEN.add(self)
        return chunks

    def close(self) -> None:
        """Release the connection: now, or at the next safe point during a collection."""
        if collecting():
            _PENDING.append(self)
            return
        try:
            self.response.close()
        finally:
            chunks, self._chunks = self._chunks, None
            _OPEN.discard(self)
            if chunks is not None and not getattr(chunks, "gi_running", False):
                chunks.close()  # type: ignore[attr-defined]


_OPEN: set[Reading] = set()
"""Readings whose body iterator is live: reachable from here, never collected."""
_PENDING: deque[Reading] = deque()
"""Readings to close at the next safe point (dropped during a collection)."""


def release_pending() -> None:
    """Close what finalisers queued during a garbage collection. Called at safe points:
    the start of every call, and a client's ``close()``."""
    while _PENDING and not collecting():
        try:
            reading = _PENDING.popleft()
        except IndexError:  # another thread took the last one
            return
        with contextlib.suppress(Exception):  # a connection that broke meanwhile
            reading.close()


def release_async(
    loop: asyncio.AbstractEventLoop | None, aclose: Callable[[], Coroutine[Any, Any, Any]]
) -> None:
    """Run ``aclose()`` (which releases an async connection) on ``loop``, the one the
    connection belongs to, without waiting: as a task at once when this thread runs that
    loop (outside a collection), else handed to it (thread-safe); not at all once that
    loop has closed."""
    if loop is not None and loop is running_loop() and not collecting():
        in_background(aclose)
    else:
        hand_to(loop, aclose)


def warn_unclosed(what: object, hint: str = "close it, or use `with`") -> None:
    """The ``ResourceWarning`` for ``what``, dropped unclosed."""
    with contextlib.suppress(Exception):  # interpreter shutdown, or a filter that raises
        warnings.warn(f"unclosed {what!r}: {hint}", ResourceWarning, stacklevel=2, source=what)
