"""Work left to an event loop, kept alive until it is done."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

_RUNNING: set[Any] = set()
"""Tasks started here, until they end (an event loop holds its tasks only weakly)."""


def in_background(work: Callable[[], Coroutine[Any, Any, None]]) -> bool:
    """Run ``work()`` as a task of the event loop running in this thread; ``False`` (and
    nothing done) when no loop is running, or it is shutting down."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    coroutine = work()
    try:
        task = loop.create_task(coroutine)
    except RuntimeError:  # the loop is closing
        coroutine.close()
        return False
    _keep(task)
    return True


def hand_to(
    loop: asyncio.AbstractEventLoop | None, work: Callable[[], Coroutine[Any, Any, Any]]
) -> bool:
    """Run ``work()`` as a task of ``loop``, asked from any thread or from a finaliser
    (this never waits: the loop starts it on its next turn); errors it raises are
    dropped. ``False`` when there is no such loop any more (``None``, or closed)."""
    if loop is None or loop.is_closed():
        return False
    try:
        loop.call_soon_threadsafe(_start, loop, work)
    except RuntimeError:  # closed meanwhile
        return False
    return True


def _start(loop: asyncio.AbstractEventLoop, work: Callable[[], Coroutine[Any, Any, Any]]) -> None:
    _keep(loop.create_task(_quietly(work)))


async def _quietly(work: Callable[[], Coroutine[Any, Any, Any]]) -> None:
    with contextlib.suppress(Exception):  # a connection that broke meanwhile, say
        await work()


def _keep(task: asyncio.Task[Any]) -> None:
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
