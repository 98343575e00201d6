"""The two edges of the pipeline: ``send`` (blocking) and ``asend`` (asyncio).

Each prepares one call, performs the actions of its flow (``Send``, ``Read``, ``Sleep``)
and finishes the result, the one place that decides what a call returns: the decoded
result, or the open response handed over (an event stream, binary data), or, for
``with_raw_response``, a ``RawResponse`` holding either until ``parse()``. Everything
else is shared; only the I/O differs.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Unpack

import httpx

from r9s._pipeline import Directives, Endpoint, Flow, Outcome, Pipeline, Prepared, Read, Send

if TYPE_CHECKING:
    from r9s.client import R9S
    from r9s.httpclient import AsyncHttpClient, HttpClient


def send(
    client: R9S,
    endpoint: Endpoint[Any, Any, Any],
    params: Any,
    *,
    stream: bool = False,
    **directives: Unpack[Directives],
) -> Any:
    """Make one call with blocking I/O; see the module's notes for what it returns.
    ``directives`` are the SDK's own (``path``, ``headers``, ``body``, ``files``: see
    ``Pipeline.prepare``), never the caller's options."""
    pipeline = client._pipeline
    http = client.http_client
    call = pipeline.prepare(http, endpoint, params, stream=stream, **directives)
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
    *,
    stream: bool = False,
    **directives: Unpack[Directives],
) -> Any:
    """``send`` with asyncio I/O."""
    pipeline = client._pipeline
    http = client.async_http_client
    call = pipeline.prepare(http, endpoint, params, stream=stream, **directives)
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
    resume = flow.send
    action = next(flow)
    while True:
        try:
            if isinstance(action, Send):
                result: Any = http.send(action.request, stream=True)
            elif isinstance(action, Read):
                response = action.response
                try:
                    result = response.read()
                finally:
                    response.close()
            else:
                time.sleep(action.seconds)
                result = None
        except httpx.RequestError as exc:
            try:
                action = flow.throw(exc)
            except StopIteration as stop:
                outcome: Outcome = stop.value
                return outcome
            continue
        try:
            action = resume(result)
        except StopIteration as stop:
            outcome = stop.value
            return outcome


async def _arun(http: AsyncHttpClient, flow: Flow) -> Outcome:
    """Perform the flow's actions with asyncio I/O; return what it returns."""
    resume = flow.send
    action = next(flow)
    while True:
        try:
            if isinstance(action, Send):
                result: Any = await http.send(action.request, stream=True)
            elif isinstance(action, Read):
                response = action.response
                try:
                    result = await response.aread()
                finally:
                    await response.aclose()
            else:
                import asyncio

                await asyncio.sleep(action.seconds)
                result = None
        except httpx.RequestError as exc:
            try:
                action = flow.throw(exc)
            except StopIteration as stop:
                outcome: Outcome = stop.value
                return outcome
            continue
        try:
            action = resume(result)
        except StopIteration as stop:
            outcome = stop.value
            return outcome
