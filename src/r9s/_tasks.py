"""Work left to the running event loop, kept alive until it is done."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

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
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return True
