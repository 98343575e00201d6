"""The runner: send every unit through the limiter, retry what can be retried, write each
row's record exactly once.

Rows are pulled from the input as workers become free (never more than the workers hold),
so memory does not grow with the input. What happens to an answer:

- 2xx: the record holds the body as the server sent it (a pack: one record per row).
- 429: the limiter cuts concurrency and pauses everyone for ``Retry-After``; the unit is
  sent again (a 429 that says the quota is exhausted stops the run instead).
- 502/503/529: the same cut and pause, and a retry counted against ``max_retries``;
  other 5xx, 408, 409 and network failures are retried with backoff. When the retries
  run out the last answer (or the network error) is the row's record.
- 401 and 402 stop the run at once: every other row would get the same answer. The rows
  in flight are not written, so a later run sends them.
- Other 4xx (400, 403, 404, 422...) are the row's record, not retried. A pack of
  embeddings that is too big (413, or a 400 about too many tokens) is split instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from r9s import errors
from r9s.batch._input import BadLine, Request, Row
from r9s.batch._journal import Tally, answer_record, bad_line_record, error_record
from r9s.batch._limiter import AdaptiveLimiter, Stopped
from r9s.batch._send import Answer, Sender
from r9s.batch._units import MAX_PACK, Unit, split, too_big, units, unpack
from r9s.batch._usage import Prices, Usage, usage_of

if TYPE_CHECKING:
    from r9s.client import R9S

THROTTLES = frozenset({429})
OVERLOADED = frozenset({502, 503, 529})
RETRIED = frozenset({408, 409, 500, 504, 520, 521, 522, 523, 524})
FATAL = frozenset({401, 402})
MAX_THROTTLED_ATTEMPTS = 50
"""A row answered 429 this many times is written with that answer (``retry-failed``
sends it again later) rather than tried forever."""


class Sink(Protocol):
    """Where records go: the output journal (or, in a Ray worker, a list)."""

    def append(self, records: list[dict[str, Any]]) -> None: ...
    def sync_due(self) -> bool: ...
    def sync(self) -> None: ...


class Keys(Protocol):
    """Which rows have a record: the index (or, in a Ray worker, a set)."""

    def mark_done(self, key: str) -> bool: ...
    def is_done(self, key: str) -> bool: ...


class MemorySink:
    """Records kept in a list (a Ray worker hands them back to the driver)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def append(self, records: list[dict[str, Any]]) -> None:
        self.records += records

    def sync_due(self) -> bool:
        return False

    def sync(self) -> None:
        pass


class MemoryKeys:
    """Answered keys in a set (for one Ray batch: a few hundred)."""

    def __init__(self) -> None:
        self.done: set[str] = set()

    def mark_done(self, key: str) -> bool:
        if key in self.done:
            return False
        self.done.add(key)
        return True

    def is_done(self, key: str) -> bool:
        return key in self.done


