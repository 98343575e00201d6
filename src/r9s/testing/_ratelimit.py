"""Rate limits for the local server: token buckets for requests and tokens per minute.

``r9s mock --rate-limit 600,90000`` (or ``LocalServer(rate_limit="600,90000")``) answers a
request over either limit with a 429 carrying ``Retry-After`` (whole seconds, as HTTP
says), ``retry-after-ms`` (the exact wait) and OpenAI's ``x-ratelimit-*`` headers, so that a
client's adaptive behaviour can be tested and shown offline.

Each bucket holds one second of its rate (at least one request, and at least one request's
tokens): a burst beyond that is refused, as a busy provider does, rather than a whole
minute's worth being let through at once. Tokens are estimated from the request as it
arrives: a quarter of its body's bytes, plus the output it asks for (``max_tokens`` and its
synonyms).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

OUTPUT_LIMIT_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


class RateLimitStats(TypedDict):
    """The limits (``None`` without one) and the requests they let through and refused."""

    rpm: float | None
    tpm: float | None
    allowed: int
    limited: int


@dataclass(frozen=True)
class RateLimit:
    """Requests per minute and, optionally, tokens per minute."""

    rpm: float
    tpm: float | None = None

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"600"`` or ``"600,90000"``; ``ValueError`` names what is wrong."""
        parts = [part.strip() for part in text.split(",")]
        if len(parts) > 2 or not all(parts):
            raise ValueError(f"expected RPM or RPM,TPM (such as 600,90000), not {text!r}")
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            raise ValueError(f"expected numbers in RPM[,TPM], not {text!r}") from None
        if not all(math.isfinite(n) and n > 0 for n in numbers):
            raise ValueError(f"rate limits must be positive numbers, not {text!r}")
        return cls(numbers[0], numbers[1] if len(numbers) == 2 else None)

    def __str__(self) -> str:
        tail = f",{self.tpm:g}" if self.tpm is not None else ""
        return f"{self.rpm:g}{tail}"


class TokenBucket:
    """``rate`` units a second, holding at most ``capacity``; starts full."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.level = capacity
        self.updated = now

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` can be taken (0 now). A request larger than the
        bucket passes once the bucket is full, and leaves it in debt."""
        needed = min(amount, self.capacity)
        missing = needed - self.level
        return 0.0 if missing <= 1e-9 else missing / self.rate  # float sums of refills

    def reset_after(self) -> float:
        """Seconds until the bucket is full again."""
        return max(0.0, (self.capacity - self.level) / self.rate)


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided for one request."""

    allowed: bool
    retry_after: float
    """Seconds to wait before a retry can pass (0 when allowed)."""
    which: str
    """``"requests"`` or ``"tokens"``: the limit that refused it."""
    headers: list[tuple[str, str]]


def estimate_tokens(size: int, body: Any) -> int:
    """A request's tokens as the limiter counts them: body bytes / 4 plus the output asked for."""
    tokens = math.ceil(size / 4)
    if isinstance(body, Mapping):
        for name in OUTPUT_LIMIT_FIELDS:
            value = body.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                tokens += value
                break
    return tokens


def _duration(seconds: float) -> str:
    """OpenAI's reset format: ``"1s"``, ``"250ms"``."""
    if seconds >= 1:
        return f"{seconds:.3g}s"
    return f"{max(1, math.ceil(seconds * 1000))}ms"


class RateLimiter:
    """Both buckets of one server, and counts of what they allowed and refused."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        now = clock()
        self._requests = TokenBucket(limit.rpm / 60, max(1.0, limit.rpm / 60), now)
        self._tokens = (
            TokenBucket(limit.tpm / 60, max(1.0, limit.tpm / 60), now)
            if limit.tpm is not None
            else None
        )
        self._lock = threading.Lock()
        self.allowed = 0
        self.limited = 0

    def check(self, tokens: int) -> Verdict:
        """Take one request and ``tokens`` tokens, or refuse and say for how long."""
        with self._lock:
            now = self._clock()
            self._requests.refill(now)
            waits = {"requests": self._requests.wait_for(1)}
            if self._tokens is not None:
                self._tokens.refill(now)
                waits["tokens"] = self._tokens.wait_for(tokens)
            which = max(waits, key=lambda name: waits[name])
            wait = waits[which]
            if wait <= 0:
                self._requests.level -= 1
                if self._tokens is not None:
                    self._tokens.level -= tokens
                self.allowed += 1
            else:
                self.limited += 1
            return Verdict(wait <= 0, wait, which, self._headers(wait))

    def _headers(self, wait: float) -> list[tuple[str, str]]:
        requests = self._requests
        headers = [
            ("x-ratelimit-limit-requests", f"{self.limit.rpm:g}"),
            ("x-ratelimit-remaining-requests", str(max(0, math.floor(requests.level)))),
            ("x-ratelimit-reset-requests", _duration(requests.reset_after())),
        ]
        if self._tokens is not None and self.limit.tpm is not None:
            headers += [
                ("x-ratelimit-limit-tokens", f"{self.limit.tpm:g}"),
                ("x-ratelimit-remaining-tokens", str(max(0, math.floor(self._tokens.level)))),
                ("x-ratelimit-reset-tokens", _duration(self._tokens.reset_after())),
            ]
        if wait > 0:
            headers += [
                ("retry-after", str(max(1, math.ceil(wait)))),
                ("retry-after-ms", str(max(1, math.ceil(wait * 1000)))),
            ]
        return headers

    def message(self, verdict: Verdict) -> str:
        if verdict.which == "tokens":
            limit, unit = self.limit.tpm, "tokens per min (TPM)"
        else:
            limit, unit = self.limit.rpm, "requests per min (RPM)"
        return (
            f"Rate limit reached on {unit}: Limit {limit:g}. "
            f"Please try again in {_duration(verdict.retry_after)}."
        )

    def stats(self) -> RateLimitStats:
        with self._lock:
            return {
                "rpm": self.limit.rpm,
                "tpm": self.limit.tpm,
                "allowed": self.allowed,
                "limited": self.limited,
            }

    def reset_counts(self) -> None:
        with self._lock:
            self.allowed = self.limited = 0
