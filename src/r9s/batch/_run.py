"""A whole run: check the input, open the output, send, record how it ended.

``run_async`` (and ``run``) send an input; ``retry_failed_async`` sends again the rows
whose records are failures and puts the new records in their place; ``status`` reads an
output back. All of them leave the output consistent whatever stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import socket
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from r9s._fileio import replace_atomic
from r9s.batch._errors import BatchInputError, OutputConflictError
from r9s.batch._index import KeyIndex
from r9s.batch._input import Hasher, Refusal, Request, Source
from r9s.batch._journal import (
    InputInfo,
    Journal,
    Opened,
    Tally,
    iter_lines,
    load_records,
    lock,
    now_iso,
    open_output,
    read_record,
    read_state,
    retry_path,
    state_path,
    write_state,
)
from r9s.batch._progress import Progress, ProgressOption
from r9s.batch._runner import Runner, Settings, Stats
from r9s.batch._usage import Prices

if TYPE_CHECKING:
    from r9s.client import R9S

PathLike = str | os.PathLike[str]
SHOWN = 3
"""How many duplicate ids or bad URLs an error names before "and N more"."""


@dataclass(frozen=True)
class Summary:
    """How a run ended, and what the output holds now."""

    output: str
    state: str
    """``"finished"`` (every row has a record), ``"stopped"`` (a budget, a fatal answer
    such as a rejected key, or ``Control.stop``) or ``"interrupted"`` (cancelled)."""
    reason: str | None
    rows: int
    """Rows in the input (each gets one record)."""
    done: int
    """Rows with a record in the output."""
    ok: int
    failed: int
    remaining: int
    written: int
    """Records this run wrote."""
    requests: int
    """HTTP requests this run sent (retries and packs included)."""
    throttled: int
    """429/503 answers this run got."""
    retries: int
    input_tokens: int
    output_tokens: int
    cost: float | None
    """Dollars, with ``prices`` (or a ``usage.cost`` from the server); else ``None``."""
    seconds: float
    statuses: dict[str, int] = field(default_factory=dict)
    """Records by HTTP status (``"error"``: no HTTP answer), over the whole output."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Control:
    """Stops a running batch cleanly from elsewhere (a signal handler, another task):
    nothing more is sent, requests in flight finish and are written."""

    def __init__(self) -> None:
        self._runner: Runner | None = None
        self._reason: str | None = None

    def stop(self, reason: str = "stopped by request") -> None:
        self._reason = reason
        if self._runner is not None:
            self._runner.stop(reason)

    def _attach(self, runner: Runner) -> None:
        self._runner = runner
        if self._reason is not None:
            runner.stop(self._reason)


def scan(source: Source, index: KeyIndex) -> InputInfo:
    """Read the input once before anything is sent: fingerprint it, register its keys,
    and refuse duplicate ``custom_id`` s and unknown URLs (naming their lines)."""
    source.check()
    hasher = Hasher()
    rows = 0
    duplicates: list[str] = []
    refusals: list[str] = []
    duplicate_count = refusal_count = 0
    for row in source.rows(hasher):  # type: ignore[arg-type]
        if isinstance(row, Refusal):
            refusal_count += 1
            if len(refusals) < SHOWN:
                refusals.append(row.message)
            continue
        key = row.custom_id if isinstance(row, Request) else row.key
        first = index.add_input(key, row.line)
        if first is not None:
            duplicate_count += 1
            if len(duplicates) < SHOWN:
                duplicates.append(f"custom_id {key!r} on lines {first} and {row.line}")
            continue
        rows += 1
    name = source.path.name
    if refusals:
        more = f" (and {refusal_count - len(refusals)} more)" if refusal_count > SHOWN else ""
        known = "/v1/chat/completions, /v1/responses, /v1/embeddings, /v1/completions, /v1/messages"
        raise BatchInputError(
            f"{name}: {'; '.join(refusals)}{more}; nothing was sent (the URLs a batch may use: "
            f"{known})"
        )
    if duplicates:
        more = f" (and {duplicate_count - len(duplicates)} more)" if duplicate_count > SHOWN else ""
        raise BatchInputError(
            f"{name}: duplicate {'; '.join(duplicates)}{more}; nothing was sent (each "
            f"custom_id must be unique: it is how answers are matched to rows)"
        )
    return InputInfo(
        str(source.path.resolve()), hasher.size, hasher.hash.hexdigest(), source.options(), rows
    )


