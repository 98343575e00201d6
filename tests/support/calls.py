"""Call an operation sync or async with one test body (``mode`` is "sync" or "async")."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from r9s import R9S, errors
from r9s.utils import RetryConfig


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
    async. ``consume`` (which may return an awaitable) reads the result inside the same
    event loop, for streams and binary bodies. A request Prism finds invalid fails the
    test with Prism's ``sl-violations``."""
    resource, method = operation.split(".")
    try:
        if mode == "sync":
            with R9S(api_key="sk-test", server_url=base_url, retry_config=retry_config) as client:
                result = getattr(getattr(client, resource), method)(**params)
                return consume(result) if consume else result

        async def run() -> Any:
            async with R9S(
                api_key="sk-test", server_url=base_url, retry_config=retry_config
            ) as client:
                result = await getattr(getattr(client, resource), f"{method}_async")(**params)
                value = consume(result) if consume else result
                return await value if inspect.isawaitable(value) else value

        return asyncio.run(run())
    except errors.APIStatusError as exc:
        violations = exc.headers.get("sl-violations") if exc.headers is not None else None
        if violations and not params.get("http_headers", {}).get("Prefer"):
            raise AssertionError(f"Prism rejected the request: {violations}") from exc
        raise


async def collect(stream: Any) -> list[Any]:
    """Every item of an async stream."""
    return [item async for item in stream]
