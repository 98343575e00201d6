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

from r9s import _release, errors
from r9s._pipeline import (
    Action,
    Deadline,
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
    if _release._PENDING:
        _release.release_pending()
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
    if _release._PENDING:
        _release.release_pending()
    pipeline = client._pipeline
    http = client.async_http_client
    call = pipeline.prepare(http, endpoint, params, stream, directives)
    try:
        response, body = await _arun(http, pipeline.flow(call))
    finally:
        call.sent()
    if client._raw:
        from r9s._clients import running_loop
        from r9s._raw import RawResponse

        return RawResponse(
            response,
            lambda: _result(pipeline, call, response, body, False),
            loop=running_loop(),
        )
    return _result(pipeline, call, response, body, False)


def _result(
    pipeline: Pipeline, call: Prepared, response: httpx.Response, body: bytes | None, sync: bool
) -> Any:
    if body is not None:
        return pipeline.decode(call, response, body)
    handover = call.endpoint.stream
    assert handover is not None  # a body is left unread only for a stream
    if sync:
        return handover.sync(response, call)
    return handover.async_(response, call)


def _run(http: HttpClient, flow: Flow) -> Outcome:
    """Perform the flow's actions with blocking I/O; return what it returns. (A deadline
    has shortened the request's timeouts: the flow did that.)"""
    action: Any = next(flow)
    while True:
        result: Any = None
        error: httpx.RequestError | None = None
        try:
            if isinstance(action, Send):
                result = http.send(action.request, stream=True)
            elif isinstance(action, Read):
                result = read_body(action.response, action.limit, action.deadline)
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
                sending = http.send(action.request, stream=True)
                if action.deadline is None:
                    result = await sending
                else:
                    result = await _by(action.deadline, sending, action.request)
            elif isinstance(action, Read):
                result = await aread_body(action.response, action.limit, action.deadline)
            else:
                import asyncio

                await asyncio.sleep(action.seconds)
        except httpx.RequestError as exc:
            error = exc
        action = _resume(flow, result, error)
        if type(action) is tuple:
            return action


async def _by(deadline: Deadline, work: Any, request: httpx.Request) -> Any:
    """Await ``work``, cut short (``DeadlineExceeded``) when ``deadline`` passes."""
    import asyncio

    try:
        async with asyncio.timeout(deadline.left()) as scope:
            return await work
    except TimeoutError:
        if scope.expired():
            raise deadline.passed(request) from None
        raise


def read_body(
    response: httpx.Response, limit: int | None = None, deadline: Deadline | None = None
) -> bytes:
    """The body of ``response``, decompressed, and the connection released. Past
    ``limit`` bytes, ``errors.ResponseTooLargeError``; once ``deadline`` has passed (it
    is checked as each piece arrives), ``DeadlineExceeded``."""
    body = _Body(response, limit)
    try:
        for chunk in response.iter_bytes():
            body.add(chunk)
            if deadline is not None and deadline.left() <= 0:
                raise deadline.passed(response.request)
    finally:
        response.close()
    return body.whole()


async def aread_body(
    response: httpx.Response, limit: int | None = None, deadline: Deadline | None = None
) -> bytes:
    """``read_body`` with asyncio I/O (the deadline cuts a wait for a piece short)."""
    if deadline is None:
        return await _aread(response, limit)
    return await _by(deadline, _aread(response, limit), response.request)  # type: ignore[no-any-return]


async def _aread(response: httpx.Response, limit: int | None) -> bytes:
    body = _Body(response, limit)
    try:
        async for chunk in response.aiter_bytes():
            body.add(chunk)
    finally:
        await response.aclose()
    return body.whole()


class _Body:
    """A body as it is read, held to ``limit`` bytes."""

    __slots__ = ("response", "limit", "parts", "size")

    def __init__(self, response: httpx.Response, limit: int | None) -> None:
        self.response = response
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            raise too_large(self.response, self.limit)
        self.parts.append(chunk)

    def whole(self) -> bytes:
        body = b"".join(self.parts)
        # What ``response.read()`` keeps: ``.content``, ``.text`` and ``.json()`` then
        # work (on ``RawResponse.http_response``, on an error's ``raw_response``).
        self.response._content = body
        return body


def too_large(response: httpx.Response, limit: int) -> errors.ResponseTooLargeError:
    request = response.request
    return errors.ResponseTooLargeError(
        f"the response to {request.method} {request.url} is larger than {limit} bytes "
        "(decompressed), the client's max_response_size: refused rather than held in "
        "memory; raise max_response_size to accept it",
        response=response,
        limit=limit,
    )


def _resume(flow: Flow, result: Any, error: httpx.RequestError | None) -> Action | Outcome:
    """The flow's next action, resumed with ``result`` (or ``error`` thrown in), or the
    outcome it returns (the only tuple it gives)."""
    try:
        return flow.throw(error) if error is not None else flow.send(result)
    except StopIteration as stop:
        outcome: Outcome = stop.value
        return outcome
