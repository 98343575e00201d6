"""The two edges of the pipeline: ``send`` (blocking) and ``asend`` (asyncio).

Each prepares one call, performs the actions of its flow (``Send``, ``Read``, ``Sleep``)
and finishes the result, the one place that decides what a call returns: the decoded
result, or the open response handed over (an event stream, binary data), or, for
``with_raw_response``, a ``RawResponse`` holding either until ``parse()``. Everything
else is shared; only the I/O differs.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

from r9s._pipeline import (
    Action,
    Directives,
    Endpoint,
    Flow,
    Outcome,
    Pipeline,
    Prepared,
    Read,
    Send,
)

if TYPE_CHECKING:
    from r9s.client import R9S
    from r9s.httpclient import AsyncHttpClient, HttpClient


def send(
    client: R9S,
    endpoint: Endpoint[Any, Any, Any],
    params: Any,
    stream: bool = False,
    directives: Directives | None = None,
) -> Any:
    """Make one call with blocking I/O; see the module's notes for what it returns.
    ``directives`` are the SDK's own (``path``, ``headers``, ``body``, ``files``: see
    ``Pipeline.prepare``), never the caller's options."""
    pipeline = client._pipeline
    http = client.http_client
    call = pipeline.prepare(http, endpoint, params, stream, directives)
    try:
        response, body = _run(http, pipeline.flow(call))
    finally:
        call.sent()
    if client._raw:
        from r9s._raw import RawResponse

        return RawResponse(response, lambda: _result(pipeline, call, response, body, True))
    return _result(pipeline, call, response, body, True)


async def asend(
    client: R9S,
    endpoint: Endpoint[Any, Any, Any],
    params: Any,
    stream: bool = False,
    directives: Directives | None = None,
) -> Any:
    """``send`` with asyncio I/O."""
    pipeline = client._pipeline
    http = client.async_http_client
    call = pipeline.prepare(http, endpoint, params, stream, directives)
    try:
        response, body = await _arun(http, pipeline.flow(call))
    finally:
        call.sent()
    if client._raw:
        from r9s._raw import RawResponse

        return RawResponse(response, lambda: _result(pipeline, call, response, body, False))
    return _result(pipeline, call, response, body, False)


def _result(
    pipeline: Pipeline, call: Prepared, response: httpx.Response, body: bytes | None, sync: bool
) -> Any:
    if body is not None:
        return pipeline.decode(call, response, body)
    handover = call.endpoint.stream
    assert handover is not None  # a body is left unread only for a stream
    if sync:
        return handover.sync(response, call.secret)
    return handover.async_(response, call.secret)


def _run(http: HttpClient, flow: Flow) -> Outcome:
    """Perform the flow's actions with blocking I/O; return what it returns."""
    action: Any = next(flow)
    while True:
        result: Any = None
        error: httpx.RequestError | None = None
        try:
            if isinstance(action, Send):
                result = http.send(action.request, stream=True)
            elif isinstance(action, Read):
                response = action.response
                try:
                    result = response.read()
                finally:
                    response.close()
            else:
                time.sleep(action.seconds)
        except httpx.RequestError as exc:
            error = exc
        action = _resume(flow, result, error)
        if type(action) is tuple:
            return action


async def _arun(http: AsyncHttpClient, flow: Flow) -> Outcome:
    """Perform the flow's actions with asyncio I/O; return what it returns."""
    action: Any = next(flow)
    while True:
        result: Any = None
        error: httpx.RequestError | None = None
        try:
            if isinstance(action, Send):
                result = await http.send(action.request, stream=True)
            elif isinstance(action, Read):
                response = action.response
                try:
                    result = await response.aread()
                finally:
                    await response.aclose()
            else:
                import asyncio

                await asyncio.sleep(action.seconds)
        except httpx.RequestError as exc:
            error = exc
        action = _resume(flow, result, error)
        if type(action) is tuple:
            return action


def _resume(flow: Flow, result: Any, error: httpx.RequestError | None) -> Action | Outcome:
    """The flow's next action, resumed with ``result`` (or ``error`` thrown in), or the
    outcome it returns (the only tuple it gives)."""
    try:
        return flow.throw(error) if error is not None else flow.send(result)
    except StopIteration as stop:
        outcome: Outcome = stop.value
        return outcome
