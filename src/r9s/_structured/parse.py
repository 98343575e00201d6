"""``parse``: one structured call, its strategy and its fallback, written once.

``parse_flow`` is a generator that does no I/O: it yields the request to send (the
endpoint and its parameters) and is resumed with the result (or the error) of sending
it. The endpoint is the resource's ``PARSE`` one, made for the call: its result is the
parsed one, and a stream is the format's ``Parsed...Stream``. Parsing is thereby part
of finishing the call, as decoding is: ``with_raw_response`` defers it to ``parse()``
like any result. ``parse_sync`` and ``parse_async`` send through the resource's bridges.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any

from r9s import errors
from r9s._structured.schema import output_type
from r9s._structured.wire import Strategy, Wire

if TYPE_CHECKING:
    import logging

    from r9s._pipeline import Endpoint
    from r9s._structured.schema import OutputType
    from r9s.resources._base import Resource

STRATEGIES = ("auto", "native", "tool")

Request = tuple["Endpoint[Any, Any, Any]", dict[str, Any]]
ParseFlow = Generator[Request, Any, Any]


def parsed_endpoint(
    template: Endpoint[Any, Any, Any], wire: Wire, output: OutputType[Any], tool: str | None
) -> Endpoint[Any, Any, Any]:
    """``template`` (a resource's ``PARSE`` endpoint) for one call: its result parsed into
    ``output`` (``tool``: the forced tool's name, or ``None``), its stream the format's
    structured one."""
    from r9s._structured.stream import parsed_handover

    decode = template.decode

    def parsed(body: bytes) -> Any:
        return wire.parsed(decode(body), output, tool)

    return dataclasses.replace(
        template, response=parsed, stream=parsed_handover(wire, output, tool)
    )


def parse_flow(
    wire: Wire,
    template: Endpoint[Any, Any, Any],
    output: OutputType[Any],
    strategy: Strategy,
    params: Mapping[str, Any],
    logger: logging.Logger | None,
) -> ParseFlow:
    """Send the request the strategy asks for; with ``"auto"``, send the tool form once
    if the server rejects the native one. Returns the result."""
    base = dict(params)
    if strategy == "tool":
        forced = parsed_endpoint(template, wire, output, output.name)
        return (yield forced, wire.forced_tool(base, output))
    try:
        return (yield parsed_endpoint(template, wire, output, None), wire.native(base, output))
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
    forced = parsed_endpoint(template, wire, output, output.name)
    return (yield forced, wire.forced_tool(base, output))


def _start(
    wire: Wire,
    resource: Resource,
    template: Endpoint[Any, Any, Any],
    spec: Any,
    strategy: Strategy,
    params: Mapping[str, Any],
) -> ParseFlow:
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
    if template.params is not None:
        template.params(params)  # a typo is a TypeError now, also for a stream
    output = output_type(spec)
    return parse_flow(wire, template, output, strategy, params, resource._client._pipeline.logger)


def resume(flow: Generator[Any, Any, Any], result: Any, error: BaseException | None) -> Any:
    """Resume ``flow`` with a result or an error: ``(done, next action or return value)``."""
    try:
        return False, flow.throw(error) if error is not None else flow.send(result)
    except StopIteration as stop:
        return True, stop.value


def parse_sync(
    wire: Wire,
    resource: Resource,
    template: Endpoint[Any, Any, Any],
    spec: Any,
    strategy: Strategy,
    stream: bool,
    params: Mapping[str, Any],
) -> Any:
    """``parse`` sending through the blocking bridge."""
    flow = _start(wire, resource, template, spec, strategy, params)
    done, value = resume(flow, None, None)
    while not done:
        endpoint, fields = value
        result: Any = None
        error: errors.APIStatusError | None = None
        try:
            result = resource._send(endpoint, fields, stream=stream)
        except errors.APIStatusError as exc:
            error = exc
        done, value = resume(flow, result, error)
    return value


async def parse_async(
    wire: Wire,
    resource: Resource,
    template: Endpoint[Any, Any, Any],
    spec: Any,
    strategy: Strategy,
    stream: bool,
    params: Mapping[str, Any],
) -> Any:
    """``parse`` sending through the async bridge."""
    flow = _start(wire, resource, template, spec, strategy, params)
    done, value = resume(flow, None, None)
    while not done:
        endpoint, fields = value
        result: Any = None
        error: errors.APIStatusError | None = None
        try:
            result = await resource._asend(endpoint, fields, stream=stream)
        except errors.APIStatusError as exc:
            error = exc
        done, value = resume(flow, result, error)
    return value