def _settings_state(settings: Settings) -> dict[str, Any]:
    prices = settings.prices
    return {
        "concurrency": settings.concurrency,
        "rpm": settings.rpm,
        "tpm": settings.tpm,
        "max_tokens": settings.max_tokens,
        "max_cost": settings.max_cost,
        "prices": [prices.input, prices.output] if prices else None,
        "pack": settings.pack,
    }


def _client(client: R9S | None) -> tuple[R9S, bool]:
    if client is not None:
        return client, False
    from r9s.client import R9S

    return R9S(), True


def summary_of(output: Path, stats: Stats, prices: Prices | None) -> Summary:
    before, now = stats.before, stats.now
    statuses = dict(before.statuses)
    for label, count in now.statuses.items():
        statuses[label] = statuses.get(label, 0) + count
    cost_known = prices is not None or bool(before.cost or now.cost)
    return Summary(
        output=str(output),
        state=stats.state,
        reason=stats.reason,
        rows=stats.rows,
        done=stats.done,
        ok=before.ok + now.ok,
        failed=before.failed + now.failed,
        remaining=stats.remaining,
        written=now.done,
        requests=stats.requests,
        throttled=stats.throttled,
        retries=stats.retries,
        input_tokens=before.input_tokens + now.input_tokens,
        output_tokens=before.output_tokens + now.output_tokens,
        cost=stats.cost if cost_known else None,
        seconds=time.monotonic() - stats.started,
        statuses=statuses,
    )


async def _drive(
    runner: Runner,
    source: Source,
    stats: Stats,
    progress: ProgressOption,
    control: Control | None,
) -> None:
    """Run ``runner`` over ``source`` with progress; sets how it ended in ``stats``."""
    shown = Progress(progress)
    if control is not None:
        control._attach(runner)
    shown.start(stats)
    try:
        await runner.run(source.rows())
    except asyncio.CancelledError:
        stats.state, stats.reason = "interrupted", "cancelled"
        raise
    except BaseException as exc:
        if stats.state == "running" or stats.reason is None:
            stats.state, stats.reason = "stopped", str(exc) or type(exc).__name__
        raise
    finally:
        if stats.state == "running":
            stats.state = "finished" if stats.remaining == 0 else "stopped"
            if stats.state == "stopped":
                stats.reason = f"{stats.remaining} rows left without an answer"
        await shown.close(stats)


class SendOptions(TypedDict, total=False):
    """How a run sends: the keyword arguments ``run``, ``retry_failed`` and
    ``r9s.integrations.ray.run_on_ray`` share."""

    concurrency: int
    """Requests in flight to start with (32); it adapts between 1 and ``max_concurrency``."""
    max_concurrency: int
    """The most it may grow to (256)."""
    rpm: float | None
    """At most this many requests a minute."""
    tpm: float | None
    """At most this many tokens a minute (estimated from the request, corrected by usage)."""
    max_tokens: int | None
    """Token budget of the whole output: stop cleanly before answers use more."""
    max_cost: float | None
    """Cost budget of the whole output, in dollars (needs ``prices``)."""
    prices: Prices | str | None
    """Dollars per million input and output tokens: ``Prices`` or ``"2.5,10"``."""
    pack: int | None
    """Embeddings inputs per request (2,048; 1: no packing)."""
    max_retries: int
    """Retries of a 5xx or a network failure before it is written (6; 429s are waited out)."""
    timeout: float | None
    """Seconds per request (default: the client's)."""
    progress: ProgressOption
    """``"auto"`` (a bar on a terminal, else nothing), ``"bar"``, ``"lines"``, ``"off"``, or
    a function called every second with the live ``Stats``."""
    control: Control | None
    """Stop the run cleanly from elsewhere (``Control.stop``)."""


