"""The HTTP clients an ``R9S`` makes itself: one sync client, one async client per event
loop, and their closing.

An async client belongs to the event loop it first ran on (its connections do), so each
loop gets its own: ``asyncio.run()`` twice on one ``R9S`` gets a fresh client the second
time, and threads that each run a loop do not share connections.

Closing uses nothing of the client but ``aclose()``, run on the loop that owns it, so any
transport (httpx's or another) is closed correctly:

- from code running on that loop, ``aclose()`` is awaited (or run as a task there);
- from another thread while that loop runs, it is handed to the loop;
- from outside any loop, an idle owner loop runs it;
- when the owner loop shuts down (``asyncio.run`` ending, or any loop running
  ``shutdown_asyncgens()``), a guard left on that loop closes the client there: the
  guard is an async generator, which the loop finalizes at its shutdown, as documented
  for ``loop.shutdown_asyncgens()``;
- a client whose loop has already closed cannot be closed on it any more: its
  ``aclose()`` is run once without a loop, which completes for a client that closes
  without awaiting anything (aiohttp's, whose loop is gone, only marks itself closed,
  so it never warns of an unclosed session); any other is dropped, and its connections
  are released as they are collected.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    from r9s.httpclient import AsyncHttpClient, HttpClient


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running in this thread, if any (without importing asyncio)."""
    asyncio = sys.modules.get("asyncio")  # no loop runs before asyncio is imported
    return asyncio._get_running_loop() if asyncio is not None else None


class LoopClient:
    """One async client and the loop it belongs to (``None``: made outside any loop, not
    used yet)."""

    __slots__ = ("client", "loop", "closed", "guard")

    def __init__(self, client: AsyncHttpClient, loop: asyncio.AbstractEventLoop | None) -> None:
        self.client = client
        self.loop = loop
        self.closed = False
        self.guard: AsyncGenerator[None, None] | None = None
        """Closes the client when its loop shuts down, while set."""

    async def aclose(self) -> None:
        """Close the client (once), on the loop this runs on."""
        if not self.closed:
            self.closed = True
            await self.client.aclose()

    def watch(self) -> None:
        """Leave a guard on the running loop (the owner) that closes the client when the
        loop shuts down. Runs on the owner loop."""
        guard = _close_at_shutdown(self)
        self.guard = guard
        # The first step registers the guard with the running loop (through its async
        # generator hooks) and stops at the ``yield``: no I/O, nothing awaited.
        with contextlib.suppress(StopIteration):
            guard.__anext__().send(None)

    def unwatch(self) -> None:
        """End the guard without it closing anything (the caller closes the client, or
        drops it)."""
        guard, self.guard = self.guard, None
        if guard is not None:
            # With ``self.guard`` unset its ``finally`` awaits nothing: this completes here.
            with contextlib.suppress(StopIteration, RuntimeError, ValueError):
                guard.aclose().send(None)

    def drop(self) -> None:
        """Let go of a client whose loop has closed: its close is run without a loop (see
        the module's notes); what it cannot close is released as it is collected."""
        self.unwatch()
        if not self.closed:
            self.closed = True
            _close_without_loop(self.client)


def _close_without_loop(client: AsyncHttpClient) -> None:
    """Run ``client.aclose()`` to its first suspension, outside any loop: a close that
    awaits nothing completes; one that needs its (closed) loop fails or suspends, and is
    abandoned there."""
    import asyncio

    running = asyncio._get_running_loop()
    asyncio._set_running_loop(None)  # not even the loop of the caller: none at all
    try:
        closing = client.aclose()
        try:
            closing.send(None)
        except StopIteration:
            return
        except Exception:  # it needed a loop: nothing more can be done
            return
        with contextlib.suppress(Exception):
            closing.close()
    finally:
        asyncio._set_running_loop(running)


async def _close_at_shutdown(entry: LoopClient) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        if entry.guard is not None:  # the loop is shutting down (or collected the guard)
            await entry.aclose()


