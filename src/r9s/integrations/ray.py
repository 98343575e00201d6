"""``r9s.integrations.ray``: batches on a Ray cluster (``pip install 'r9s[ray]'``).

Two parts, used by ``r9s batch run --ray ADDRESS`` and usable in any Ray Data pipeline:

- ``RequestSender``, a callable class for ``Dataset.map_batches``: each actor runs its
  batches through the same async runner as ``r9s.batch`` (adaptive concurrency, retries,
  embeddings packing) on its own event loop and connections, and returns one output record
  per row (columns ``custom_id``, ``record``, ``status_code``).
- ``SharedLimiter``, a named Ray actor every sender reports to: a 429 seen by one worker
  cuts the concurrency of all of them, a ``Retry-After`` pauses all of them, and RPM/TPM
  caps are shared out among the workers alive.

``run_on_ray`` is the whole job: the driver checks and fingerprints the input, opens the
output journal exactly as ``r9s.batch.run`` does, writes the rows still to send to
``OUTPUT.pending/`` (files of 1,024 rows), has Ray read them and map them through the
senders, and
writes every record that comes back through the journal. That is what keeps each
``custom_id`` exactly once: a batch retried after an actor died sends its rows again (their
answers were never written), and a record that arrives twice is written once.

Ray is imported on first use; nothing here loads with ``import r9s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Unpack

from r9s.batch._input import BadLine, Request, Row, batch_row
from r9s.batch._limiter import COOLDOWN, AdaptiveLimiter, Throttle
from r9s.batch._runner import MemoryKeys, MemorySink, Runner, Settings, Stats

if TYPE_CHECKING:
    from r9s.batch._run import RunOptions, Summary

__all__ = ["NAMESPACE", "RequestSender", "SharedLimiter", "run_on_ray", "shared_limiter"]

NAMESPACE = "r9s"
"""The Ray namespace of the shared limiters."""
WATCH_SECONDS = 5.0
"""How long a worker's watch of the shared limiter waits for news before asking again."""
SHARD_ROWS = 1024
"""Rows per file of the pending rows: Ray reads a file as one block, and results stream
back block by block, so files much larger than a batch would hold results back (and
leave senders idle)."""
ALIVE_SECONDS = 15.0
"""A worker not heard from for this long no longer counts for the shares of the caps."""


def _ray() -> Any:
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise ImportError(
            "Ray is not installed: pip install 'r9s[ray]' (it brings ray[data])"
        ) from None


# -- the shared limiter (a Ray actor) --------------------------------------------------


class SharedLimiter:
    """The state every worker of one job shares (run as a named, async Ray actor).

    ``throttled`` records a 429/503: the first of a burst (a request sent after the last
    cut, a second or more after it) starts a new *cut* that every worker applies, and a
    ``Retry-After`` moves the pause everyone waits out. ``watch`` answers when anything
    changed (or after a timeout): the workers long-poll it, so news spreads within a
    round trip.
    """

    def __init__(self, rpm: float | None = None, tpm: float | None = None) -> None:
        self.rpm = rpm
        self.tpm = tpm
        self.version = 0
        self.cuts = 0
        self.cut_by = ""
        self.last_cut = 0.0
        self.pause_until = 0.0
        self.throttles = 0
        self.requests = 0
        self.retries = 0
        self.stopped: str | None = None
        self.workers: dict[str, tuple[int, float]] = {}
        self._changed: asyncio.Event | None = None

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _bump(self) -> None:
        self.version += 1
        event = self._event()
        event.set()
        self._changed = asyncio.Event()

    def _alive(self) -> int:
        now = time.time()
        return sum(1 for _, seen in self.workers.values() if now - seen < ALIVE_SECONDS) or 1

    def snapshot(self) -> dict[str, Any]:
        alive = self._alive()
        return {
            "version": self.version,
            "cuts": self.cuts,
            "cut_by": self.cut_by,
            "pause_until": self.pause_until,
            "rpm": self.rpm / alive if self.rpm else None,
            "tpm": self.tpm / alive if self.tpm else None,
            "workers": alive,
            "throttles": self.throttles,
            "requests": self.requests,
            "retries": self.retries,
            "stopped": self.stopped,
        }

    async def register(self, worker: str, pid: int) -> dict[str, Any]:
        before = self._alive()
        self.workers[worker] = (pid, time.time())
        if self._alive() != before:
            self._bump()
        return self.snapshot()

    async def throttled(self, worker: str, sent_at: float, retry_after: float | None) -> None:
        """A worker's request, sent at ``sent_at`` (wall clock), was answered 429/503."""
        self.throttles += 1
        now = time.time()
        changed = False
        if sent_at >= self.last_cut and now - self.last_cut >= COOLDOWN:
            self.cuts += 1
            self.cut_by = worker
            self.last_cut = now
            changed = True
        if retry_after is not None and retry_after > 0 and now + retry_after > self.pause_until:
            self.pause_until = now + retry_after
            changed = True
        if changed:
            self._bump()

    async def watch(self, worker: str, version: int, timeout: float) -> dict[str, Any]:
        """The state once its version differs from ``version`` (or after ``timeout``)."""
        pid = self.workers.get(worker, (0, 0.0))[0]
        self.workers[worker] = (pid, time.time())
        if self.version == version:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event().wait(), timeout)
        return self.snapshot()

    async def count(self, requests: int, retries: int) -> None:
        """What a worker sent for one batch (for the job's summary)."""
        self.requests += requests
        self.retries += retries

    async def stop(self, reason: str) -> None:
        """Every worker stops sending (a budget reached at the driver)."""
        if self.stopped is None:
            self.stopped = reason
            self._bump()

    async def state(self) -> dict[str, Any]:
        """What ``watch`` answers, at once."""
        return self.snapshot()

    async def pids(self) -> list[int]:
        """The process ids of the workers that registered (for tests and operators)."""
        return sorted({pid for pid, _ in self.workers.values()})


