"""Public helpers: retry configuration (names and argument order as in r9s 0.x)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BackoffStrategy", "RetryConfig", "default_retry_config"]


@dataclass
class BackoffStrategy:
    """Exponential backoff, all times in milliseconds.

    The n-th retry waits about ``initial_interval * exponent**n`` (jittered, at most
    ``max_interval``); no retry starts once ``max_elapsed_time`` has passed since the
    first attempt began.
    """

    initial_interval: int = 500
    max_interval: int = 8_000
    exponent: float = 2.0
    max_elapsed_time: int = 60_000


@dataclass
class RetryConfig:
    """When and how often to retry a request.

    Retried: HTTP 408, 409, 429 and every 5xx except 501, 505, 508 and 511 (which say
    the request will never work as sent), a response carrying ``x-should-retry: true``,
    and (with ``retry_connection_errors``) failures to connect or to receive a response.
    ``Retry-After`` / ``retry-after-ms`` are honoured. A stream is never retried once it
    has been handed to the caller.

    ``strategy="none"`` disables retries; ``max_retries`` caps the number of retries
    (``None``: only ``backoff.max_elapsed_time`` bounds them).
    """

    strategy: str = "backoff"
    backoff: BackoffStrategy = field(default_factory=BackoffStrategy)
    retry_connection_errors: bool = True
    max_retries: int | None = None


def default_retry_config() -> RetryConfig:
    """What a client uses when given no ``retry_config``: up to 2 retries within 60 s,
    waiting about 0.5 s then 1 s (or what ``Retry-After`` asks), connection errors included."""
    return RetryConfig("backoff", BackoffStrategy(500, 8_000, 2.0, 60_000), True, max_retries=2)
