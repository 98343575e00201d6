"""``run_tools``: send, run the tools the model calls, send their results, until the model
answers without calling one (or ``max_turns`` requests were made).

``tool_loop`` is the loop, once, with no I/O: a generator yielding ``(SEND, params)``,
``(RUN, calls)`` and ``(EMIT, event)``. Two edges drive it: ``_steps_sync`` (blocking
sends, tools in threads when the model asks for several) and ``_steps_async`` (awaited
sends, tools gathered; sync tools in threads). Each edge yields the run's events; the
non-streaming forms drain them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from r9s import errors
from r9s._streaming import AsyncClosingStream, ClosingStream
from r9s._structured.parse import resume
from r9s.tools import (
    TextEvent,
    Tool,
    ToolArgumentsError,
    ToolCall,
    ToolCallEvent,
    ToolResult,
    ToolResultEvent,
    ToolRunEvent,
    as_tool,
)

if TYPE_CHECKING:
    from r9s._pipeline import Endpoint
    from r9s._structured.wire import Wire
    from r9s.resources._base import Resource

R = TypeVar("R")

SEND: Final = 0
RUN: Final = 1
EMIT: Final = 2

DEFAULT_MAX_TURNS = 10
FALLBACK_LOGGER = logging.getLogger("r9s.tools")


class Toolbox:
    """The tools of one run: their definitions for the request, and the runnable ones
    by name. Turns a call into its result (or an error result the model can read)."""

    def __init__(
        self, tools: Sequence[Any], wire: Wire, *, raise_errors: bool, logger: logging.Logger
    ) -> None:
        self.definitions: list[Any] = []
        self.runnable: dict[str, Tool[..., Any]] = {}
        for value in tools:
            made = as_tool(value)
            if made is None:
                self.definitions.append(wire.render(value))
                continue
            if made.name in self.runnable:
                raise ValueError(f"two tools are named {made.name!r}: tool names must differ")
            self.runnable[made.name] = made
            self.definitions.append(wire.render(made))
        self.raise_errors = raise_errors
        self.logger = logger

    def bind(self, call: ToolCall) -> tuple[Tool[..., Any], Callable[[], Any]] | ToolResult:
        """The tool and its validated call, or the error result to send instead."""
        found = self.runnable.get(call.name)
        if found is None:
            known = ", ".join(sorted(self.runnable)) or "none"
            return ToolResult(
                call, f"Error: there is no tool named {call.name!r} (tools: {known}).", True
            )
        try:
            return found, found.bind(call.arguments)
        except ToolArgumentsError as exc:
            return ToolResult(
                call, f"Error: {exc}. Call it again with valid arguments.", True, error=exc
            )

    def success(self, call: ToolCall, value: Any) -> ToolResult:
        return ToolResult(call, result_text(value), False, value)

    def failure(self, call: ToolCall, exc: Exception) -> ToolResult:
        if self.raise_errors:
            raise exc
        self.logger.warning("tool %s raised %s: %s", call.name, type(exc).__name__, exc,
                            exc_info=exc)  # fmt: skip
        return ToolResult(call, f"Error: {type(exc).__name__}: {exc}", True, error=exc)


def result_text(value: Any) -> str:
    """What the model reads of a tool's return value: a string as it is, anything else
    as JSON (pydantic models, dataclasses, dates... included)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    from pydantic_core import to_json

    return to_json(value, fallback=str).decode()


def tool_loop(
    wire: Wire, params: Mapping[str, Any], toolbox: Toolbox, max_turns: int
) -> Generator[tuple[int, Any], Any, Any]:
    """The tool loop of one run, as data (see the module's docstring)."""
    key = wire.conversation_key
    conversation = wire.conversation(params)
    base = {name: value for name, value in params.items() if name not in (key, "tools")}
    if toolbox.definitions:
        base["tools"] = toolbox.definitions
    turns = 0
    while True:
        turns += 1
        result = yield SEND, {**base, key: list(conversation)}
        conversation.extend(wire.assistant_turn(result))
        calls = wire.calls(result)
        if not calls:
            return wire.run_result(result, conversation, turns, False)
        for call in calls:
            yield EMIT, ToolCallEvent(call)
        results: list[ToolResult] = yield RUN, calls
        for outcome in results:
            yield EMIT, ToolResultEvent(outcome)
        conversation.extend(wire.tool_results(results))
        if turns >= max_turns:
            return wire.run_result(result, conversation, turns, True)


