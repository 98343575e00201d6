"""``parse``: one structured call, its strategy and its fallback, written once.

``parse_flow`` is a generator that does no I/O: it yields the parameters of each request
to send and is resumed with the result (or the error) of sending them. ``parse_sync`` and
``parse_async`` send through a resource's bridges (``_call``/``_stream`` and their async
twins) and wrap a stream in the matching ``ParsedStream`` class.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any

from r9s import errors
from r9s._structured.schema import output_type
from r9s._structured.wire import Strategy, Wire

if TYPE_CHECKING:
    import logging

    from r9s._pipeline import Operation
    from r9s._structured.schema import OutputType
    from r9s._structured.stream import AsyncParsedStream, ParsedStream
    from r9s.resources._base import Resource

STRATEGIES = ("auto", "native", "tool")

ParseFlow = Generator[dict[str, Any], Any, tuple[Any, "str | None"]]


def parse_flow(
    wire: Wire,
    output: OutputType[Any],
    strategy: Strategy,
    params: Mapping[str, Any],
    logger: logging.Logger | None,
) -> ParseFlow:
    """Send the request the strategy asks for; with ``"auto"``, send the tool form once
    if the server rejects the native one. Returns ``(result, forced tool name or None)``."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
    base = dict(params)
    if strategy == "tool":
        return (yield wire.forced_tool(base, output)), output.name
    try:
        return (yield wire.native(base, output)), None
    except errors.APIStatusError as exc:
        if strategy != "auto" or not wire.rejects_native(exc):
            raise
        if logger is not None:
            logger.debug(
                "%s.parse: the server rejected the native structured output (%s); "
                "asking again with a forced tool call",
                wire.name,
                exc.message,
            )
    return (yield wire.forced_tool(base, output)), output.name


def _logger(resource: Resource) -> logging.Logger | None:
    pipeline = getattr(resource._client, "_pipeline", None)
    return getattr(pipeline, "logger", None)


def _start(
    wire: Wire, resource: Resource, spec: Any, strategy: Strategy, params: Mapping[str, Any]
) -> tuple[OutputType[Any], ParseFlow]:
    if "stream" in params:
        raise TypeError(f"{wire.name}.parse() takes stream= as its own keyword argument")
    output = output_type(spec)
    return output, parse_flow(wire, output, strategy, params, _logger(resource))


def resume(flow: Generator[Any, Any, Any], result: Any, error: BaseException | None) -> Any:
    """Resume ``flow`` with a result or an error: ``(done, next action or return value)``."""
    try:
        return False, flow.throw(error) if error is not None else flow.send(result)
    except StopIteration as stop:
        return True, stop.value


def _finish(
    wire: Wire, output: OutputType[Any], done: tuple[Any, str | None], stream_class: Any
) -> Any:
    result, tool = done
    if stream_class is not None:
        return stream_class(result, wire, output, tool)
    return wire.parsed(result, output, tool)


def parse_sync(
    wire: Wire,
    resource: Resource,
    operation: Operation[Any, Any, Any],
    stream_class: type[ParsedStream[Any, Any, Any]] | None,
    spec: Any,
    strategy: Strategy,
    params: Mapping[str, Any],
) -> Any:
    """``parse`` sending through the blocking bridges; a ``stream_class`` streams."""
    output, flow = _start(wire, resource, spec, strategy, params)
    done, value = resume(flow, None, None)
    while not done:
        result: Any = None
        error: errors.APIStatusError | None = None
        try:
            if stream_class is not None:
                result = resource._stream(operation, {**value, "stream": True})
            else:
                result = resource._call(operation, value)
        except errors.APIStatusError as exc:
            error = exc
        done, value = resume(flow, result, error)
    return _finish(wire, output, value, stream_class)


async def parse_async(
    wire: Wire,
    resource: Resource,
    operation: Operation[Any, Any, Any],
    stream_class: type[AsyncParsedStream[Any, Any, Any]] | None,
    spec: Any,
    strategy: Strategy,
    params: Mapping[str, Any],
) -> Any:
    """``parse`` sending through the async bridges; a ``stream_class`` streams."""
    output, flow = _start(wire, resource, spec, strategy, params)
    done, value = resume(flow, None, None)
    while not done:
        result: Any = None
        error: errors.APIStatusError | None = None
        try:
            if stream_class is not None:
                result = await resource._stream_async(operation, {**value, "stream": True})
            else:
                result = await resource._call_async(operation, value)
        except errors.APIStatusError as exc:
            error = exc
        done, value = resume(flow, result, error)
    return _finish(wire, output, value, stream_class)
