"""Error bodies in each API family's own shape, and the exception handlers raise to send one."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Literal

from r9s.testing._http import Response
from r9s.testing._sse import Event, dumps, json_event

Family = Literal["openai", "anthropic", "google"]
"""Which wire format a path speaks: decides the shape of its error bodies."""

JSON_HEADERS = [("content-type", "application/json")]

_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_GOOGLE_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """Raised by a handler; rendered in the family of the path that was called."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        error_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.error_type = error_type


def missing(param: str) -> ApiError:
    return ApiError(
        400,
        f"Missing required parameter: '{param}'.",
        code="missing_required_parameter",
        param=param,
    )


def invalid(param: str, message: str) -> ApiError:
    return ApiError(400, message, code="invalid_value", param=param)


def openai_error_type(status: int) -> str:
    if status in _OPENAI_TYPES:
        return _OPENAI_TYPES[status]
    return "server_error" if status >= 500 else "invalid_request_error"


def anthropic_error_type(status: int) -> str:
    if status in _ANTHROPIC_TYPES:
        return _ANTHROPIC_TYPES[status]
    return "api_error" if status >= 500 else "invalid_request_error"


def google_status(status: int) -> str:
    if status in _GOOGLE_STATUSES:
        return _GOOGLE_STATUSES[status]
    return "INTERNAL" if status >= 500 else "FAILED_PRECONDITION"


def error_body(family: Family, error: ApiError) -> dict[str, Any]:
    """The JSON body of ``error`` as an API of ``family`` sends it."""
    if family == "anthropic":
        kind = error.error_type or anthropic_error_type(error.status)
        return {"type": "error", "error": {"type": kind, "message": error.message}}
    if family == "google":
        return {
            "error": {
                "code": error.status,
                "message": error.message,
                "status": google_status(error.status),
            }
        }
    # The integer "status" next to "error" is what the r9s spec adds to OpenAI's shape.
    return {
        "error": {
            "message": error.message,
            "type": error.error_type or openai_error_type(error.status),
            "code": error.code,
            "param": error.param,
        },
        "status": error.status,
    }


def error_response(
    family: Family, error: ApiError, headers: list[tuple[str, str]] | None = None
) -> Response:
    body = dumps(error_body(family, error)).encode()
    return Response(error.status, JSON_HEADERS + list(headers or []), body)


_EXTRA_PHRASES = {529: "Overloaded"}  # Anthropic's; not in http.HTTPStatus


def default_message(status: int) -> str:
    if status in _EXTRA_PHRASES:
        return _EXTRA_PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def openai_stream_error(sent: int) -> Event:
    """The in-stream error of chat and completions streams: a bare ``data:`` line."""
    return json_event(
        {
            "error": {
                "message": f"The server had an error while streaming (after {sent} events).",
                "type": "server_error",
                "code": "stream_error",
                "param": None,
            }
        }
    )