def shared_limiter(
    name: str, *, rpm: float | None = None, tpm: float | None = None, address: str | None = None
) -> Any:
    """The ``SharedLimiter`` actor called ``name`` (made if there is none yet) in the
    ``r9s`` namespace. Pass the same ``name`` as ``RequestSender(limiter=...)``."""
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=address, namespace=NAMESPACE)
    actor = ray.remote(num_cpus=0, max_restarts=-1, max_concurrency=1000)(SharedLimiter)
    return actor.options(name=name, namespace=NAMESPACE, get_if_exists=True).remote(rpm, tpm)


class _Link:
    """One worker's tie to the shared limiter: reports its throttles, takes in the
    cluster's cuts, pauses, shares of the caps, and a stop."""

    def __init__(self, actor: Any, limiter: AdaptiveLimiter, worker: str) -> None:
        self.actor = actor
        self.limiter = limiter
        self.worker = worker
        self.cuts_seen = 0
        self.stopped: str | None = None
        self.runners: set[Runner] = set()
        limiter.on_throttle = self._report

    def _report(self, throttle: Throttle) -> None:
        sent_at = time.time() - throttle.age
        self.actor.throttled.remote(self.worker, sent_at, throttle.retry_after)

    def apply(self, snapshot: Mapping[str, Any]) -> None:
        cuts = int(snapshot["cuts"])
        pause = float(snapshot["pause_until"]) - time.time()
        if cuts > self.cuts_seen:
            if snapshot["cut_by"] != self.worker:
                self.limiter.cut_from_elsewhere(pause)
            self.cuts_seen = cuts
        elif pause > 0:
            self.limiter.pause(pause)
        self.limiter.set_caps(snapshot["rpm"], snapshot["tpm"])
        if snapshot["stopped"] and self.stopped is None:
            self.stopped = str(snapshot["stopped"])
            for runner in list(self.runners):
                runner.stop(self.stopped)

    async def follow(self) -> None:
        snapshot = await self.actor.register.remote(self.worker, os.getpid())
        self.cuts_seen = int(snapshot["cuts"])
        self.apply(snapshot)
        while True:
            snapshot = await self.actor.watch.remote(
                self.worker, snapshot["version"], WATCH_SECONDS
            )
            self.apply(snapshot)


# -- the sender (a callable class for map_batches) --------------------------------------


def _column(batch: Any, name: str) -> list[Any] | None:
    if hasattr(batch, "columns"):  # a pandas DataFrame
        return list(batch[name]) if name in batch.columns else None
    value = batch.get(name) if isinstance(batch, Mapping) else None
    return list(value) if value is not None else None


