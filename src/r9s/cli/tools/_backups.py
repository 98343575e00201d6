"""The backups ``set`` and ``reset`` keep: ``~/.r9s/backup/<tool>/`` and a manifest.

Every change is recorded before a file is touched: a copy of each file as it was
(``<file>.<time>.bak``, or that it did not exist), a copy of what the change writes
(``<file>.<time>.written``, or that it removes the file: how ``reset`` tells a change
made since), and the folders it created. Copies appear whole or not at all. After each
change the history is pruned to the original state of each file plus the last
:data:`DEFAULT_KEEP` changes (``backups`` in ``~/.r9s/config.toml``, ``R9S_BACKUPS``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from r9s.cli.common.files import (
    KEY_FILE_MODE,
    PRIVATE_DIR_MODE,
    MalformedFile,
    Snapshot,
    WriteFailed,
    create_new,
    make_dirs,
    write_atomic,
)
from r9s.cli.common.i18n import _

MANIFEST = "manifest.json"
DEFAULT_KEEP = 10
ENV_KEEP = "R9S_BACKUPS"
_COPY = re.compile(r".+\.\d{8}-\d{6}-\d{6}(?:-\d+)?\.(?:bak|written)")


@dataclass(frozen=True)
class SavedFile:
    """One file of an operation: as it was before (its backup copy, or that it did not
    exist) and what the operation made of it (``after_exists`` None: not recorded, as
    by r9s 1.0)."""

    path: str
    existed: bool
    backup: str | None = None
    mode: int | None = None
    after_exists: bool | None = None
    after: str | None = None  # the copy of what was written

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SavedFile:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class Operation:
    """One ``set``/``reset`` as recorded in the manifest."""

    id: str
    time: str
    command: str
    files: list[SavedFile]
    created_dirs: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time,
            "command": self.command,
            "files": [vars(saved) for saved in self.files],
            "created_dirs": self.created_dirs,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Operation:
        return cls(
            id=str(data["id"]),
            time=str(data["time"]),
            command=str(data.get("command", "")),
            files=[SavedFile.from_json(saved) for saved in data["files"]],
            created_dirs=list(data.get("created_dirs", [])),
        )

    def saved(self, path: str) -> SavedFile | None:
        return next((saved for saved in self.files if saved.path == path), None)


@dataclass(frozen=True)
class Original:
    """The state of one file before r9s first changed it, and the operation that did."""

    saved: SavedFile
    operation: Operation


class Backups:
    """The backups of one tool: ``<root>/<tool>/`` and its ``manifest.json``."""

    def __init__(self, root: Path, tool: str) -> None:
        self.folder = root / tool

    def operations(self) -> list[Operation]:
        """Recorded operations, newest first."""
        path = self.folder / MANIFEST
        try:
            entries = json.loads(path.read_text("utf-8"))["operations"]
            return [Operation.from_json(entry) for entry in reversed(entries)]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedFile(
                path,
                1,
                f"unreadable backup manifest ({exc})",
                force_replaces=None,
                hint="move it aside to start a new backup history; the .bak files stay",
            ) from None

    def save(self, command: str, befores: list[Snapshot], afters: list[bytes | None]) -> Operation:
        """Copy every file of ``befores`` as it is and as it will be (``afters``; None:
        removed) here, and record the operation; should that fail (a full disk), no copy
        stays and :class:`WriteFailed` names the backup folder."""
        now = datetime.now()
        saved: list[SavedFile] = []
        try:
            make_dirs(self.folder)
            os.chmod(self.folder, PRIVATE_DIR_MODE)
            for before, after in zip(befores, afters, strict=True):
                name = None
                if before.data is not None:
                    name = self._copy(before.path.name, now, "bak", before.data)
                saved.append(SavedFile(str(before.path), before.exists, name, before.mode))
                if after is not None:
                    written = self._copy(before.path.name, now, "written", after)
                    saved[-1] = replace(saved[-1], after=written)
                saved[-1] = replace(saved[-1], after_exists=after is not None)
            stamp = now.strftime("%Y%m%d-%H%M%S-%f")
            operation = Operation(stamp, now.isoformat(), command, saved)
            self._write_manifest([*reversed(self.operations()), operation])
        except OSError as exc:  # a full disk: no copy without its record
            self._delete_copies([Operation("", "", "", saved)])
            if isinstance(exc, WriteFailed):
                exc = exc.cause
            raise WriteFailed(self.folder, exc, "nothing was changed") from None
        return operation

    def discard(self, operation: Operation) -> None:
        """Forget ``operation`` and delete its copies (it changed nothing after all)."""
        self._write_manifest([op for op in reversed(self.operations()) if op.id != operation.id])
        self._delete_copies([operation])

    def note_created_dirs(self, operation: Operation, dirs: list[Path]) -> Operation:
        """Remember folders the operation created, so restoring can remove them."""
        if not dirs:
            return operation
        updated = replace(operation, created_dirs=operation.created_dirs + [str(d) for d in dirs])
        entries = [updated if op.id == operation.id else op for op in self.operations()]
        self._write_manifest(list(reversed(entries)))
        return updated

    def backup_path(self, saved: SavedFile) -> Path | None:
        return self.folder / saved.backup if saved.backup else None

    def content(self, name: str) -> bytes:
        """The bytes of one of the copies."""
        return (self.folder / name).read_bytes()

    def last_write(self, path: str) -> tuple[Operation, SavedFile] | None:
        """The newest operation that recorded what it wrote to ``path``."""
        for operation in self.operations():
            saved = operation.saved(path)
            if saved is not None and saved.after_exists is not None:
                return operation, saved
        return None

    def originals(self) -> list[Original]:
        """Each file as it was before r9s first changed it (the oldest record of it)."""
        found: dict[str, Original] = {}
        for operation in self.operations():  # newest first: the oldest record stays
            for saved in operation.files:
                found[saved.path] = Original(saved, operation)
        return list(found.values())

    def prune(self, keep: int) -> list[Operation]:
        """Keep the newest ``keep`` operations and those holding a file's original state;
        delete the others' copies, and copies no operation refers to (left by a crash).
        Returns the operations removed."""
        operations = self.operations()
        originals = {original.operation.id for original in self.originals()}
        kept = [op for n, op in enumerate(operations) if n < keep or op.id in originals]
        dropped = [op for op in operations if op not in kept]
        if dropped:
            self._write_manifest(list(reversed(kept)))
            self._delete_copies(dropped)
        referenced = {name for op in kept for saved in op.files for name in _copies(saved)}
        with contextlib.suppress(OSError):
            for name in os.listdir(self.folder):
                if _COPY.fullmatch(name) and name not in referenced:
                    with contextlib.suppress(OSError):
                        os.unlink(self.folder / name)
        return dropped

    def _delete_copies(self, operations: list[Operation]) -> None:
        for operation in operations:
            for saved in operation.files:
                for name in _copies(saved):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.folder / name)

    def _copy(self, file_name: str, now: datetime, kind: str, data: bytes) -> str:
        stamp = now.strftime("%Y%m%d-%H%M%S-%f")
        names = [
            f"{file_name}.{stamp}{f'-{attempt}' if attempt else ''}.{kind}"
            for attempt in range(1000)
        ]
        return create_new(self.folder, names, data, KEY_FILE_MODE)

    def _write_manifest(self, operations: list[Operation]) -> None:
        """``operations`` oldest first."""
        body = {"version": 1, "operations": [op.to_json() for op in operations]}
        data = (json.dumps(body, indent=2) + "\n").encode()
        write_atomic(self.folder / MANIFEST, data, KEY_FILE_MODE)


def _copies(saved: SavedFile) -> list[str]:
    return [name for name in (saved.backup, saved.after) if name]


def keep_setting() -> int:
    """How many changes each tool's history keeps besides the originals: ``R9S_BACKUPS``,
    else ``backups`` in ``~/.r9s/config.toml``, else :data:`DEFAULT_KEEP`."""
    from r9s.cli.common.settings import resolve

    value, source = resolve(None, ENV_KEEP, str(DEFAULT_KEEP))
    assert value is not None
    try:
        keep = int(value)
    except ValueError:
        keep = -1
    if keep < 1:
        raise ValueError(
            _("{source}: backups must be a whole number of at least 1, not {value!r}").format(
                source=source, value=value
            )
        )
    return keep
