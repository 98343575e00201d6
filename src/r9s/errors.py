"""Everything the SDK raises.

```
R9SError                        base: message, status_code, headers, body, raw_response, data
├── ConfigurationError          bad client setup (missing API key, bad URL), before any request
├── APIConnectionError          no usable response; also an ``httpx.TransportError`` subclass
│   └── APITimeoutError         also an ``httpx.TimeoutException`` subclass
├── APIStatusError              the server answered with an error status (or sent an error event)
│   ├── BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403,
│   │   NotFoundError 404, ConflictError 409, UnprocessableEntityError 422,
│   │   RateLimitError 429, InternalServerError 500, ServiceUnavailableError 502/503/529
│   └── R9SDefaultError         any other status
├── ResponseValidationError     a 2xx body that does not decode (``.cause``)
├── IncompleteStreamError       an event stream that ended before its final event
├── ParseError                  a structured answer that does not fit the requested type
├── LengthFinishReasonError     a structured answer cut at the token limit
└── ContentFilterFinishReasonError  a structured answer stopped by the content filter
```

Network failures are raised as instances of both the r9s class and the original
httpx class, so ``except httpx.RequestError`` / ``except httpx.TimeoutException``
keep working alongside ``except r9s.errors.APIConnectionError``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import httpx

    from r9s.models.errors import ErrorBody

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "IncompleteStreamError",
    "InternalServerError",
    "LengthFinishReasonError",
    "NoResponseError",
    "NotFoundError",
    "ParseError",
    "PermissionDeniedError",
    "R9SDefaultError",
    "R9SError",
    "RateLimitError",
    "ResponseValidationError",
    "ServiceUnavailableError",
    "UnprocessableEntityError",
    "error_from_response",
]

_BODY_SNIPPET = 500


REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-onr-request-id")
"""Where servers put the request id: the common header, Anthropic's, and routers' own;
any other header whose name ends in ``request-id`` / ``requestid`` is found too."""


def request_id_of(headers: httpx.Headers) -> str | None:
    """The request id a server sent, from the first of ``REQUEST_ID_HEADERS`` it has, else
    from a header named ``*-request-id`` (a router's or a cloud's own)."""
    for name in REQUEST_ID_HEADERS:
        value: str | None = headers.get(name)
        if value:
            return value
    for name, value in headers.items():
        lower = name.lower()
        if value and (lower.endswith("-request-id") or lower.endswith("-requestid")):
            return value
    return None


class R9SError(Exception):
    """Base class of every error raised by r9s."""

    message: str
    status_code: int | None
    headers: httpx.Headers | None
    body: str
    raw_response: httpx.Response | None

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        body: str = "",
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.raw_response = response
        self.headers = response.headers if response is not None else None
        self.status_code = status_code or (response.status_code if response is not None else None)
        self.body = body
        self._data: ErrorBody | None = None

    @property
    def data(self) -> ErrorBody | None:
        """The error body, parsed leniently (``.error.message``, ``.error.type``, ``.status``)."""
        if self._data is None and self.status_code is not None:
            from r9s.models.errors import parse_error_body

            self._data = parse_error_body(self.body, self.status_code)
        return self._data

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        status = f"status_code={self.status_code}, " if self.status_code else ""
        return f"{type(self).__name__}({status}message={self.message!r})"


class ConfigurationError(R9SError, ValueError):
    """The client cannot make a request as configured (for example, no API key)."""


class APIConnectionError(R9SError):
    """No usable response: connection refused or reset, DNS, TLS, protocol error."""


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout fired."""


NoResponseError = APIConnectionError  # the name used by r9s 0.x


class APIStatusError(R9SError):
    """The server answered with an error status, or sent an error inside a stream."""

    status_code: int

    @property
    def data(self) -> ErrorBody:
        """The error body, parsed leniently: ``.error.message`` (always set),
        ``.error.type``, ``.error.code``, ``.error.param``, and ``.status`` (the HTTP status
        when the body has none)."""
        data = self._data
        if data is None:
            from r9s.models.errors import parse_error_body

            data = self._data = parse_error_body(self.body, self.status_code)
        return data

    @property
    def request_id(self) -> str | None:
        """The server's request id, for support tickets."""
        return request_id_of(self.headers) if self.headers is not None else None

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked us to wait (``Retry-After`` / ``retry-after-ms``), if any."""
        if self.headers is None:
            return None
        from r9s._retry import retry_after_seconds

        return retry_after_seconds(self.headers)

    def __str__(self) -> str:
        reason = _REASONS.get(self.status_code, "")
        head = f"{self.status_code} {reason}".rstrip()
        request_id = self.request_id
        tail = f" (request id {request_id})" if request_id else ""
        return f"{head}: {self.message}{tail}"


class BadRequestError(APIStatusError):
    """400: the request is malformed or names something the server rejects."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this model or operation."""


class NotFoundError(APIStatusError):
    """404: no such model, path or resource."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state; retried by default."""


