"""The output: OpenAI's batch output lines, each ``custom_id`` written exactly once.

The output file is append-only and is the journal: a run that starts again (after a
crash, a budget stop or Ctrl-C) reads it, skips what it holds, and appends the rest.
Records are written whole, one ``write`` for a group of complete lines, and fsynced in
groups (every second or 1,000 records): a ``kill -9`` can at worst leave the last line
torn, which the next run cuts off (that row is sent again, since its answer was never
completely written). A power cut can lose the last unsynced group the same way.

Next to ``OUTPUT`` lies ``OUTPUT.r9s.json``: which input (its SHA-256 and the options
that shape its requests) the output belongs to, and how the last run ended. An output
from another input is refused; so is an output that another run is writing (a lock).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from r9s._fileio import fsync_dir, replace_atomic
from r9s.batch._errors import OutputConflictError
from r9s.batch._index import KeyIndex
from r9s.batch._input import BadLine, line_key
from r9s.batch._usage import Prices, Usage, usage_of

STATE_SUFFIX = ".r9s.json"
RETRY_SUFFIX = ".retry"
STATE_VERSION = 1
SYNC_SECONDS = 1.0
SYNC_RECORDS = 1000


def state_path(output: Path) -> Path:
    return output.with_name(output.name + STATE_SUFFIX)


def retry_path(output: Path) -> Path:
    """Where ``retry-failed`` journals its new answers until they replace the old ones."""
    return output.with_name(output.name + RETRY_SUFFIX)


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


# -- records ---------------------------------------------------------------------------


def record_id() -> str:
    return "batch_req_" + secrets.token_hex(12)


def answer_record(custom_id: str, status: int, request_id: str | None, body: Any) -> dict[str, Any]:
    """The record of an HTTP answer, success or error status (as OpenAI writes both)."""
    response = {"status_code": status, "request_id": request_id, "body": body}
    return {"id": record_id(), "custom_id": custom_id, "response": response, "error": None}


def error_record(
    custom_id: str | None, code: str, message: str, line: int | None = None
) -> dict[str, Any]:
    """The record of a row that got no HTTP answer (bad input, network failure)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if line is not None:
        error["line"] = line
    return {"id": record_id(), "custom_id": custom_id, "response": None, "error": error}


def bad_line_record(bad: BadLine) -> dict[str, Any]:
    return error_record(bad.custom_id, "invalid_input", bad.message, bad.line)