def rows_of(batch: Any) -> list[Row]:
    """The rows of a batch: a ``text`` column of batch-file lines (as ``read_text``
    gives), or ``custom_id`` and ``body`` columns (``url``: chat completions if absent)."""
    texts = _column(batch, "text")
    rows: list[Row] = []
    if texts is not None:
        for number, text in enumerate(texts, 1):
            try:
                value = json.loads(text)
            except ValueError as exc:
                rows.append(BadLine(None, number, f"row {number} of the batch: not JSON: {exc}"))
                continue
            rows.append(batch_row(value, number))
        return rows
    ids, bodies = _column(batch, "custom_id"), _column(batch, "body")
    if ids is None or bodies is None:
        raise ValueError("a batch needs a 'text' column of JSON lines, or 'custom_id' and 'body'")
    urls = _column(batch, "url") or ["/v1/chat/completions"] * len(ids)
    for number, (custom_id, body, url) in enumerate(zip(ids, bodies, urls, strict=True), 1):
        parsed = json.loads(body) if isinstance(body, str | bytes) else dict(body)
        line = {"custom_id": str(custom_id), "url": str(url), "body": parsed}
        rows.append(batch_row(line, number))
    return rows


class RequestSender:
    """For ``Dataset.map_batches``: send each batch's requests, one record per row.

        ds = ray.data.read_text("requests.jsonl")
        out = ds.map_batches(
            RequestSender,
            fn_constructor_kwargs={"api_key": key, "server_url": url, "limiter": "job-1"},
            concurrency=4, num_cpus=0, batch_size=256,
        )

    Each actor keeps one event loop (on a thread of its own), one ``R9S`` client and one
    adaptive limiter for all its batches; with ``limiter`` (a ``shared_limiter`` name)
    its throttles, pauses and caps are the cluster's. A row the run stopped before
    answering (a shared stop) comes back without a record.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        server_url: str | None = None,
        limiter: str | None = None,
        concurrency: int = 16,
        max_concurrency: int = 128,
        pack: int | None = None,
        max_retries: int = 6,
        timeout: float | None = None,
        rpm: float | None = None,
        tpm: float | None = None,
    ) -> None:
        from r9s.batch._run import make_settings
        from r9s.client import R9S

        self.settings: Settings = make_settings(
            {"concurrency": concurrency, "max_concurrency": max_concurrency, "rpm": rpm,
             "tpm": tpm, "pack": pack, "max_retries": max_retries, "timeout": timeout}
        )  # fmt: skip
        self.client = R9S(api_key=api_key, server_url=server_url)
        self.worker = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.limiter: AdaptiveLimiter = self._call(self._make_limiter())
        self.link: _Link | None = None
        if limiter is not None:
            actor = _ray().get_actor(limiter, namespace=NAMESPACE)
            self.link = _Link(actor, self.limiter, self.worker)
            asyncio.run_coroutine_threadsafe(self.link.follow(), self.loop)

    async def _make_limiter(self) -> AdaptiveLimiter:
        settings = self.settings
        return AdaptiveLimiter(
            settings.concurrency,
            maximum=settings.max_concurrency,
            rpm=settings.rpm,
            tpm=settings.tpm,
        )

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result()

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        rows = rows_of(batch)
        sink = self._call(self._send(rows))
        ids, records, statuses = [], [], []
        for record in sink.records:
            key = record["custom_id"]
            if key is None:
                key = f"#line:{record['error']['line']}"
            response = record["response"]
            ids.append(key)
            records.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            statuses.append(int(response["status_code"]) if response else 0)
        return {"custom_id": ids, "record": records, "status_code": statuses}

    async def _send(self, rows: list[Row]) -> MemorySink:
        sink = MemorySink()
        stats = Stats(rows=len(rows))
        runner = Runner(self.client, self.settings, sink, MemoryKeys(), stats, limiter=self.limiter)
        link = self.link
        if link is not None:
            link.runners.add(runner)
            if link.stopped is not None:
                runner.stop(link.stopped)
        try:
            await runner.run(iter(rows))
        finally:
            if link is not None:
                link.runners.discard(runner)
                link.actor.count.remote(stats.requests, stats.retries)
        return sink


# -- the whole job ----------------------------------------------------------------------


def _connect(address: str) -> tuple[Any, bool]:
    """``ray.init`` for ``address`` (``local``: a new cluster on this machine, stopped at
    the end); returns Ray and whether this call started it."""
    import logging

    ray = _ray()
    if ray.is_initialized():
        return ray, False
    options: dict[str, Any] = {
        "namespace": NAMESPACE,
        "logging_level": logging.WARNING,
        "log_to_driver": False,
    }
    if address == "local":
        ray.init(include_dashboard=False, **options)
    else:
        ray.init(address=address, **options)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    with contextlib.suppress(AttributeError):
        context.print_on_execution_start = False
    return ray, True


def run_on_ray(
    address: str,
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    client_options: Mapping[str, Any] | None = None,
    resume: bool = False,
    overwrite: bool = False,
    allow_changed_input: bool = False,
    workers: int | None = None,
    batch_size: int = 256,
    **run_options: Unpack[RunOptions],
) -> Summary:
    """``r9s.batch.run`` on a Ray cluster: the same input forms, options, output, resuming
    and refusals. ``address`` is what ``ray.init`` takes (``auto``, ``ray://head:10001``),
    or ``local`` for a new cluster on this machine. ``client_options`` (``api_key``,
    ``server_url``) build each worker's ``R9S``. ``workers`` senders (default: one per CPU
    of the cluster) each start at ``concurrency`` / ``workers`` requests in flight; the caps
    and budgets are the job's, shared among them."""
    from r9s.batch._index import KeyIndex
    from r9s.batch._journal import bad_line_record, open_output
    from r9s.batch._progress import Progress
    from r9s.batch._run import (
        RUN_OPTIONS,
        _mark_ended,
        _mark_running,
        check_options,
        make_settings,
        scan,
        source_of,
        summary_of,
    )

    check_options(run_options, RUN_OPTIONS, "run_on_ray")
    _ray()  # not installed: say so before the input is read
    settings = make_settings(run_options)
    progress = run_options.get("progress", "auto")
    options = dict(client_options or {})
    if not options.get("api_key") and not os.environ.get("R9S_API_KEY"):
        from r9s._pipeline import check_api_key

        check_api_key(None)  # the SDK's "no API key" error, before anything is read
    source = source_of(input, run_options)
    out = Path(output)
    index = KeyIndex()
    try:
        info = scan(source, index)
        opened = open_output(
            out, info, index, settings.prices, resume=resume, overwrite=overwrite,
            allow_changed_input=allow_changed_input,
        )  # fmt: skip
        stats = Stats(rows=info.rows, before=opened.tally)
        pending = out.with_name(out.name + ".pending")
        try:
            _mark_running(out, opened, settings)
            shutil.rmtree(pending, ignore_errors=True)
            pending.mkdir()
            shard = max(SHARD_ROWS, batch_size)
            count = 0
            todo: IO[str] | None = None
            for row in source.rows():
                if isinstance(row, Request) and not index.is_done(row.custom_id):
                    if todo is None or count % shard == 0:
                        if todo is not None:
                            todo.close()
                        todo = open(pending / f"part-{count // shard:06d}.jsonl", "w")  # noqa: SIM115
                    line = {"custom_id": row.custom_id, "url": row.url, "body": row.body}
                    todo.write(json.dumps(line, ensure_ascii=False) + "\n")
                    count += 1
                elif isinstance(row, BadLine) and index.mark_done(row.key):
                    opened.journal.append([bad_line_record(row)])
                    stats.now.failed += 1
                    stats.now.statuses["error"] = stats.now.statuses.get("error", 0) + 1
            if todo is not None:
                todo.close()
            try:
                if count:
                    with _showing(Progress(progress), stats):
                        _map_and_write(address, pending, opened.journal, index, stats, settings,
                                       options, workers, batch_size)  # fmt: skip
                if stats.state == "running":
                    stats.state = "finished" if stats.remaining == 0 else "stopped"
                    if stats.state == "stopped":
                        stats.reason = f"{stats.remaining} rows left without an answer"
            except KeyboardInterrupt:
                stats.state, stats.reason = "interrupted", "interrupted"
                raise
            except BaseException as exc:
                if stats.state == "running":
                    stats.state, stats.reason = "stopped", str(exc) or type(exc).__name__
                raise
            finally:
                _mark_ended(out, opened.state, stats)
        finally:
            opened.journal.close()
            shutil.rmtree(pending, ignore_errors=True)
        return summary_of(out, stats, settings.prices)
    finally:
        index.close()