class InputOptions(TypedDict, total=False):
    """How the input's rows become requests (see ``Source``)."""

    model: str | None
    system: str | None
    template: str | None
    column: str | None
    id_column: str | None
    url: str
    params: Mapping[str, Any] | None
    input_format: str


class RunOptions(InputOptions, SendOptions, total=False):
    """The keyword arguments of ``run``: the input's and the sending's."""


SEND_OPTIONS: frozenset[str] = frozenset(SendOptions.__annotations__)
RUN_OPTIONS: frozenset[str] = frozenset(RunOptions.__annotations__)


def check_options(options: Mapping[str, Any], known: frozenset[str], name: str) -> None:
    """A misspelt option is a ``TypeError`` (as for a function), not a silent default."""
    unknown = sorted(options.keys() - known)
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], sorted(known), n=1, cutoff=0.7)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TypeError(f"{name}() got an unexpected keyword argument {unknown[0]!r}{hint}")


def source_of(input: PathLike, options: InputOptions) -> Source:
    return Source(
        Path(input),
        options.get("input_format", "auto"),  # type: ignore[arg-type]
        options.get("model"),
        options.get("system"),
        options.get("template"),
        options.get("column"),
        options.get("id_column"),
        options.get("url", "/v1/chat/completions"),
        dict(options.get("params") or {}),
    )


def make_settings(options: SendOptions) -> Settings:
    """The ``Settings`` for ``options``, checked."""
    from r9s.batch._units import MAX_PACK

    prices = options.get("prices")
    if isinstance(prices, str):
        try:
            prices = Prices.parse(prices)
        except ValueError as exc:
            raise BatchInputError(str(exc)) from None
    defaults = Settings()
    concurrency = options.get("concurrency", defaults.concurrency)
    pack = options.get("pack")
    settings = Settings(
        concurrency=concurrency,
        max_concurrency=max(options.get("max_concurrency", defaults.max_concurrency), concurrency),
        rpm=options.get("rpm"),
        tpm=options.get("tpm"),
        max_tokens=options.get("max_tokens"),
        max_cost=options.get("max_cost"),
        prices=prices,
        pack=MAX_PACK if pack is None else pack,
        max_retries=options.get("max_retries", defaults.max_retries),
        timeout=options.get("timeout"),
    )
    settings.check()
    return settings


async def run_async(
    input: PathLike,
    output: PathLike,
    *,
    client: R9S | None = None,
    resume: bool = False,
    overwrite: bool = False,
    allow_changed_input: bool = False,
    **options: Unpack[RunOptions],
) -> Summary:
    """Send every row of ``input`` and write one record per row to ``output`` (OpenAI's
    batch output format). ``client`` defaults to ``R9S()`` (``R9S_API_KEY``,
    ``R9S_BASE_URL``). Running it again resumes; ``resume`` insists on an output to go on
    with, ``overwrite`` sets it aside and starts over, ``allow_changed_input`` goes on
    with an output made from an earlier version of the input. The other options are
    ``InputOptions`` (for prompts) and ``SendOptions``; see ``r9s.batch``."""
    check_options(options, RUN_OPTIONS, "run")
    source = source_of(input, options)
    settings = make_settings(options)
    sdk, owned = _client(client)  # a missing key fails here, before anything is read
    try:
        return await _run(source, Path(output), sdk, settings, resume, overwrite,
                          allow_changed_input, options.get("progress", "auto"),
                          options.get("control"))  # fmt: skip
    finally:
        if owned:
            await sdk.aclose()