# -- running the calls ------------------------------------------------------------------


def _run_one(toolbox: Toolbox, call: ToolCall) -> ToolResult:
    bound = toolbox.bind(call)
    if isinstance(bound, ToolResult):
        return bound
    _, run = bound
    try:
        value = run()
        if inspect.isawaitable(value):
            value = _run_coroutine(value)
    except Exception as exc:
        return toolbox.failure(call, exc)
    return toolbox.success(call, value)


async def _await(value: Any) -> Any:
    return await value


def _run_coroutine(value: Any) -> Any:
    """An async tool's result, in a sync run: in a fresh event loop, on a thread of its
    own when this thread already runs a loop (a notebook)."""
    if asyncio._get_running_loop() is None:
        return asyncio.run(_await(value))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _await(value)).result()


def run_calls(toolbox: Toolbox, calls: Sequence[ToolCall]) -> list[ToolResult]:
    """Run ``calls`` (at once, in threads, when there are several), results in order."""
    if len(calls) == 1:
        return [_run_one(toolbox, calls[0])]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(calls), 32)) as pool:
        return list(pool.map(lambda call: _run_one(toolbox, call), calls))


async def _run_one_async(toolbox: Toolbox, call: ToolCall) -> ToolResult:
    bound = toolbox.bind(call)
    if isinstance(bound, ToolResult):
        return bound
    found, run = bound
    try:
        value = run() if found.is_async else await asyncio.to_thread(run)
        if inspect.isawaitable(value):
            value = await value
    except Exception as exc:
        return toolbox.failure(call, exc)
    return toolbox.success(call, value)


async def run_calls_async(toolbox: Toolbox, calls: Sequence[ToolCall]) -> list[ToolResult]:
    """Run ``calls`` concurrently (async tools awaited, others in threads), in order."""
    return list(await asyncio.gather(*(_run_one_async(toolbox, call) for call in calls)))


# -- the two edges ----------------------------------------------------------------------


def _steps_sync(
    wire: Wire,
    resource: Resource,
    endpoint: Endpoint[Any, Any, Any],
    flow: Generator[tuple[int, Any], Any, Any],
    toolbox: Toolbox,
    stream: bool,
) -> Generator[ToolRunEvent, None, Any]:
    done, value = resume(flow, None, None)
    while not done:
        kind, subject = value
        result: Any = None
        if kind == SEND:
            if stream:
                with resource._send(endpoint, subject, stream=True) as events:
                    for event in events:
                        text = wire.text_delta(event)
                        if text:
                            yield TextEvent(text)
                    result = events.get_final()
            else:
                result = resource._send(endpoint, subject)
        elif kind == RUN:
            result = run_calls(toolbox, subject)
        else:
            yield subject
        done, value = resume(flow, result, None)
    return value


async def _steps_async(
    wire: Wire,
    resource: Resource,
    endpoint: Endpoint[Any, Any, Any],
    flow: Generator[tuple[int, Any], Any, Any],
    toolbox: Toolbox,
    stream: bool,
    final: list[Any],
) -> AsyncGenerator[ToolRunEvent, None]:
    done, value = resume(flow, None, None)
    while not done:
        kind, subject = value
        result: Any = None
        if kind == SEND:
            if stream:
                opened = await resource._asend(endpoint, subject, stream=True)
                async with opened as events:
                    async for event in events:
                        text = wire.text_delta(event)
                        if text:
                            yield TextEvent(text)
                    result = await events.get_final()
            else:
                result = await resource._asend(endpoint, subject)
        elif kind == RUN:
            result = await run_calls_async(toolbox, subject)
        else:
            yield subject
        done, value = resume(flow, result, None)
    final.append(value)


