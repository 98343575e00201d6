"""The retry policy: pure decisions, no I/O and no sleeping."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from r9s.utils import RetryConfig

RETRYABLE_4XX = frozenset({408, 409, 429})
NOT_RETRIED_5XX = frozenset({501, 505, 508, 511})
"""Server errors that say the request will never work as sent (not implemented, HTTP
version, a loop in the route, a network login): every other 5xx is a passing state
(including Cloudflare's 520-524 in front of a slow model, and Anthropic's 529)."""


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait the server asked for: ``retry-after-ms``, then ``Retry-After`` as seconds
    or as an HTTP date (a past date is 0). ``None`` when absent or unreadable (``nan``,
    ``inf`` included)."""
    value = headers.get("retry-after-ms")
    if value:
        seconds = _finite(value)
        if seconds is not None:
            return max(0.0, seconds / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _finite(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _finite(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def should_retry_status(status: int, headers: Mapping[str, str]) -> bool:
    """Whether an error status is worth another attempt (``x-should-retry`` decides first)."""
    hint = headers.get("x-should-retry")
    if hint == "true":
        return True
    if hint == "false":
        return False
    if status >= 500:
        return status not in NOT_RETRIED_5XX
    return status in RETRYABLE_4XX


def backoff_delay(config: RetryConfig, retries_done: int) -> float:
    """Seconds to wait before retry number ``retries_done + 1``: exponential, jittered."""
    backoff = config.backoff
    initial, cap, exponent = backoff.initial_interval, backoff.max_interval, backoff.exponent
    if exponent > 1 and initial > 0:
        # Past the retry where the power reaches ``max_interval`` it changes nothing;
        # stopping there keeps it from overflowing a float after many retries.
        steps = math.ceil(math.log(cap / initial, exponent)) if initial < cap else 0
        retries_done = min(retries_done, steps)
    ceiling = min(cap, initial * exponent**retries_done)
    return ceiling * random.uniform(0.5, 1.0) / 1000


def next_delay(
    config: RetryConfig | None,
    retries_done: int,
    elapsed: float,
    *,
    headers: Mapping[str, str] | None = None,
) -> float | None:
    """Seconds to wait before retrying, or ``None`` to give up.

    The caller has already decided that the failure is retryable. A server-requested
    wait is used as is when positive (else the backoff applies); a wait that would end
    past ``max_elapsed_time`` gives up at once rather than sleeping for nothing.
    """
    if config is None or config.strategy == "none":
        return None
    if config.max_retries is not None and retries_done >= config.max_retries:
        return None
    delay = retry_after_seconds(headers) if headers is not None else None
    if delay is None or delay <= 0:
        # "Retry at once" (0, a past date) would make a retry storm of a busy server:
        # the backoff is the shortest wait.
        delay = backoff_delay(config, retries_done)
    if elapsed + delay > config.backoff.max_elapsed_time / 1000:
        return None
    return delay
