"""Applying ``set`` and ``reset`` to a tool's files through the shared engine."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from r9s.cli.common.files import (
    KEY_FILE_MODE,
    PLAIN_FILE_MODE,
    MalformedFile,
    Snapshot,
    locked,
    remove,
    snapshot,
    write_atomic,
)
from r9s.cli.common.formats import REMOVE, Edits, Format, Update, edit, parse
from r9s.cli.common.settings import state_dir
from r9s.cli.tools._backups import Backups, Operation, SavedFile
from r9s.cli.tools._base import ConfigFile, Target, Tool


@dataclass(frozen=True)
class Change:
    """A file before, and what it becomes (None: removed)."""

    before: Snapshot
    after: bytes | None
    mode: int
    notes: tuple[str, ...] = ()  # what the person should know (comments not kept...)
    replaced: tuple[str, ...] = ()  # the person's settings this removes or overrides

    @property
    def changed(self) -> bool:
        return self.before.data != self.after or self.mode_changed

    @property
    def mode_changed(self) -> bool:
        """Same content, another mode (a file holding the key left readable by others)."""
        return (
            self.after is not None
            and self.before.mode is not None
            and self.before.data == self.after
            and self.before.mode != self.mode
        )

    @property
    def path(self) -> Path:
        return self.before.path


def backups_for(tool: Tool, home: Path) -> Backups:
    return Backups(state_dir(home) / "backup", tool.name)


@dataclass(frozen=True)
class ConfigState:
    """A config file as the tool sees it: where, whether it exists, its values."""

    path: Path
    exists: bool
    values: Mapping[str, Any]
    problem: str | None = None  # why it could not be read


def read_configs(tool: Tool, home: Path, environ: Mapping[str, str]) -> list[ConfigState]:
    """Every config file of ``tool``, parsed (empty values where absent or malformed)."""
    states = []
    for config in tool.files:
        path = config.location(home, environ)
        before = snapshot(path)
        try:
            states.append(
                ConfigState(path, before.exists, parse(config.format, before.text(), path))
            )
        except MalformedFile as exc:
            states.append(ConfigState(path, before.exists, {}, exc.reason))
    return states


def plan_set(
    tool: Tool, target: Target, home: Path, environ: Mapping[str, str], *, force: bool = False
) -> list[Change]:
    """What ``set`` would do to each of the tool's files (nothing is written)."""
    changes = []
    for config, edits in zip(tool.files, tool.render(target), strict=True):
        path = config.location(home, environ)
        before = snapshot(path)
        if not edits:  # a file this set leaves alone (Codex's default with --profile-only)
            changes.append(Change(before, before.data, before.mode or PLAIN_FILE_MODE))
            continue
        try:
            text = before.text()
        except MalformedFile:
            if not force:
                raise
            text = ""
        after = edit(config.format, text, edits, path, force=force)
        replaced = _replaced(config.format, text, edits, path, target.api_key)
        mode = _mode(config, before)
        changes.append(Change(before, after.text.encode(), mode, after.notes, replaced))
    return changes


def _replaced(fmt: Format, text: str, edits: Edits, path: Path, key: str) -> tuple[str, ...]:
    """What of the person's settings ``edits`` remove or change (secrets not shown)."""
    try:
        values: Any = parse(fmt, text, path)
    except MalformedFile:
        return ()
    said = []
    for keys, new in edits.items():
        old: Any = values
        for name in keys:
            old = old.get(name) if isinstance(old, Mapping) else None
        name = ".".join(keys)
        if old is None or isinstance(new, Update) or old == new:
            continue
        if new is REMOVE:
            said.append(f"removed {name} (kept in the backup)")
        elif new == key or not isinstance(old, str | int | float | bool) or _secret(name):
            said.append(f"replaced {name} (the old value is kept in the backup)")
        else:
            said.append(f"replaced {name}: {old} -> {new}")
    return tuple(said)


def _secret(name: str) -> bool:
    return any(word in name.lower() for word in ("key", "token", "secret", "password"))


def _mode(config: ConfigFile, before: Snapshot) -> int:
    if config.holds_key:
        return KEY_FILE_MODE
    return before.mode if before.mode is not None else PLAIN_FILE_MODE


def apply_set(
    tool: Tool, target: Target, home: Path, environ: Mapping[str, str], *, force: bool = False
) -> tuple[Operation | None, list[Change]]:
    """Back up, then write, under the lock. Files are read again inside the lock, so a
    concurrent change is built upon rather than lost."""
    with locked(state_dir(home)):
        changes = [c for c in plan_set(tool, target, home, environ, force=force) if c.changed]
        if not changes:
            return None, []
        command = "set --force" if force else "set"
        return _commit(backups_for(tool, home), command, changes), changes


def _commit(backups: Backups, command: str, changes: list[Change]) -> Operation:
    operation = backups.save(command, [change.before for change in changes])
    created: list[Path] = []
    for change in changes:
        if change.after is None:
            remove(change.path)
        else:
            created += write_atomic(change.path, change.after, change.mode)
    return backups.note_created_dirs(operation, created)


def plan_restore(backups: Backups, saved_files: list[SavedFile]) -> list[Change]:
    """What restoring ``saved_files`` would do (byte for byte, or removing the file)."""
    changes = []
    for saved in saved_files:
        before = snapshot(Path(saved.path))
        after = None
        if saved.existed:
            backup = backups.backup_path(saved)
            assert backup is not None
            after = backup.read_bytes()
        mode = saved.mode if saved.mode is not None else KEY_FILE_MODE
        changes.append(Change(before, after, mode))
    return changes


def apply_restore(
    backups: Backups, saved_files: list[SavedFile], home: Path, created_dirs: list[str]
) -> tuple[Operation | None, list[Change]]:
    """Restore under the lock, backing up the current files first (reset can be undone)."""
    with locked(state_dir(home)):
        changes = [c for c in plan_restore(backups, saved_files) if c.changed]
        operation = _commit(backups, "reset", changes) if changes else None
        # Folders that set created go too, when restoring left them empty.
        for folder in sorted(created_dirs, key=len, reverse=True):
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        return operation, changes


def file_secrets(tool: Tool, changes: list[Change]) -> list[str]:
    """Every value, before and after, of the files whose values are all credentials
    (their names do not say so), for masking in diffs."""
    found: list[str] = []
    paths = {str(c.location(Path.home(), os.environ)): c for c in tool.files if c.only_secrets}
    for change in changes:
        config = paths.get(str(change.path))
        if config is None:
            continue
        for data in (change.before.data, change.after):
            try:
                values = parse(config.format, (data or b"").decode(), change.path)
            except (MalformedFile, UnicodeDecodeError):
                continue
            found += [v for v in values.values() if isinstance(v, str) and len(v) >= 8]
    return found
