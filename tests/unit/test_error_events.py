"""Error events inside streams: the status comes from the error's code or type, wherever
the format puts it."""

from __future__ import annotations

import json

import httpx
import pytest

from r9s import errors

RESPONSE = httpx.Response(200, request=httpx.Request("POST", "http://test/responses"))


@pytest.mark.parametrize(
    ("payload", "cls"),
    [
        # OpenAI Responses API: code and message at the top level
        (
            {"type": "error", "code": "rate_limit_exceeded", "message": "slow down", "param": None},
            errors.RateLimitError,
        ),
        ({"type": "error", "code": "server_error", "message": "oops"}, errors.InternalServerError),
        # Anthropic: a nested error object with a type
        (
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            errors.ServiceUnavailableError,
        ),
    ],
)
def test_error_event_class(payload: dict[str, object], cls: type) -> None:
    error = errors.error_from_event(payload, json.dumps(payload), RESPONSE)
    assert type(error) is cls
    assert error.message == (payload.get("message") or "Overloaded")