class UnprocessableEntityError(APIStatusError):
    """422: the request is well-formed but its values are invalid."""


class RateLimitError(APIStatusError):
    """429: too many requests or tokens; see ``retry_after``."""


class InternalServerError(APIStatusError):
    """500: the server failed."""


class ServiceUnavailableError(APIStatusError):
    """502, 503 (and Anthropic's 529 overloaded): the upstream is unavailable."""


class R9SDefaultError(APIStatusError):
    """Any error status without a class of its own (402, 408, 413, 504, ...)."""


class ResponseValidationError(R9SError):
    """A successful response whose body could not be decoded; ``cause`` says why."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        body: str = "",
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message, response=response, body=body)
        self.cause = cause


StreamEnd = Literal["ended", "closed", "connection_lost"]


class IncompleteStreamError(R9SError):
    """A stream that did not reach its final event: the answer is truncated.

    ``reason`` says how: ``"ended"``, the body ended without the final event;
    ``"closed"``, the stream was read on after it was closed early; ``"connection_lost"``,
    the connection failed after the stream had begun (such an error is also an
    ``APIConnectionError`` and the original ``httpx`` exception). ``events`` is how many
    events arrived before.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        events: int = 0,
        reason: StreamEnd = "ended",
    ) -> None:
        super().__init__(message, response=response)
        self.events = events
        self.reason: StreamEnd = reason

    @property
    def data(self) -> ErrorBody:
        """What happened, in the shape of an error body: ``.error.message`` is the message,
        ``.error.type`` is ``"incomplete_stream"`` and ``.error.code`` the ``reason``."""
        data = self._data
        if data is None:
            from r9s.models.errors import ErrorBody, ErrorDetail

            detail = ErrorDetail(message=self.message, type="incomplete_stream", code=self.reason)
            data = self._data = ErrorBody(error=detail, status=self.status_code)
        return data


class ParseError(R9SError):
    """A structured answer (``parse``) that is not valid JSON or does not fit the
    requested type: ``text`` is the raw answer, ``errors`` pydantic's list of what is
    wrong (empty when there was nothing to parse), ``completion`` the whole response."""

    def __init__(
        self,
        message: str,
        *,
        text: str = "",
        errors: list[Any] | None = None,
        completion: Any = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message, body=text)
        self.text = text
        self.errors = errors or []
        self.completion = completion
        self.cause = cause


class LengthFinishReasonError(R9SError):
    """A structured answer cut at the token limit (``finish_reason="length"``,
    ``stop_reason="max_tokens"``, an ``incomplete`` response): its JSON is unfinished.
    ``completion`` holds the response; raise ``max_tokens`` and try again."""

    def __init__(self, message: str, *, completion: Any = None) -> None:
        super().__init__(message)
        self.completion = completion


class ContentFilterFinishReasonError(R9SError):
    """A structured answer the provider's content filter stopped
    (``finish_reason="content_filter"``); ``completion`` holds the response."""

    def __init__(self, message: str, *, completion: Any = None) -> None:
        super().__init__(message)
        self.completion = completion


STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    502: ServiceUnavailableError,
    503: ServiceUnavailableError,
    529: ServiceUnavailableError,
}

# Error ``type`` strings (Anthropic and OpenAI) for errors sent inside a 200 event stream.
TYPE_STATUS: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "insufficient_quota": 429,
    "api_error": 500,
    "server_error": 500,
    "overloaded_error": 529,
}

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Overloaded",
}


def _message_of(body: str, status: int) -> str:
    """The server's ``error.message``, else a snippet of the body, else the reason phrase."""
    try:
        payload: Any = json.loads(body) if body else None
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            message = error.get("message") or error.get("msg")
            if isinstance(message, str) and message:
                return message
        elif isinstance(error, str) and error:
            return error
        message = payload.get("message") or payload.get("detail")
        if isinstance(message, str) and message:
            return message
    text = body.strip()
    if text:
        return text if len(text) <= _BODY_SNIPPET else text[:_BODY_SNIPPET] + "..."
    return _REASONS.get(status, "HTTP error")


def _redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4 and secret in text:
        from r9s._config import mask_key

        return text.replace(secret, mask_key(secret))
    return text


def error_from_response(
    response: httpx.Response, body: str, *, secret: str | None = None
) -> APIStatusError:
    """The error for an HTTP error response; the class comes from the status code."""
    body = _redact(body, secret)
    status = response.status_code
    cls = STATUS_CLASSES.get(status, R9SDefaultError)
    return cls(_message_of(body, status), response=response, body=body)