class OwnedClients:
    """The HTTP clients one ``R9S`` made (and so must close); ``make_sync`` and
    ``make_async`` create them. Thread-safe."""

    __slots__ = ("make_sync", "make_async", "sync", "loops", "lock")

    def __init__(
        self, make_sync: Callable[[], HttpClient], make_async: Callable[[], AsyncHttpClient]
    ) -> None:
        self.make_sync = make_sync
        self.make_async = make_async
        self.sync: HttpClient | None = None
        self.loops: dict[asyncio.AbstractEventLoop | None, LoopClient] = {}
        self.lock = threading.Lock()

    def sync_client(self) -> HttpClient:
        client = self.sync
        if client is None:
            with self.lock:  # threads sharing this object make one client, not one each
                client = self.sync
                if client is None:
                    client = self.sync = self.make_sync()
        return client

    def async_client(self) -> AsyncHttpClient:
        """The client of the loop running in this thread (made on first use)."""
        loop = running_loop()
        entry = self.loops.get(loop)
        if entry is None or entry.closed:
            entry = self._new_entry(loop)
        return entry.client

    def _new_entry(self, loop: asyncio.AbstractEventLoop | None) -> LoopClient:
        with self.lock:
            loops = self.loops
            entry = loops.get(loop)
            if entry is not None and not entry.closed:
                return entry
            unused = loops.pop(None, None) if loop is not None else None
            if unused is not None and not unused.closed:
                entry = unused  # made outside any loop: the first loop to run adopts it
                entry.loop = loop
            else:
                entry = LoopClient(self.make_async(), loop)
            loops[loop] = entry
            ended = [loops.pop(old) for old in list(loops) if old is not None and old.is_closed()]
        if loop is not None:
            entry.watch()
        for stale in ended:  # of loops that have ended (each asyncio.run ends its loop)
            stale.drop()
        return entry

    def close(self, *, finalizing: bool = False) -> None:
        """Close every client: the sync one here, each async one on its loop (see the
        module's notes). ``finalizing``: called by a garbage collection, which may come
        at any point, so no loop is run or waited for here."""
        for entry in self._take_all():
            _close_from_anywhere(entry, finalizing=finalizing)

    async def aclose(self) -> None:
        """Close every client; those of the running loop (and unused ones) are awaited."""
        loop = running_loop()
        for entry in self._take_all():
            if entry.loop is loop or entry.loop is None:
                entry.unwatch()
                await entry.aclose()
            else:
                _close_from_anywhere(entry, finalizing=False)

    def _take_all(self) -> list[LoopClient]:
        """Close the sync client; return the async ones, forgotten here."""
        with self.lock:
            sync, self.sync = self.sync, None
            entries, self.loops = list(self.loops.values()), {}
        if sync is not None:
            sync.close()
        return entries


def _close_from_anywhere(entry: LoopClient, *, finalizing: bool) -> None:
    import asyncio

    from r9s._tasks import in_background

    loop = entry.loop
    if entry.closed:
        entry.unwatch()
        return
    if loop is None:  # never used: no connection, but close it all the same
        if not in_background(entry.aclose) and not finalizing:
            asyncio.run(entry.aclose())
        return
    if loop.is_closed():
        entry.drop()
        return
    running = asyncio._get_running_loop()
    if loop is running:
        entry.unwatch()
        in_background(entry.aclose)
    elif loop.is_running():  # in another thread: hand the close to it
        entry.unwatch()
        asyncio.run_coroutine_threadsafe(entry.aclose(), loop)
    elif not finalizing and running is None:  # an idle loop: run the close on it
        entry.unwatch()
        loop.run_until_complete(entry.aclose())
    # Otherwise the guard stays on the owner loop, and closes the client there when the
    # loop shuts down, or runs next (asyncio finalizes a collected guard on its loop).
