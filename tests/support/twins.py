"""One test body for the sync and the async API.

``Twin(client, mode)`` is used like the client: ``twin.models.list()``,
``twin.chat.create(..., stream=True, consume=drain)``. In ``"sync"`` mode each call runs as
written; in ``"async"`` mode it runs as its ``_async`` twin, awaited in an event loop of its
own. ``consume`` reads a result that needs the loop (a stream, a binary body) inside it: a
function of the result that may return an awaitable. Anything that is not an API call
(``with_options(...)``, ``with_raw_response``) is the same either way, and stays a twin.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from r9s import R9S

Mode = str  # "sync" or "async"
MODES = ("sync", "async")
ASYNC_TRANSPORTS = ("aiohttp", "httpx")
"""What the async clients r9s makes run on; every async test runs on each."""
MODE_PARAMS = ("sync", *(f"async-{transport}" for transport in ASYNC_TRANSPORTS))
"""A ``mode`` fixture's parameters: sync once, async once per transport."""


def use_async_transport(transport: str, monkeypatch: Any) -> None:
    """Make every ``R9S`` built from now on in the test run its async calls on
    ``transport`` (through ``R9S_ASYNC_TRANSPORT``, so clients a test builds itself
    follow too)."""
    assert transport in ASYNC_TRANSPORTS
    monkeypatch.setenv("R9S_ASYNC_TRANSPORT", transport)


def enter_mode(param: str, monkeypatch: Any) -> Mode:
    """The ``Twin`` mode of a ``MODE_PARAMS`` parameter, its transport now in use."""
    mode, _, transport = param.partition("-")
    if transport:
        use_async_transport(transport, monkeypatch)
    return mode


class Twin:
    """An object of the SDK (the client, a resource), used sync or async."""

    __slots__ = ("_target", "mode")

    def __init__(self, target: Any, mode: Mode) -> None:
        assert mode in MODES
        self._target = target
        self.mode = mode

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value) and hasattr(type(self._target), name):
            return _Call(self._target, name, self.mode)
        return Twin(value, self.mode)


class _Call:
    __slots__ = ("target", "name", "mode")

    def __init__(self, target: Any, name: str, mode: Mode) -> None:
        self.target = target
        self.name = name
        self.mode = mode

    def __call__(
        self, *args: Any, consume: Callable[[Any], Any] | None = None, **kwargs: Any
    ) -> Any:
        twin = getattr(self.target, f"{self.name}_async", None)
        if self.mode == "sync" or twin is None:
            result = getattr(self.target, self.name)(*args, **kwargs)
            if consume is not None:
                return consume(result)
            return Twin(result, self.mode) if isinstance(result, R9S) else result

        async def run() -> Any:
            result = await twin(*args, **kwargs)
            if consume is None:
                return result
            value = consume(result)
            return await value if inspect.isawaitable(value) else value

        return asyncio.run(run())


# -- readers of streams, sync or async ------------------------------------------------


def drain(stream: Any) -> Any:
    """``(events, final, text)`` of a stream read to its end."""
    if hasattr(stream, "__aiter__"):

        async def read() -> Any:
            async with stream:
                events = [event async for event in stream]
                return events, await stream.get_final(), await stream.get_final_text()

        return read()
    with stream:
        return list(stream), stream.get_final(), stream.get_final_text()


def to_the_end(stream: Any) -> Any:
    """``(events, final)`` of a stream read to its end (any with ``get_final()``: a
    structured stream, a tool run...)."""
    if hasattr(stream, "__aiter__"):

        async def read() -> Any:
            async with stream:
                return [event async for event in stream], await stream.get_final()

        return read()
    with stream:
        return list(stream), stream.get_final()


def left_early(stream: Any) -> Any:
    """``(the first event, the error of reading on)`` of a stream whose loop was left at
    its first event (the error is ``None`` if reading on raised nothing). Async, the
    loop turns once after leaving it: the connection is released by then."""
    if hasattr(stream, "__aiter__"):

        async def read() -> Any:
            async for event in stream:
                first = event
                break
            await asyncio.sleep(0)
            try:
                await stream.get_final()
            except Exception as exc:
                return first, exc
            return first, None

        return read()
    for event in stream:
        first = event
        break
    try:
        stream.get_final()
    except Exception as exc:
        return first, exc
    return first, None


def text_only(stream: Any) -> Any:
    """The text deltas of a stream."""
    if hasattr(stream, "__aiter__"):
        return collect(stream.text_stream)
    return list(stream.text_stream)


def items(stream: Any) -> Any:
    """Every item of a stream."""
    if hasattr(stream, "__aiter__"):
        return collect(stream)
    return list(stream)


def read(binary: Any) -> Any:
    """The whole body of a binary response (or of a ``RawResponse``... anything with ``read``)."""
    return binary.read()


async def collect(stream: Any) -> list[Any]:
    """Every item of an async iterator."""
    return [item async for item in stream]


def method(twin: Twin, dotted: str) -> Any:
    """``twin``'s method named ``"resource.method"`` (for tests parametrized by operation)."""
    target: Any = twin
    for name in dotted.split("."):
        target = getattr(target, name)
    return target


def streamed(create: Any, /, **params: Any) -> tuple[list[Any], str, Any]:
    """``(items, text, final)``: the items and final result of one stream of ``create``
    (a twin's method), and the ``text_stream`` of a second."""
    events, final, _ = create(stream=True, consume=drain, **params)
    text = "".join(create(stream=True, consume=text_only, **params))
    return events, text, final


def speech_to_file(r9s: Twin, target: Any, /, **params: Any) -> tuple[int, int]:
    """``(bytes written, peak bytes allocated meanwhile)`` of ``audio.speech`` written
    straight to ``target``: the peak shows the audio was not held in memory."""
    import tracemalloc

    tracemalloc.start()
    try:
        written = r9s.audio.speech(consume=lambda audio: audio.write_to_file(target), **params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return written, peak