@dataclass
class Settings:
    """How a run sends: concurrency, caps, budget, packing, retries."""

    concurrency: int = 32
    """Requests in flight to start with; it adapts between 1 and ``max_concurrency``."""
    max_concurrency: int = 256
    rpm: float | None = None
    tpm: float | None = None
    max_tokens: int | None = None
    """Stop before the output's answers would use more tokens than this."""
    max_cost: float | None = None
    """Stop before the output's answers would cost more than this (needs ``prices``)."""
    prices: Prices | None = None
    pack: int = MAX_PACK
    max_retries: int = 6
    timeout: float | None = None
    """Seconds per request (default: the client's)."""

    def check(self) -> None:
        from r9s.batch._errors import BatchInputError

        if not 1 <= self.concurrency <= self.max_concurrency:
            raise BatchInputError(
                f"concurrency must be between 1 and max_concurrency ({self.max_concurrency}), "
                f"not {self.concurrency}"
            )
        if self.max_cost is not None and self.prices is None:
            raise BatchInputError(
                "a cost budget needs prices: pass --price IN,OUT (dollars per million input "
                "and output tokens), as the API's answers carry token counts, not costs"
            )
        for name in ("rpm", "tpm", "max_tokens", "max_cost", "timeout"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise BatchInputError(f"{name.replace('_', '-')} must be positive, not {value}")
        if self.pack < 1 or self.max_retries < 0:
            raise BatchInputError("pack must be at least 1 and max-retries at least 0")


@dataclass
class Stats:
    """Live counts of one run, read by the progress display."""

    rows: int = 0
    """Rows of the input this run is about (all of them; for retry-failed, the failed)."""
    before: Tally = field(default_factory=Tally)
    """What the output held when the run started."""
    now: Tally = field(default_factory=Tally)
    """What this run wrote."""
    requests: int = 0
    throttled: int = 0
    retries: int = 0
    started: float = field(default_factory=time.monotonic)
    limiter: AdaptiveLimiter | None = None
    state: str = "running"
    reason: str | None = None

    @property
    def done(self) -> int:
        return self.before.done + self.now.done

    @property
    def remaining(self) -> int:
        return max(0, self.rows - self.done)

    @property
    def tokens(self) -> int:
        return self.before.tokens + self.now.tokens

    @property
    def cost(self) -> float:
        return self.before.cost + self.now.cost


def _json_or_text(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace")
        return {"error": {"message": text[:2000]}}


def _message(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = error.get("message")
            if isinstance(message, str):
                return message
    return json.dumps(body)[:500]


def _quota_exhausted(body: Any) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return False
    return "insufficient_quota" in (error.get("code"), error.get("type"))


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Seconds before retry ``attempt`` (1, 2, ...): what the server asked, else
    exponential from 1 s to 60 s, jittered."""
    if retry_after is not None and retry_after > 0:
        return retry_after
    return min(60.0, 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)


class Runner:
    """Sends the units of one input; every answered row goes to ``journal`` once."""

    def __init__(
        self,
        client: R9S,
        settings: Settings,
        journal: Sink,
        index: Keys,
        stats: Stats,
        *,
        wanted: Callable[[str], bool] | None = None,
        limiter: AdaptiveLimiter | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self._sender = Sender(client, timeout=settings.timeout)
        self.journal = journal
        self.index = index
        self.stats = stats
        self.limiter = limiter or AdaptiveLimiter(
            settings.concurrency,
            maximum=settings.max_concurrency,
            rpm=settings.rpm,
            tpm=settings.tpm,
        )
        stats.limiter = self.limiter
        self._wanted = wanted or (lambda key: not index.is_done(key))
        self._units: Iterator[Unit] = iter(())
        self._source_done = False
        self._retries: list[Unit] = []
        self._outstanding = 0
        self._changed = asyncio.Event()
        self._stopping = False
        self._closed = asyncio.Event()
        self._fatal: BaseException | None = None
        self._reserved_tokens = 0
        self._reserved_cost = 0.0
        self._output_seen = 0
        self._output_answers = 0
        self._input_seen = 0
        self._input_estimated = 0
        self._settled = asyncio.Event()

    # -- the run ----------------------------------------------------------------------

    async def run(self, rows: Iterator[Row]) -> None:
        """Send every wanted row; returns when all are written or the run stopped.
        Raises what stopped it when that was fatal (a rejected key)."""
        self._units = units(self._requests(rows), self.settings.pack)
        workers = [
            asyncio.create_task(self._worker(), name=f"r9s-batch-worker-{n}")
            for n in range(self.settings.max_concurrency)
        ]
        syncer = asyncio.create_task(self._sync_regularly())
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            syncer.cancel()
            await asyncio.gather(syncer, return_exceptions=True)
            self.journal.sync()
        if self._fatal is not None:
            raise self._fatal

    def stop(self, reason: str, fatal: BaseException | None = None) -> None:
        """Send nothing more; requests in flight finish and are written."""
        if fatal is not None and self._fatal is None:
            self._fatal = fatal
        if self._stopping:
            return
        self._stopping = True
        self.stats.state = "stopped"
        self.stats.reason = reason
        self._closed.set()
        self._changed.set()
        self.limiter.close_admission()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def _requests(self, rows: Iterator[Row]) -> Iterator[Request]:
        """The rows to send; writes the record of each wanted bad line on the way."""
        for row in rows:
            if isinstance(row, Request):
                if self._wanted(row.custom_id):
                    yield row
            elif isinstance(row, BadLine) and self._wanted(row.key):
                self._write([bad_line_record(row)], [row.key], [None])

    async def _sync_regularly(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            if self.journal.sync_due():
                await asyncio.to_thread(self.journal.sync)

    # -- handing out units ------------------------------------------------------------

    async def _next_unit(self) -> Unit | None:
        while True:
            if self._stopping:
                return None
            now = time.monotonic()
            if self._retries and self._retries[0].due <= now:
                self._outstanding += 1
                return heapq.heappop(self._retries)
            if not self._source_done:
                unit = next(self._units, None)
                if unit is not None:
                    self._outstanding += 1
                    return unit
                self._source_done = True
            if not self._retries and self._outstanding == 0:
                self._changed.set()
                return None
            self._changed.clear()
            timeout = self._retries[0].due - now if self._retries else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    def _later(self, unit: Unit, delay: float) -> None:
        unit.due = time.monotonic() + delay
        heapq.heappush(self._retries, unit)
        self.stats.retries += 1
        self._changed.set()

    async def _worker(self) -> None:
        while True:
            unit = await self._next_unit()
            if unit is None:
                return
            try:
                await self._send(unit)
            except Stopped:
                pass
            finally:
                self._outstanding -= 1
                self._changed.set()

    # -- one request ------------------------------------------------------------------

    def _estimate(self, unit: Unit) -> tuple[int, int]:
        """Input and output tokens ``unit`` will likely use: the input from its size,
        scaled by what ``usage`` said of earlier answers; the output its ``max_tokens``,
        else the average so far."""
        tokens_in = unit.estimate
        if self._input_estimated:
            tokens_in = max(1, round(tokens_in * self._input_seen / self._input_estimated))
        if unit.expected_output is not None:
            return tokens_in, unit.expected_output
        if self._output_answers:
            return tokens_in, self._output_seen // self._output_answers
        return tokens_in, tokens_in

    def _over_budget(self, tokens: int, cost: float) -> str | None:
        settings, stats = self.settings, self.stats
        limit = settings.max_tokens
        if limit is not None and stats.tokens + self._reserved_tokens + tokens > limit:
            return f"token budget reached ({stats.tokens:,} of {limit:,} used)"
        budget = settings.max_cost
        if budget is not None and stats.cost + self._reserved_cost + cost > budget:
            return f"cost budget reached (${stats.cost:.4f} of ${budget:g} spent)"
        return None

    async def _within_budget(self, tokens: int, cost: float) -> None:
        """Return once ``unit`` fits the budget; while requests in flight may leave room
        (estimates are rough), wait for them; when none can, stop the run."""
        while (reason := self._over_budget(tokens, cost)) is not None:
            if not self._reserved_tokens and not self._reserved_cost:
                self.stop(reason)
                raise Stopped
            self._settled.clear()
            await self._settled.wait()
            if self._stopping:
                raise Stopped

    async def _send(self, unit: Unit) -> None:
        tokens_in, tokens_out = self._estimate(unit)
        tokens = tokens_in + tokens_out
        prices = self.settings.prices
        cost = prices.cost(Usage(tokens_in, tokens_out)) if prices else 0.0
        limiter = self.limiter
        sent_at = await limiter.acquire(tokens)
        try:
            if self._stopping:
                raise Stopped
            await self._within_budget(tokens, cost)
        except BaseException:
            limiter.release()
            raise
        self._reserved_tokens += tokens
        self._reserved_cost += cost
        self.stats.requests += 1
        unit.attempts += 1
        try:
            answer = await self._sender.post(unit.url, unit.body)
        except errors.APIConnectionError as exc:
            limiter.release(ok=False)
            code = "timeout" if isinstance(exc, errors.APITimeoutError) else "connection_error"
            message = str(exc)
            self._retry_or_fail(unit, None, self._error_records(unit, code, message))
            return
        except errors.ConfigurationError as exc:
            limiter.release(ok=False)
            self.stop(str(exc), exc)
            return
        finally:
            self._reserved_tokens -= tokens
            self._reserved_cost -= cost
            # Waiters wake only once this coroutine yields: after the answer is counted.
            self._settled.set()
        self._answered(unit, answer, sent_at, tokens)

    def _answered(self, unit: Unit, answer: Answer, sent_at: float, tokens: int) -> None:
        limiter, status = self.limiter, answer.status
        if status < 300:
            limiter.release(ok=True)
            self._success(unit, answer, tokens)
            return
        body = _json_or_text(answer.body)
        if status in THROTTLES or status in OVERLOADED:
            limiter.release(ok=False)
            if status == 429 and _quota_exhausted(body):
                self.stop(f"quota exhausted (429): {_message(body)}", answer.error)
                return
            self.stats.throttled += 1
            limiter.throttled(sent_at, answer.retry_after)
            if status == 429:
                if unit.attempts < MAX_THROTTLED_ATTEMPTS:
                    self._later(unit, answer.retry_after or backoff(min(unit.attempts, 4)) / 4)
                    return
                self._write_answers(unit, answer, body)
                return
            self._retry_or_fail(unit, answer.retry_after, self._answer_records(unit, answer, body))
            return
        limiter.release(ok=True)
        if status in FATAL:
            self.stop(f"{status}: {_message(body)}", answer.error)
            return
        if status in RETRIED:
            self._retry_or_fail(unit, answer.retry_after, self._answer_records(unit, answer, body))
            return
        if unit.packed and too_big(status, _message(body)):
            for half in split(unit):
                self._later(half, 0.0)
            return
        self._write_answers(unit, answer, body)

    def _retry_or_fail(
        self, unit: Unit, retry_after: float | None, records: list[dict[str, Any]]
    ) -> None:
        """Send ``unit`` again later, or, its retries spent, write ``records``."""
        if unit.attempts <= self.settings.max_retries:
            self._later(unit, backoff(unit.attempts, retry_after))
        else:
            self._write(records, unit.custom_ids, [None] * len(unit.rows))

    def _success(self, unit: Unit, answer: Answer, tokens: int) -> None:
        try:
            body = json.loads(answer.body)
        except ValueError:
            body = None
        bodies = unpack(unit, body) if unit.packed else [body] if isinstance(body, dict) else None
        if bodies is None:
            what = "without one embedding per input" if unit.packed else "that is not a JSON object"
            message = f"the server sent an answer {what}"
            self._retry_or_fail(unit, None, self._error_records(unit, "invalid_response", message))
            return
        records = [
            answer_record(row.custom_id, answer.status, answer.request_id, row_body)
            for row, row_body in zip(unit.rows, bodies, strict=True)
        ]
        usages = [usage_of(row_body) for row_body in bodies]
        total = sum(u.total for u in usages)
        self.limiter.correct_tokens(tokens, total)
        if not unit.packed and usages[0].total:
            self._output_seen += usages[0].output
            self._output_answers += 1
            self._input_seen += usages[0].input
            self._input_estimated += unit.estimate
        self._write(records, unit.custom_ids, usages)

    def _answer_records(self, unit: Unit, answer: Answer, body: Any) -> list[dict[str, Any]]:
        return [
            answer_record(cid, answer.status, answer.request_id, body) for cid in unit.custom_ids
        ]

    def _write_answers(self, unit: Unit, answer: Answer, body: Any) -> None:
        self._write(
            self._answer_records(unit, answer, body), unit.custom_ids, [None] * len(unit.rows)
        )

    def _error_records(self, unit: Unit, code: str, message: str) -> list[dict[str, Any]]:
        return [error_record(cid, code, message) for cid in unit.custom_ids]

    # -- writing ----------------------------------------------------------------------

    def _write(
        self, records: list[dict[str, Any]], keys: list[str], usages: Sequence[Usage | None]
    ) -> None:
        """Append records whose key is not written yet (exactly once), and count them."""
        fresh = []
        tally, prices = self.stats.now, self.settings.prices
        for record, key, usage in zip(records, keys, usages, strict=True):
            if not self.index.mark_done(key):
                continue
            fresh.append(record)
            response = record["response"]
            failed = record["error"] is not None or response["status_code"] >= 400
            if failed:
                tally.failed += 1
            else:
                tally.ok += 1
            label = str(response["status_code"]) if response else "error"
            tally.statuses[label] = tally.statuses.get(label, 0) + 1
            if usage is not None:
                tally.add_usage(usage, prices)
        self.journal.append(fresh)