@contextlib.contextmanager
def _showing(shown: Any, stats: Stats) -> Iterator[None]:
    """Progress on a thread of its own (the main thread iterates Ray's results)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> None:
        shown.start(stats)

    asyncio.run_coroutine_threadsafe(start(), loop).result()
    try:
        yield
    finally:
        asyncio.run_coroutine_threadsafe(shown.close(stats), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def _map_and_write(
    address: str,
    pending: Path,
    journal: Any,
    index: Any,
    stats: Stats,
    settings: Settings,
    client_options: Mapping[str, Any],
    workers: int | None,
    batch_size: int,
) -> None:
    """Map the pending rows through the senders and journal what comes back."""
    with _stdout_to_stderr():
        _map_with_ray(address, pending, journal, index, stats, settings, client_options,
                      workers, batch_size)  # fmt: skip


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Ray prints its workers' fates (``(raylet) A worker died...``) on standard output,
    from Python and from its own processes: while it runs, that is standard error, so
    standard output stays the caller's (``--json``)."""
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _map_with_ray(
    address: str,
    pending: Path,
    journal: Any,
    index: Any,
    stats: Stats,
    settings: Settings,
    client_options: Mapping[str, Any],
    workers: int | None,
    batch_size: int,
) -> None:
    from r9s.batch._journal import read_record

    ray, started = _connect(address)
    name = f"r9s-batch-{uuid.uuid4().hex[:12]}"
    limiter = shared_limiter(name, rpm=settings.rpm, tpm=settings.tpm)
    try:
        if workers is None:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        each = max(1, settings.concurrency // workers)
        sender_options = {
            **client_options,
            "limiter": name,
            "concurrency": each,
            "max_concurrency": max(each, settings.max_concurrency // workers),
            "pack": settings.pack,
            "max_retries": settings.max_retries,
            "timeout": settings.timeout,
            "rpm": settings.rpm,
            "tpm": settings.tpm,
        }
        # Several batches at once per actor (their requests share its loop and limiter),
        # so that one batch's slowest answers do not leave the actor idle.
        pool = ray.data.ActorPoolStrategy(
            size=workers, max_concurrent_calls_per_actor=4, enable_true_multi_threading=True
        )
        mapped = ray.data.read_text(str(pending.resolve()), file_extensions=["jsonl"]).map_batches(
            RequestSender,
            fn_constructor_kwargs=sender_options,
            compute=pool,
            num_cpus=0,
            batch_size=batch_size,
        )
        for batch in mapped.iter_batches(batch_size=None, batch_format="numpy"):
            records = []
            for key, text in zip(batch["custom_id"], batch["record"], strict=True):
                if not index.mark_done(str(key)):
                    continue  # written already (a batch delivered twice)
                record = json.loads(text)
                seen = read_record(record)
                if seen is not None:
                    stats.now.add(seen, settings.prices)
                records.append(record)
            journal.append(records)
            if journal.sync_due():
                journal.sync()
            _count(stats, ray.get(limiter.state.remote()))
            reason = _over(settings, stats)
            if reason is not None:
                ray.get(limiter.stop.remote(reason))
                stats.state, stats.reason = "stopped", reason
                break
        journal.sync()
        _count(stats, ray.get(limiter.state.remote()))
    finally:
        with contextlib.suppress(Exception):
            ray.kill(limiter)
        if started:
            ray.shutdown()


def _count(stats: Stats, state: Mapping[str, Any]) -> None:
    stats.throttled = int(state["throttles"])
    stats.requests = int(state["requests"])
    stats.retries = int(state["retries"])


def _over(settings: Settings, stats: Stats) -> str | None:
    if settings.max_tokens is not None and stats.tokens >= settings.max_tokens:
        return f"token budget reached ({stats.tokens:,} of {settings.max_tokens:,} used)"
    if settings.max_cost is not None and stats.cost >= settings.max_cost:
        return f"cost budget reached (${stats.cost:.4f} of ${settings.max_cost:g} spent)"
    return None
