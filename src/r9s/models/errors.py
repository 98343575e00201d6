"""Error bodies, parsed leniently: OpenAI, Anthropic and the r9s spec's shapes."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, field_validator

from r9s.models._base import ResponseModel


class ErrorDetail(ResponseModel):
    """The ``error`` object of an error body."""

    message: str | None = None
    type: str | None = None
    code: str | int | None = None
    param: str | None = None


class ErrorBody(ResponseModel):
    """An error response body. ``status`` is the HTTP status when the body omits it."""

    error: ErrorDetail = Field(default_factory=ErrorDetail)
    """The error; from ``parse_error_body`` (``exc.data``) its ``message`` is always set."""
    status: int | None = None
    type: str | None = None

    @field_validator("error", mode="before")
    @classmethod
    def _error_as_object(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"message": value}
        return value if isinstance(value, dict | ErrorDetail) else {}

    @field_validator("status", mode="before")
    @classmethod
    def _lenient_status(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_error_body(body: str, status: int) -> ErrorBody:
    """Parse any error body; a non-JSON or empty body still gives an ``ErrorBody``."""
    from r9s.errors import _message_of

    try:
        payload: Any = json.loads(body) if body.strip() else None
    except ValueError:
        payload = None
    parsed: ErrorBody | None = None
    if isinstance(payload, dict):
        try:
            parsed = ErrorBody.model_validate(payload)
        except ValueError:
            parsed = None
    if parsed is None:
        parsed = ErrorBody(error=ErrorDetail(message=_message_of(body, status)))
    if parsed.status is None:
        parsed.status = status
    if parsed.error.message is None:
        parsed.error.message = _message_of(body, status)
    return parsed