async def _run(
    source: Source,
    output: Path,
    client: R9S,
    settings: Settings,
    resume: bool,
    overwrite: bool,
    allow_changed_input: bool,
    progress: ProgressOption,
    control: Control | None,
) -> Summary:
    index = KeyIndex()
    try:
        info = scan(source, index)
        opened = open_output(
            output,
            info,
            index,
            settings.prices,
            resume=resume,
            overwrite=overwrite,
            allow_changed_input=allow_changed_input,
        )
        stats = Stats(rows=info.rows, before=opened.tally)
        try:
            _mark_running(output, opened, settings)
            runner = Runner(client, settings, opened.journal, index, stats)
            try:
                await _drive(runner, source, stats, progress, control)
            finally:
                _mark_ended(output, opened.state, stats)
        finally:
            opened.journal.close()
        return summary_of(output, stats, settings.prices)
    finally:
        index.close()


def _mark_running(output: Path, opened: Opened, settings: Settings) -> None:
    opened.state.update(
        state="running",
        reason=None,
        pid=os.getpid(),
        host=socket.gethostname(),
        started=now_iso(),
        updated=now_iso(),
        settings=_settings_state(settings),
    )
    write_state(state_path(output), opened.state)


def _mark_ended(output: Path, state: dict[str, Any], stats: Stats) -> None:
    state.update(state=stats.state, reason=stats.reason, updated=now_iso(), pid=None)
    with contextlib.suppress(OSError):
        write_state(state_path(output), state)


# -- retry-failed ----------------------------------------------------------------------


def source_from_state(state: Mapping[str, Any], input: PathLike | None) -> Source:
    """The input an output was made from, with the options it was made with."""
    recorded = state.get("input") or {}
    options = dict(recorded.get("options") or {})
    path = Path(input) if input is not None else Path(str(recorded.get("path", "")))
    kind = options.pop("format", "auto")
    if kind == "jsonl" and not options:
        return Source(path, "jsonl")
    return Source(path, kind, **options)


async def retry_failed_async(
    output: PathLike,
    *,
    input: PathLike | None = None,
    client: R9S | None = None,
    allow_changed_input: bool = False,
    **options: Unpack[SendOptions],
) -> Summary:
    """Send again the rows whose records in ``output`` are failures (an error status or
    no answer), and put the new records in their place. ``input`` defaults to the file
    the output was made from; it must still match it (or ``allow_changed_input``)."""
    check_options(options, SEND_OPTIONS, "retry_failed")
    settings = make_settings(options)
    sdk, owned = _client(client)
    try:
        return await _retry(Path(output), input, sdk, settings, allow_changed_input,
                            options.get("progress", "auto"), options.get("control"))  # fmt: skip
    finally:
        if owned:
            await sdk.aclose()


