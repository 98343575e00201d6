"""How fast to send: adaptive concurrency and rate (AIMD), one shared pause, optional caps.

- **Concurrency** starts at ``initial`` and grows by one each time a full window of
  requests (as many as the limit) succeeds while the limit was in use; a 429 or 503 cuts
  it to three quarters. Answers to requests sent before the last cut, or within a second
  of it, do not cut again: one burst of 429s is one signal, not fifty.
- **Rate**: the first 429 also starts pacing at 90% of the rate that was getting through
  (successes over the last two seconds at most); each success then adds 2% a second to it, and
  each later burst of 429s takes 10% off. Concurrency alone cannot stop a fast endpoint
  (one request in flight at 5 ms each is 200 a second) from draining a provider's bucket
  over and over; the learned rate does, with one probing 429 every few seconds.
- **Retry-After** pauses every worker, not just the one that was told: no request starts
  until it has passed.
- **RPM/TPM caps** reserve their share of a token bucket (one second of burst) before a
  request starts; tokens are estimated from the request and corrected by ``usage``.

Everything runs on one event loop. Across processes (the Ray integration), ``on_throttle``
tells the others, and ``cut_from_elsewhere``/``set_caps`` take in what they were told.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

DECREASE = 0.75
"""The factor a burst of 429/503 multiplies the concurrency limit by."""
RATE_DECREASE = 0.9
"""The factor a burst of 429/503 multiplies the learned rate by."""
RATE_INCREASE = 0.02
"""Requests a second the learned rate gains per success: 2% of the rate each second."""
RATE_WINDOW = 2.0
"""Seconds of successes the rate that was getting through is measured over."""
MIN_RATE = 0.2
COOLDOWN = 1.0
"""Seconds after a cut before another can happen: the provider's bucket takes a moment
to refill, and the 429s of that moment are the same signal (without this, one empty bucket
cut the rate to half in two seconds)."""
SAME_BURST = 0.5
"""Seconds within which a cut told by another process is the same burst as one's own."""


class Stopped(Exception):
    """Admission is closed: the run is stopping, nothing more may start."""


class Pacer:
    """A token bucket of ``rate`` a second (``burst`` seconds of it, at least one unit)
    where callers reserve: taking more than there is leaves a debt the next callers wait
    out, so that callers queue in order instead of all retrying at once."""

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, *, burst: float = 1.0
    ) -> None:
        self._clock = clock
        self._burst = burst
        self.rate = rate
        self.capacity = max(1.0, rate * burst)
        self.level = self.capacity
        self._updated = clock()

    def set_rate(self, rate: float) -> None:
        self._refill()
        self.rate = rate
        self.capacity = max(1.0, rate * self._burst)
        self.level = min(self.level, self.capacity)

    def _refill(self) -> None:
        now = self._clock()
        self.level = min(self.capacity, self.level + (now - self._updated) * self.rate)
        self._updated = now

    def reserve(self, amount: float) -> float:
        """Take ``amount``; returns the seconds to wait before using it."""
        self._refill()
        self.level -= min(amount, self.capacity * 60)  # one giant request cannot stall a minute
        return 0.0 if self.level >= 0 else -self.level / self.rate

    def refund(self, amount: float) -> None:
        """Give back (or, negative, take more) after the real amount is known."""
        self.level = min(self.capacity, self.level + amount)


@dataclass
class Throttle:
    """What one throttled answer told the limiter."""

    retry_after: float | None
    cut: bool
    """Whether it cut the limits (the first of a burst)."""
    age: float = 0.0
    """Seconds since the throttled request was sent."""