def error_from_event(
    payload: Any, raw: str, response: httpx.Response, *, secret: str | None = None
) -> APIStatusError:
    """The error for an ``error`` event (or ``{"error": ...}`` data) inside a stream."""
    raw = _redact(raw, secret)
    status = 500
    if isinstance(payload, dict):
        error = payload.get("error")
        if error is None and payload.get("type") == "error":
            error = payload  # the Responses API puts code and message at the top level
        declared = payload.get("status")
        if isinstance(error, dict):
            declared = error.get("status", declared)
            code = error.get("code")
            kind = error.get("type")
            if isinstance(code, int) and 400 <= code < 600:
                declared = declared or code
            elif isinstance(kind, str) and kind in TYPE_STATUS:
                declared = declared or TYPE_STATUS[kind]
            elif isinstance(code, str) and code in TYPE_STATUS:
                declared = declared or TYPE_STATUS[code]
        if isinstance(declared, str) and declared.isdigit():
            declared = int(declared)
        if isinstance(declared, int) and 400 <= declared < 600:
            status = declared
    cls = STATUS_CLASSES.get(status, R9SDefaultError)
    return cls(_message_of(raw, status), response=response, body=raw, status_code=status)


_WRAPPED: dict[type[BaseException], type[APIConnectionError]] = {}


def _wrapped_class(original: type[httpx.RequestError]) -> type[APIConnectionError]:
    """The class that is both ``original`` (an httpx error) and the matching r9s class,
    made once per httpx class."""
    import httpx

    wrapped = _WRAPPED.get(original)
    if wrapped is None:
        timeout = issubclass(original, httpx.TimeoutException)
        base = APITimeoutError if timeout else APIConnectionError
        wrapped = type(
            original.__name__,
            (base, original),
            {"__module__": __name__, "__reduce__": _reduce_transport_error},
        )
        _WRAPPED[original] = wrapped
    return wrapped


def _reduce_transport_error(error: BaseException) -> tuple[Any, ...]:
    # A made class cannot be found by name when unpickled: rebuild it from its httpx base.
    original = next(cls for cls in type(error).__mro__ if cls.__module__.startswith("httpx"))
    cut = isinstance(error, IncompleteStreamError)
    return _rebuild_transport_error, (original, error.args, cut), error.__dict__


def _rebuild_transport_error(
    original: type[httpx.RequestError], args: tuple[Any, ...], cut: bool = False
) -> APIConnectionError:
    wrapped = _stream_cut_class(original) if cut else _wrapped_class(original)
    error = wrapped.__new__(wrapped)
    Exception.__init__(error, *args)
    return error  # pickle then restores its attributes


def wrap_transport_error(exc: httpx.RequestError, *, secret: str | None = None) -> R9SError:
    """An error that is both the r9s class and the original httpx class of ``exc``."""
    import httpx

    original = type(exc)
    kind = "Timed out" if isinstance(exc, httpx.TimeoutException) else "Connection error"
    return _wrap(exc, _wrapped_class(original), f"{kind}: ", "", secret)


def wrap_stream_cut(
    exc: httpx.RequestError,
    *,
    what: str,
    events: int,
    response: httpx.Response | None = None,
    secret: str | None = None,
) -> IncompleteStreamError:
    """The error for a connection that failed after ``what`` (``"the chat stream"``)
    began: an ``IncompleteStreamError`` (reason ``"connection_lost"``) that is also the
    ``APIConnectionError`` / ``APITimeoutError`` and the httpx class of ``exc``."""
    import httpx

    wrapped = _stream_cut_class(type(exc))
    kind = "Timed out" if isinstance(exc, httpx.TimeoutException) else "Connection error"
    count = f"{events} event{'s' if events != 1 else ''}"
    # The transport error's own words first, as for any connection error (what reads
    # "Connection error: <reason>" keeps working); then what it cut.
    suffix = f", after {count} of {what}: the answer is incomplete"
    error = _wrap(exc, wrapped, f"{kind}: ", suffix, secret)
    error.raw_response = response
    error.headers = response.headers if response is not None else None
    error.status_code = response.status_code if response is not None else None
    error.events = events  # type: ignore[attr-defined]
    error.reason = "connection_lost"  # type: ignore[attr-defined]
    return error  # type: ignore[return-value]


_STREAM_CUTS: dict[type[BaseException], type[APIConnectionError]] = {}


def _stream_cut_class(original: type[httpx.RequestError]) -> type[APIConnectionError]:
    wrapped = _STREAM_CUTS.get(original)
    if wrapped is None:
        wrapped = _STREAM_CUTS[original] = type(
            original.__name__,
            (_wrapped_class(original), IncompleteStreamError),
            {"__module__": __name__, "__reduce__": _reduce_transport_error},
        )
    return wrapped


def _wrap(
    exc: httpx.RequestError,
    wrapped: type[APIConnectionError],
    prefix: str,
    suffix: str,
    secret: str | None,
) -> APIConnectionError:
    original = type(exc)
    request = getattr(exc, "_request", None)
    detail = _redact(str(exc) or original.__name__, secret)
    where = f" ({request.method} {request.url})" if request is not None else ""
    message = f"{prefix}{detail}{suffix}{where}"
    error = wrapped.__new__(wrapped)
    # R9SError first: its super().__init__ reaches httpx's, which the second call completes.
    R9SError.__init__(error, message)
    original.__init__(error, message, request=request)  # type: ignore[arg-type]
    return error