async def _retry(
    output: Path,
    input: PathLike | None,
    client: R9S,
    settings: Settings,
    allow_changed_input: bool,
    progress: ProgressOption,
    control: Control | None,
) -> Summary:
    state = read_state(state_path(output))
    if state is None or not output.exists():
        raise OutputConflictError(
            f"{output} is not the output of an r9s batch run (no {state_path(output).name})"
        )
    prices = settings.prices or _recorded_prices(state)
    fd = os.open(output, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
    lock(fd, output)
    index = KeyIndex()
    try:
        source = source_from_state(state, input)
        info = scan(source, index)
        changed = info.differences(InputInfo.from_dict(state.get("input") or {}))
        if changed and not allow_changed_input:
            raise OutputConflictError(
                f"{source.path} is not the input {output} was made from ({'; '.join(changed)}); "
                f"pass --allow-changed-input if you edited it on purpose"
            )
        whole = load_records(output, None, prices, on_failed=index.want)
        side_path = retry_path(output)
        journal = Journal.open_plain(side_path)
        try:
            redone = load_records(side_path, index, prices)
            stats = Stats(rows=index.wanted_count(), before=redone)
            runner = Runner(
                client,
                settings,
                journal,
                index,
                stats,
                wanted=index.wanted,
            )
            state.update(state="running", pid=os.getpid(), updated=now_iso(), reason=None)
            write_state(state_path(output), state)
            try:
                await _drive(runner, source, stats, progress, control)
            finally:
                if stats.state == "finished":
                    journal.sync()
                    compact(output, side_path, index)
                    whole = load_records(output, None, prices)
                ended = "finished" if stats.state == "finished" else stats.state
                state.update(state=ended, reason=stats.reason, updated=now_iso(), pid=None)
                write_state(state_path(output), state)
        finally:
            journal.close()
        # The summary speaks of the whole output, and of what this run did.
        base = summary_of(output, stats, prices)
        return replace(
            base,
            rows=info.rows,
            done=whole.done,
            ok=whole.ok,
            failed=whole.failed,
            remaining=max(0, info.rows - whole.done),
            input_tokens=whole.input_tokens,
            output_tokens=whole.output_tokens,
            cost=whole.cost if base.cost is not None else None,
            statuses=whole.statuses,
        )
    finally:
        index.close()
        os.close(fd)


def _recorded_prices(state: Mapping[str, Any]) -> Prices | None:
    recorded = (state.get("settings") or {}).get("prices")
    if isinstance(recorded, list) and len(recorded) == 2:
        return Prices(float(recorded[0]), float(recorded[1]))
    return None


def compact(output: Path, side: Path, redone: KeyIndex) -> None:
    """Put the records of ``side`` (retry-failed's new answers, the keys ``redone`` holds
    as done) in place of the output's records for the same rows: a new file, fsynced,
    renamed over the output. A crash before the rename leaves both files as they were;
    after it, doing it again changes nothing."""
    import json

    def merged() -> Iterator[bytes]:
        for _, line in iter_lines(output):
            seen = read_record(json.loads(line))
            if seen is None or not redone.is_done(seen.key):
                yield line
        for _, line in iter_lines(side):
            yield line

    replace_atomic(output, merged())
    side.unlink()


# -- status ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """What an output holds and how its last run ended."""

    output: str
    input: str
    state: str
    """``"finished"``, ``"stopped"``, ``"interrupted"`` (killed: rerun to resume) or
    ``"running"`` (another process is writing it now)."""
    reason: str | None
    rows: int
    done: int
    ok: int
    failed: int
    remaining: int
    input_tokens: int
    output_tokens: int
    cost: float | None
    statuses: dict[str, int]
    updated: str | None
    retry_pending: int
    """Records of an interrupted ``retry-failed`` not yet merged into the output."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def status(output: PathLike) -> Status:
    """Read ``output`` (and its state file): counts, tokens, and how the last run ended."""
    path = Path(output)
    state = read_state(state_path(path))
    if state is None:
        raise OutputConflictError(
            f"{path} is not the output of an r9s batch run (no {state_path(path).name})"
        )
    prices = _recorded_prices(state)
    tally = load_records(path, None, prices) if path.exists() else Tally()
    side = retry_path(path)
    pending = sum(1 for _ in iter_lines(side)) if side.exists() else 0
    recorded = state.get("input") or {}
    rows = int(recorded.get("rows", 0))
    ended = str(state.get("state", "unknown"))
    if ended == "running":
        ended = "running" if _locked(path) else "interrupted"
    reason = state.get("reason")
    if ended == "interrupted" and not reason:
        reason = "the run ended without closing the output (killed?); run it again to resume"
    return Status(
        output=str(path),
        input=str(recorded.get("path", "")),
        state=ended,
        reason=reason if isinstance(reason, str) else None,
        rows=rows,
        done=tally.done,
        ok=tally.ok,
        failed=tally.failed,
        remaining=max(0, rows - tally.done),
        input_tokens=tally.input_tokens,
        output_tokens=tally.output_tokens,
        cost=tally.cost if prices is not None or tally.cost else None,
        statuses=tally.statuses,
        updated=state.get("updated"),
        retry_pending=pending,
    )


def _locked(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