def _prepare(
    wire: Wire,
    resource: Resource,
    endpoint: Endpoint[Any, Any, Any],
    tools: Sequence[Any],
    params: Mapping[str, Any],
    max_turns: int,
    raise_on_tool_error: bool,
) -> tuple[Toolbox, Generator[tuple[int, Any], Any, Any]]:
    if max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, not {max_turns}")
    if endpoint.params is not None:
        endpoint.params(params)  # a typo is a TypeError now, also for a stream
    logger = resource._client._pipeline.logger or FALLBACK_LOGGER
    toolbox = Toolbox(tools, wire, raise_errors=raise_on_tool_error, logger=logger)
    return toolbox, tool_loop(wire, params, toolbox, max_turns)


_UNFINISHED: Any = object()


class _RunEnds:
    """What the sync and async tool-run streams share: the run's result, once it ended."""

    _final: Any = _UNFINISHED

    def _ended(self) -> bool:
        return self._final is not _UNFINISHED

    def _closed_early(self) -> errors.IncompleteStreamError:
        return errors.IncompleteStreamError(
            "the tool run was closed before its end: it has no final result", reason="closed"
        )


class ToolRunStream(_RunEnds, ClosingStream[ToolRunEvent], Generic[R]):
    """A tool run as it happens: iterate its ``ToolRunEvent``s (text deltas, tool calls,
    tool results); ``get_final()`` runs it to the end and returns the result. Like every
    stream, leaving the ``for`` loop early, ``close()`` or the end of a ``with`` block
    stops the run and releases the connection; the run then has no result."""

    def __init__(self, steps: Generator[ToolRunEvent, None, R]) -> None:
        self._closed = False
        self._iterator = self._events(steps)

    def _events(
        self, steps: Generator[ToolRunEvent, None, R]
    ) -> Generator[ToolRunEvent, None, None]:
        try:
            self._final = yield from steps
        finally:
            self.close()

    def get_final(self) -> R:
        """Run to the end; the last response, with the whole exchange."""
        self.until_done()
        final: R = self._final
        return final


class AsyncToolRunStream(_RunEnds, AsyncClosingStream[ToolRunEvent], Generic[R]):
    """The async twin of ``ToolRunStream``: ``async for``, ``async with``."""

    def __init__(self, steps: AsyncGenerator[ToolRunEvent, None], final: list[Any]) -> None:
        self._closed = False
        self._steps = steps
        self._iterator = self._events(steps, final)

    async def _events(
        self, steps: AsyncGenerator[ToolRunEvent, None], final: list[Any]
    ) -> AsyncGenerator[ToolRunEvent, None]:
        try:
            async for event in steps:
                yield event
            self._final = final[0]
        finally:
            await self.aclose()

    async def _arelease(self) -> None:
        await self._steps.aclose()  # an async for left early does not close what it read

    async def get_final(self) -> R:
        """Run to the end; the last response, with the whole exchange."""
        await self.until_done()
        final: R = self._final
        return final


def run_tools_sync(
    wire: Wire,
    resource: Resource,
    endpoint: Endpoint[Any, Any, Any],
    tools: Sequence[Any],
    params: Mapping[str, Any],
    max_turns: int,
    raise_on_tool_error: bool,
    stream: bool,
) -> Any:
    toolbox, flow = _prepare(
        wire, resource, endpoint, tools, params, max_turns, raise_on_tool_error
    )
    steps = _steps_sync(wire, resource, endpoint, flow, toolbox, stream)
    run: ToolRunStream[Any] = ToolRunStream(steps)
    return run if stream else run.get_final()


async def run_tools_async(
    wire: Wire,
    resource: Resource,
    endpoint: Endpoint[Any, Any, Any],
    tools: Sequence[Any],
    params: Mapping[str, Any],
    max_turns: int,
    raise_on_tool_error: bool,
    stream: bool,
) -> Any:
    toolbox, flow = _prepare(
        wire, resource, endpoint, tools, params, max_turns, raise_on_tool_error
    )
    final: list[Any] = []
    steps = _steps_async(wire, resource, endpoint, flow, toolbox, stream, final)
    run: AsyncToolRunStream[Any] = AsyncToolRunStream(steps, final)
    return run if stream else await run.get_final()
