"""The one seam between the batch runner and the SDK: POST a JSON body, get the answer.

The runner needs what no typed method returns: the exact JSON the server answered (it
is written to the output as is), the status and the request id, for successes and errors
alike, and no retries of the SDK's own (the runner retries, so that every 429 reaches
its concurrency controller). The SDK does everything else as for any call: the client's
key (also a callable), base URL, default headers, timeout and HTTP client
(``R9S(async_client=...)`` included), and error mapping with the key masked.

Public API only: a copy of the client without retries (``with_options``), its
``with_raw_response.post_async`` with ``cast_to=bytes`` (status, headers, request id,
and the body as it came).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from r9s import errors

if TYPE_CHECKING:
    import httpx

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
        return None if self.error is None else self.error.retry_after


def api_path(url: str) -> str:
    """``/v1/chat/completions`` -> ``/chat/completions`` (the client's base URL ends in /v1)."""
    return url[3:] if url.startswith("/v1/") else url


class Sender:
    """Sends a run's requests through ``client``, each once (the runner retries)."""

    __slots__ = ("_post",)

    def __init__(self, client: R9S, *, timeout: float | None = None) -> None:
        once = (
            client.with_options(retries=None)
            if timeout is None
            else client.with_options(retries=None, timeout=timeout)
        )
        self._post = once.with_raw_response.post_async

    async def post(self, url: str, body: Mapping[str, Any]) -> Answer:
        """POST ``body`` to ``url`` once. An HTTP error status is an ``Answer`` too; a
        connection failure or timeout raises ``r9s.errors.APIConnectionError``."""
        try:
            raw = await self._post(api_path(url), body=body, cast_to=bytes)
        except errors.APIStatusError as exc:
            return Answer(exc.status_code, exc.request_id, exc.body.encode(), exc.headers, exc)
        return Answer(raw.status_code, raw.request_id, raw.parse(), raw.headers)
