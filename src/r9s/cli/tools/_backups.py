"""The backups ``set`` and ``reset`` keep: ``~/.r9s/backup/<tool>/*.bak`` and a manifest.

Every change is backed up first, with a manifest that also records files that did not
exist (so restoring removes them) and folders the change created.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from r9s.cli.common.files import (
    KEY_FILE_MODE,
    PRIVATE_DIR_MODE,
    MalformedFile,
    Snapshot,
    make_dirs,
    write_atomic,
)

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class SavedFile:
    """One file as it was before an operation: its backup copy, or that it did not exist."""

    path: str
    existed: bool
    backup: str | None = None
    mode: int | None = None


@dataclass(frozen=True)
class Operation:
    """One ``set``/``reset`` as recorded in the manifest: what the files were before it."""

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
            files=[SavedFile(**saved) for saved in data["files"]],
            created_dirs=list(data.get("created_dirs", [])),
        )


class Backups:
    """The backups of one tool: ``<root>/<tool>/*.bak`` and ``manifest.json``."""

    def __init__(self, root: Path, tool: str) -> None:
        self.folder = root / tool

    def operations(self) -> list[Operation]:
        """Recorded operations, newest first."""
        path = self.folder / MANIFEST
        try:
            entries = json.loads(path.read_text("utf-8"))["operations"]
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
        return [Operation.from_json(entry) for entry in reversed(entries)]

    def save(self, command: str, befores: list[Snapshot]) -> Operation:
        """Copy every existing file of ``befores`` here and record the operation."""
        make_dirs(self.folder)
        os.chmod(self.folder, PRIVATE_DIR_MODE)
        now = datetime.now()
        saved = []
        for before in befores:
            name = None
            if before.data is not None:
                name = self._write_unique(before.path.name, now, before.data)
            saved.append(SavedFile(str(before.path), before.exists, name, before.mode))
        operation = Operation(now.strftime("%Y%m%d-%H%M%S-%f"), now.isoformat(), command, saved)
        self._record(operation)
        return operation

    def note_created_dirs(self, operation: Operation, dirs: list[Path]) -> Operation:
        """Remember folders the operation created, so restoring can remove them."""
        if not dirs:
            return operation
        updated = Operation(
            operation.id,
            operation.time,
            operation.command,
            operation.files,
            operation.created_dirs + [str(d) for d in dirs],
        )
        entries = [op for op in reversed(self.operations()) if op.id != operation.id]
        self._write_manifest([*entries, updated])
        return updated

    def backup_path(self, saved: SavedFile) -> Path | None:
        return self.folder / saved.backup if saved.backup else None

    def _write_unique(self, file_name: str, now: datetime, data: bytes) -> str:
        stamp = now.strftime("%Y%m%d-%H%M%S-%f")
        for attempt in range(1000):
            suffix = f"-{attempt}" if attempt else ""
            name = f"{file_name}.{stamp}{suffix}.bak"
            try:
                fd = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            return name
        raise FileExistsError(f"no free backup name for {file_name} in {self.folder}")

    def _record(self, operation: Operation) -> None:
        entries = list(reversed(self.operations()))
        self._write_manifest([*entries, operation])

    def _write_manifest(self, operations: list[Operation]) -> None:
        body = {"version": 1, "operations": [op.to_json() for op in operations]}
        data = (json.dumps(body, indent=2) + "\n").encode()
        write_atomic(self.folder / MANIFEST, data, KEY_FILE_MODE)
