"""Error bodies parse leniently whatever their shape."""

from __future__ import annotations

import pytest

from r9s.models.errors import parse_error_body


def test_openai_shape_with_null_param_and_integer_status() -> None:
    body = (
        '{"error": {"message": "slow down", "type": "rate_limit", "code": null, "param": null},'
        ' "status": 429}'
    )
    data = parse_error_body(body, 429)
    assert data.error is not None
    assert (data.error.message, data.error.type, data.error.param, data.status) == (
        "slow down",
        "rate_limit",
        None,
        429,
    )


def test_anthropic_shape() -> None:
    data = parse_error_body(
        '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}', 529
    )
    assert data.type == "error" and data.error is not None
    assert (data.error.type, data.error.message, data.status) == (
        "overloaded_error",
        "Overloaded",
        529,
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Service Unavailable"),
        ("upstream connect error", "upstream connect error"),
        ("<html><body>Bad gateway</body></html>", "<html><body>Bad gateway</body></html>"),
        ('{"error": "plain string"}', "plain string"),
        ('{"detail": "not here"}', "not here"),
        ('["a list"]', '["a list"]'),
        ('{"error": {"code": 7}, "status": "503"}', '{"error": {"code": 7}, "status": "503"}'),
    ],
)
def test_odd_bodies_still_give_a_message_and_status(body: str, message: str) -> None:
    data = parse_error_body(body, 503)
    assert data.error is not None and data.error.message == message
    assert data.status == 503


def test_status_of_wrong_type_falls_back_to_http_status() -> None:
    assert parse_error_body('{"error": {"message": "x"}, "status": "teapot"}', 418).status == 418
