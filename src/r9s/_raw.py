"""``r9s.with_raw_response``: the same calls, returning the HTTP response first.

``r9s.with_raw_response.chat.create(...)`` returns a ``RawResponse``: status, headers and
request id at once, the result on ``parse()``. Each resource module declares its raw
twin (``RawChat``...), one line per method (``create = raw(Chat.create)``), so type
checkers see every overload with ``RawResponse[...]`` around its result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar

from r9s import errors
from r9s._closing import Closing

if TYPE_CHECKING:
    import httpx

P = ParamSpec("P")
R = TypeVar("R")
T_co = TypeVar("T_co", covariant=True)

_UNPARSED: Any = object()


class RawResponse(Closing, Generic[T_co]):
    """The HTTP response of a call, and ``parse()`` for its result.

    For a call that streams (``stream=True``, ``audio.speech``), the body is not read
    yet: ``parse()`` returns the stream, which then owns the connection; close this
    object (``with`` does) if you do not call ``parse()``.
    """

    __slots__ = ("http_response", "_finish", "_parsed")

    def __init__(self, response: httpx.Response, finish: Callable[[], T_co]) -> None:
        self.http_response = response
        """The ``httpx.Response`` (its body read, unless the call streams)."""
        self._finish = finish
        self._parsed: Any = _UNPARSED

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The server's id for the request (``x-request-id``, ``request-id`` or a router's
        own header), for support tickets."""
        return errors.request_id_of(self.http_response.headers)

    @property
    def url(self) -> httpx.URL:
        """Where the request went."""
        return self.http_response.url

    def parse(self) -> T_co:
        """The call's result, as the call without ``with_raw_response`` returns it (made
        once: later calls return the same object)."""
        if self._parsed is _UNPARSED:
            self._parsed = self._finish()
        result: T_co = self._parsed
        return result

    def close(self) -> None:
        """Release the connection of a stream that was not parsed (safe to call twice)."""
        if self._parsed is _UNPARSED:
            self.http_response.close()

    def __repr__(self) -> str:
        request = self.http_response.request
        return f"<RawResponse {self.status_code} {request.method} {request.url}>"


class RawResource:
    """The raw twin of a resource (or of the client, for ``get``/``post``): its methods
    are the target's, returning a ``RawResponse``."""

    __slots__ = ("_target",)

    def __init__(self, target: Any) -> None:
        self._target = target
        """The resource of a client whose calls return ``RawResponse``s."""


def raw(
    method: Callable[Concatenate[Any, P], R],
) -> Callable[Concatenate[Any, P], RawResponse[R]]:
    """``method`` of the target, for a ``RawResource``: the result in a ``RawResponse``."""

    def call(view: RawResource, /, *args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        result: RawResponse[R] = method(view._target, *args, **kwargs)  # type: ignore[assignment]
        return result

    call.__doc__ = method.__doc__
    call.__name__ = method.__name__
    return call


def araw(
    method: Callable[Concatenate[Any, P], Awaitable[R]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, RawResponse[R]]]:
    """The async twin of ``raw``."""

    async def call(view: RawResource, /, *args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        result: RawResponse[R] = await method(view._target, *args, **kwargs)  # type: ignore[assignment]
        return result

    call.__doc__ = method.__doc__
    call.__name__ = method.__name__
    return call
