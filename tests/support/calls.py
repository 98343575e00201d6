"""``call(mode, url, "audio.transcribe", ...)``: one call on a fresh client, sync or async,
for the Prism contract tests (parametrized by operation and server), on ``Twin``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from r9s import R9S, errors
from r9s.utils import RetryConfig
from tests.support.twins import Twin, collect, method

__all__ = ["call", "collect"]


def call(
    mode: str,
    base_url: str,
    operation: str,
    /,
    *,
    consume: Callable[[Any], Any] | None = None,
    retry_config: RetryConfig | None = None,
    **params: Any,
) -> Any:
    """``operation`` ("audio.transcribe") on a fresh client at ``base_url``, sync or
    async; ``consume`` reads the result inside the same event loop (see ``Twin``). A
    request Prism finds invalid fails the test with Prism's ``sl-violations``."""
    with R9S(api_key="sk-test", server_url=base_url, retry_config=retry_config) as client:
        try:
            return method(Twin(client, mode), operation)(consume=consume, **params)
        except errors.APIStatusError as exc:
            violations = exc.headers.get("sl-violations") if exc.headers is not None else None
            if violations and not params.get("http_headers", {}).get("Prefer"):
                raise AssertionError(f"Prism rejected the request: {violations}") from exc
            raise