class AdaptiveLimiter:
    """Admission for one event loop: ``await acquire(tokens)`` before a request,
    ``release(...)`` after its answer (and ``throttled(...)`` for a 429/503)."""

    def __init__(
        self,
        initial: int = 32,
        *,
        minimum: int = 1,
        maximum: int = 256,
        rpm: float | None = None,
        tpm: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= minimum <= initial <= maximum:
            raise ValueError(
                f"need 1 <= minimum <= initial <= maximum, not {minimum}, {initial}, {maximum}"
            )
        self.minimum = minimum
        self.maximum = maximum
        self.limit = float(initial)
        self.in_flight = 0
        self.pause_until = 0.0
        self.throttles = 0
        self.closed = False
        self.on_throttle: Callable[[Throttle], None] | None = None
        """Called for every throttled answer (the Ray integration tells the cluster)."""
        self._clock = clock
        self._credit = 0
        self._last_cut = -1.0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None
        self._closing = asyncio.Event()
        self._requests = Pacer(rpm / 60, clock) if rpm else None
        self._tokens = Pacer(tpm / 60, clock) if tpm else None
        self._learned: Pacer | None = None
        self._successes: collections.deque[float] = collections.deque()

    @property
    def rate(self) -> float | None:
        """The learned rate (requests a second), once a 429 taught one."""
        return self._learned.rate if self._learned is not None else None

    # -- admission --------------------------------------------------------------------

    async def acquire(self, tokens: int = 0) -> float:
        """Wait for a slot, the end of any pause and the rate caps; returns the time the
        request may be sent (pass it to ``throttled``). ``Stopped`` once admission is
        closed."""
        if self.closed:
            raise Stopped
        free = self.in_flight < int(self.limit) and not self._waiters
        if free and self._clock() >= self.pause_until:
            self.in_flight += 1
        else:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
            self._wake()
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    self._free()
                else:
                    self._discard(future)
                raise
        try:
            await self._pace(tokens)
        except BaseException:
            self._free()
            raise
        return self._clock()

    async def _pace(self, tokens: int) -> None:
        wait = 0.0
        for pacer, amount in ((self._requests, 1), (self._learned, 1), (self._tokens, tokens)):
            if pacer is not None and amount:
                wait = max(wait, pacer.reserve(amount))
        while True:
            wait = max(wait, self.pause_until - self._clock())
            if wait <= 0:
                return
            try:
                await asyncio.wait_for(self._closing.wait(), wait)
            except TimeoutError:
                wait = 0.0  # a pause that began meanwhile is waited out too
            else:
                raise Stopped

    def _discard(self, future: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):
            self._waiters.remove(future)

    def _free(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        now = self._clock()
        if now < self.pause_until:
            if self._timer is None and self._waiters:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self.pause_until - now, self._timer_fired)
            return
        while self._waiters and self.in_flight < int(self.limit):
            future = self._waiters.popleft()
            if not future.done():
                self.in_flight += 1
                future.set_result(None)

    def _timer_fired(self) -> None:
        self._timer = None
        self._wake()

    def close_admission(self) -> None:
        """Let nothing more start: every waiter (and later caller) gets ``Stopped``."""
        self.closed = True
        self._closing.set()
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_exception(Stopped())

    # -- feedback ---------------------------------------------------------------------

    def release(self, *, ok: bool = True) -> None:
        """A request finished; ``ok`` if it was answered without throttling."""
        saturated = self.in_flight >= int(self.limit)
        self.in_flight -= 1
        if ok:
            now = self._clock()
            self._successes.append(now)
            while self._successes[0] < now - RATE_WINDOW:
                self._successes.popleft()
            if self._learned is not None:
                self._learned.set_rate(self._learned.rate + RATE_INCREASE)
            if saturated and self.limit < self.maximum:
                self._credit += 1
                if self._credit >= int(self.limit):
                    self._credit = 0
                    self.limit = min(float(self.maximum), self.limit + 1)
        self._wake()

    def throttled(self, sent_at: float, retry_after: float | None) -> Throttle:
        """A 429/503 answered a request sent at ``sent_at``: cut the limits (once per
        burst) and pause everyone for ``retry_after``. Call ``release(ok=False)`` too."""
        self.throttles += 1
        cut = sent_at >= self._last_cut and self._clock() - self._last_cut >= COOLDOWN
        if cut:
            now = self._clock()
            self.limit = max(float(self.minimum), self.limit * DECREASE)
            self._credit = 0
            self._last_cut = now
            self._cut_rate(now)
        if retry_after is not None and retry_after > 0:
            self.pause(retry_after)
        throttle = Throttle(retry_after, cut, max(0.0, self._clock() - sent_at))
        if self.on_throttle is not None:
            self.on_throttle(throttle)
        return throttle

    def _cut_rate(self, now: float) -> None:
        while self._successes and self._successes[0] < now - RATE_WINDOW:
            self._successes.popleft()
        # Over the time the successes span (a run's first second is shorter than the window).
        span = now - self._successes[0] if self._successes else RATE_WINDOW
        measured = len(self._successes) / max(span, 0.25)
        current = self._learned.rate if self._learned is not None else float("inf")
        rate = max(MIN_RATE, min(current, measured or current) * RATE_DECREASE)
        if rate == float("inf"):
            return  # nothing got through yet: the pause and concurrency do the work
        if self._learned is None:
            self._learned = Pacer(rate, self._clock, burst=0.1)
        else:
            self._learned.set_rate(rate)

    def pause(self, seconds: float) -> None:
        """No request starts for ``seconds`` (a longer pause already set stands)."""
        until = self._clock() + seconds
        if until > self.pause_until:
            self.pause_until = until
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._wake()

    def correct_tokens(self, estimated: int, actual: int) -> None:
        """Settle the TPM cap once ``usage`` says what a request really cost."""
        if self._tokens is not None and actual:
            self._tokens.refund(estimated - actual)

    def cut_from_elsewhere(self, pause_seconds: float = 0.0) -> None:
        """Another process was throttled: cut as if this one had been (unless it just
        did, for the same burst), and pause for what it was told."""
        now = self._clock()
        if now - self._last_cut > SAME_BURST:
            self.limit = max(float(self.minimum), self.limit * DECREASE)
            self._credit = 0
            self._last_cut = now
            self._cut_rate(now)
        if pause_seconds > 0:
            self.pause(pause_seconds)

    def set_caps(self, rpm: float | None, tpm: float | None) -> None:
        """Change the RPM/TPM caps (a share of a cluster's, as workers come and go)."""
        self._requests = _retuned(self._requests, rpm / 60 if rpm else None, self._clock)
        self._tokens = _retuned(self._tokens, tpm / 60 if tpm else None, self._clock)


def _retuned(pacer: Pacer | None, rate: float | None, clock: Callable[[], float]) -> Pacer | None:
    if rate is None:
        return None
    if pacer is None:
        return Pacer(rate, clock)
    if pacer.rate != rate:
        pacer.set_rate(rate)
    return pacer