def encode(record: Mapping[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


@dataclass(frozen=True, slots=True)
class Seen:
    """What a record says, as far as resuming and ``status`` care."""

    key: str
    failed: bool
    status: int | None
    usage: Usage


def read_record(record: Any) -> Seen | None:
    """``None`` for a line that is not a batch output record."""
    if not isinstance(record, dict) or "custom_id" not in record:
        return None
    custom_id = record.get("custom_id")
    error = record.get("error")
    response = record.get("response")
    if isinstance(custom_id, str):
        key = custom_id
    elif isinstance(error, dict) and isinstance(error.get("line"), int):
        key = line_key(error["line"])
    else:
        return None
    status = response.get("status_code") if isinstance(response, dict) else None
    status = status if isinstance(status, int) else None
    failed = error is not None or status is None or status >= 400
    usage = usage_of(response.get("body")) if isinstance(response, dict) else Usage()
    return Seen(key, failed, status, usage)


# -- tallies ---------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts over records (what the output holds, or what one run wrote)."""

    ok: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.ok + self.failed

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add(self, seen: Seen, prices: Prices | None) -> None:
        if seen.failed:
            self.failed += 1
        else:
            self.ok += 1
        label = str(seen.status) if seen.status is not None else "error"
        self.statuses[label] = self.statuses.get(label, 0) + 1
        self.add_usage(seen.usage, prices)

    def add_usage(self, usage: Usage, prices: Prices | None) -> None:
        self.input_tokens += usage.input
        self.output_tokens += usage.output
        if usage.cost is not None or prices is not None:
            self.cost += usage.cost if usage.cost is not None else prices.cost(usage)  # type: ignore[union-attr]

    def remove(self, seen: Seen, prices: Prices | None) -> None:
        """Take a record back out (its row is being retried)."""
        if seen.failed:
            self.failed -= 1
        else:
            self.ok -= 1
        label = str(seen.status) if seen.status is not None else "error"
        self.statuses[label] = self.statuses.get(label, 0) - 1
        if not self.statuses[label]:
            del self.statuses[label]


# -- the state file --------------------------------------------------------------------


@dataclass(frozen=True)
class InputInfo:
    """What an output belongs to: the input file's bytes and the options that shape its
    requests."""

    path: str
    size: int
    sha256: str
    options: dict[str, Any]
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": self.size,
            "sha256": self.sha256,
            "options": self.options,
            "rows": self.rows,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InputInfo:
        return cls(
            str(data.get("path", "")),
            int(data.get("size", 0)),
            str(data.get("sha256", "")),
            dict(data.get("options") or {}),
            int(data.get("rows", 0)),
        )

    def differences(self, other: InputInfo) -> list[str]:
        """How ``other`` (what an output was made from) differs from this input."""
        found = []
        if self.sha256 != other.sha256:
            found.append("its content differs")
        for name, value in other.options.items():
            if self.options.get(name) != value:
                found.append(f"{name} was {value!r}, now {self.options.get(name)!r}")
        for name in self.options.keys() - other.options.keys():
            found.append(f"{name} is new")
        return found


def read_state(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("r9s_batch") else None


def write_state(path: Path, state: Mapping[str, Any]) -> None:
    """Atomically: a temporary file, fsynced, renamed over the old one."""
    text = json.dumps(state, indent=1, ensure_ascii=False) + "\n"
    replace_atomic(path, text.encode("utf-8"))


def backup_name(path: Path) -> Path:
    """The first free ``PATH.bak``, ``PATH.bak.1``, ... for a file being set aside."""
    candidate = path.with_name(path.name + ".bak")
    number = 0
    while candidate.exists() or state_path(candidate).exists():
        number += 1
        candidate = path.with_name(f"{path.name}.bak.{number}")
    return candidate


# -- the journal -----------------------------------------------------------------------


class Journal:
    """An append-only file of records: write whole lines, fsync in groups."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd
        self.unsynced = 0
        self.last_sync = time.monotonic()
        self.written = 0

    @classmethod
    def open_plain(cls, path: Path) -> Journal:
        """A journal without state or lock (``retry-failed``'s side file: the main
        output's lock covers it)."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        repair_tail(fd)
        return cls(path, fd)

    def append(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        data = b"".join(encode(record) for record in records)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        self.unsynced += len(records)
        self.written += len(records)

    def sync_due(self) -> bool:
        return bool(self.unsynced) and (
            self.unsynced >= SYNC_RECORDS or time.monotonic() - self.last_sync >= SYNC_SECONDS
        )

    def sync(self) -> None:
        if self.unsynced:
            os.fsync(self.fd)
            self.unsynced = 0
        self.last_sync = time.monotonic()

    def close(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                self.sync()
            os.close(self.fd)
            self.fd = -1


def repair_tail(fd: int) -> int:
    """Cut a torn last line (no newline: a write cut by a crash); returns bytes cut."""
    size = os.fstat(fd).st_size
    if size == 0:
        return 0
    position = size
    block = 1 << 16
    while position > 0:
        start = max(0, position - block)
        chunk = os.pread(fd, position - start, start)
        if position == size and chunk.endswith(b"\n"):
            return 0
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            keep = start + newline + 1
            os.ftruncate(fd, keep)
            return size - keep
        position = start
    os.ftruncate(fd, 0)
    return size


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as file:
        yield from enumerate(file, 1)


def load_records(
    path: Path,
    index: KeyIndex | None,
    prices: Prices | None,
    *,
    on_failed: Callable[[str], object] | None = None,
) -> Tally:
    """Read an output: mark each key done in ``index``, tally it, and collect the keys of
    failed records to ``on_failed``. A line that is not a record, or a key seen twice,
    means something else wrote here: refused."""
    tally = Tally()
    for number, line in iter_lines(path):
        try:
            seen = read_record(json.loads(line))
        except ValueError:
            seen = None
        if seen is None:
            raise OutputConflictError(
                f"{path} line {number} is not a batch output record; it was not written by "
                f"r9s batch (or was edited): choose another output, or move this one away"
            )
        if index is not None and not index.mark_done(seen.key):
            raise OutputConflictError(
                f"{path} holds {seen.key!r} twice (line {number}); it was edited or "
                f"written by something else"
            )
        tally.add(seen, prices)
        if on_failed is not None and seen.failed:
            on_failed(seen.key)
    return tally


@dataclass
class Opened:
    """An output opened for a run."""

    journal: Journal
    state: dict[str, Any]
    tally: Tally
    resumed: bool
    backup: Path | None = None
    changed: list[str] = field(default_factory=list)
    """How the input differs from the one the output was started with (if allowed)."""


def lock(fd: int, path: Path) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        state = read_state(state_path(path)) or {}
        who = f" (pid {state['pid']})" if state.get("pid") else ""
        raise OutputConflictError(
            f"{path} is being written by another r9s batch run{who}; wait for it, or stop it"
        ) from None


def open_output(
    output: Path,
    info: InputInfo,
    index: KeyIndex,
    prices: Prices | None,
    *,
    resume: bool = False,
    overwrite: bool = False,
    allow_changed_input: bool = False,
) -> Opened:
    """Open ``output`` for a run of ``info``: new, resumed, or refused.

    ``resume`` insists on an output to continue. ``overwrite`` sets an existing output
    (and its state) aside as ``OUTPUT.bak`` and starts over. ``allow_changed_input``
    continues an output started from another version of the input: rows it already
    answered (by ``custom_id``) are kept, the rest are sent.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    existed = output.exists()
    fd = os.open(output, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    lock(fd, output)
    try:
        return _open_locked(
            output, fd, info, index, prices, existed, resume, overwrite, allow_changed_input
        )
    except BaseException:
        os.close(fd)
        if not existed:
            with contextlib.suppress(OSError):
                output.unlink()
        raise


def _open_locked(
    output: Path,
    fd: int,
    info: InputInfo,
    index: KeyIndex,
    prices: Prices | None,
    existed: bool,
    resume: bool,
    overwrite: bool,
    allow_changed_input: bool,
) -> Opened:
    state_file = state_path(output)
    state = read_state(state_file)
    size = os.fstat(fd).st_size
    backup: Path | None = None
    if overwrite and (size or state is not None):
        backup = backup_name(output)
        os.replace(output, backup)
        if state_file.exists():
            os.replace(state_file, state_path(backup))
        with contextlib.suppress(OSError):
            os.replace(retry_path(output), retry_path(backup))
        os.close(fd)
        fd = os.open(output, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        lock(fd, output)
        state, size = None, 0
    changed: list[str] = []
    if state is None:
        if size:
            raise OutputConflictError(
                f"{output} exists and was not written by r9s batch (no {state_file.name}); "
                f"choose another output, or pass --overwrite to set it aside as a .bak"
            )
        if resume:
            raise OutputConflictError(f"nothing to resume: {output} has no answers yet")
        if not existed:
            fsync_dir(output.parent)
        started = {
            "r9s_batch": STATE_VERSION,
            "input": info.to_dict(),
            "created": now_iso(),
        }
        return Opened(Journal(output, fd), started, Tally(), False, backup)
    previous = InputInfo.from_dict(state.get("input") or {})
    changed = info.differences(previous)
    if changed and not allow_changed_input:
        raise OutputConflictError(
            f"{output} was made from another input ({previous.path}: {'; '.join(changed)}); "
            f"choose another output, --overwrite to start over (the old one is kept as "
            f".bak), or --allow-changed-input if you edited the input on purpose"
        )
    repair_tail(fd)
    tally = load_records(output, index, prices)
    state = {**state, "input": info.to_dict()}
    return Opened(Journal(output, fd), state, tally, True, backup, changed)
