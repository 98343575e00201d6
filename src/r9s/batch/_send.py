"""The one seam between the batch runner and the SDK: POST a JSON body, get the answer.

The runner needs what no typed method returns: the exact JSON the server answered (it
is written to the output as is), the status and the request id, for successes and errors
alike, and no retries of the SDK's own (the runner retries, so that every 429 reaches
its concurrency controller). The SDK's pipeline does everything else as for any call:
the client's key (also a callable), base URL, default headers, timeout and HTTP client
(``R9S(async_client=...)`` included), and error mapping with the key masked.

It uses ``R9S._request_async`` with an ``Operation`` that has no decoder, in raw mode.
This is the only place in ``r9s.batch`` that touches a private name of the SDK; when the
client offers a public raw request (``r9s.post(..., raw)``) this function moves to it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from r9s import errors

if TYPE_CHECKING:
    import httpx

    from r9s._pipeline import Operation
    from r9s.client import R9S


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer: its status, the server's request id, the raw body and headers."""

    status: int
    request_id: str | None
    body: bytes
    headers: httpx.Headers | None = None
    error: errors.APIStatusError | None = None
    """The SDK's error for an error status (raised when it stops the run)."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (``retry-after-ms`` / ``Retry-After``)."""
        if self.headers is None:
            return None
        from r9s._retry import retry_after_seconds

        return retry_after_seconds(self.headers)


@functools.lru_cache(maxsize=16)
def _operation(path: str) -> Operation[Any, Any, Any]:
    from r9s._pipeline import Operation

    return Operation("POST", path)


def api_path(url: str) -> str:
    """``/v1/chat/completions`` -> ``/chat/completions`` (the client's base URL ends in /v1)."""
    return url[3:] if url.startswith("/v1/") else url


async def post(
    client: R9S, url: str, body: Mapping[str, Any], *, timeout: float | None = None
) -> Answer:
    """POST ``body`` to ``url`` once. An HTTP error status is an ``Answer`` too; a
    connection failure or timeout raises ``r9s.errors.APIConnectionError``."""
    options: dict[str, Any] = {"extra_body": body, "retries": None}
    if timeout is not None:
        options["timeout"] = timeout
    try:
        raw = await client._request_async(_operation(api_path(url)), options, raw=True)
    except errors.APIStatusError as exc:
        return Answer(exc.status_code, exc.request_id, exc.body.encode(), exc.headers, exc)
    content = await raw.read()
    return Answer(raw.response.status_code, raw.request_id, content, raw.headers)
