"""Applying ``set`` and ``reset`` to a tool's files through the shared engine.

A change is recorded (backups of the files as they are and as they will be) before any
file is written; should writing one file fail, those already written are put back and
the record is dropped, so a tool's files change together or not at all.
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from r9s.cli.common.files import (
    KEY_FILE_MODE,
    PLAIN_FILE_MODE,
    MalformedFile,
    Snapshot,
    WriteFailed,
    display,
    locked,
    remove,
    snapshot,
    write_atomic,
)
from r9s.cli.common.formats import REMOVE, Edits, Format, Update, edit, parse
from r9s.cli.common.i18n import N_, _
from r9s.cli.common.masking import holds_secret
from r9s.cli.common.settings import state_dir
from r9s.cli.tools._backups import Backups, Operation, SavedFile, keep_setting
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
        exists = os.path.lexists(path)
        try:
            before = snapshot(path)
            states.append(
                ConfigState(path, before.exists, parse(config.format, before.text(), path))
            )
        except MalformedFile as exc:
            states.append(ConfigState(path, exists, {}, exc.reason))
        except OSError as exc:  # unreadable (permissions, a loop of symlinks...)
            states.append(ConfigState(path, exists, {}, f"{display(path)}: {exc.strerror}"))
    return states


def check_target(target: Target, into: str = N_("a config file")) -> None:
    """Refuse values that must not reach a config file: a model id (or key, or URL) with
    control characters (an escape sequence from a server's model list, a pasted line
    break) would be written as is, and shown to whoever reads the file."""
    slots = [
        (_("{slot} model id").format(slot=name), model) for name, model in target.slots.items()
    ]
    for what, value in (
        (N_("model id"), target.model),
        (N_("small model id"), target.small_model),
        *slots,
        (N_("base URL"), target.base_url),
        (N_("API key"), target.api_key),
    ):
        bad = sorted({char for char in value if unicodedata.category(char) in _CONTROL})
        if bad:
            codes = ", ".join(f"U+{ord(char):04X}" for char in bad)
            if what == "API key":
                message = _(
                    "the API key contains control characters ({codes}); "
                    "r9s will not write it into {into}"
                )
            else:
                message = _(
                    "the {what} {value} contains control characters ({codes}); "
                    "r9s will not write it into {into}"
                )
            raise ValueError(
                message.format(what=_(what), value=ascii(value), codes=codes, into=_(into))
            )


_CONTROL = frozenset(("Cc", "Cf", "Zl", "Zp"))


def plan_set(
    tool: Tool, target: Target, home: Path, environ: Mapping[str, str], *, force: bool = False
) -> list[Change]:
    """What ``set`` would do to each of the tool's files (nothing is written)."""
    check_target(target)
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
        notes = after.notes + _link_notes(before)
        mode = _mode(config, before)
        changes.append(Change(before, after.text.encode(), mode, notes, replaced))
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
            said.append(_("removed {name} (kept in the backup)").format(name=name))
        elif new == key or not isinstance(old, str | int | float | bool) or holds_secret(name):
            said.append(
                _("replaced {name} (the old value is kept in the backup)").format(name=name)
            )
        else:
            said.append(_("replaced {name}: {old} -> {new}").format(name=name, old=old, new=new))
    return tuple(said)


def _link_notes(before: Snapshot) -> tuple[str, ...]:
    if before.links <= 1:
        return ()
    return (
        _(
            "it has {links} names (a hard link): it is written in place, which keeps "
            "the link (the backup holds the old content)"
        ).format(links=before.links),
    )


def _mode(config: ConfigFile, before: Snapshot) -> int:
    if config.holds_key:
        return KEY_FILE_MODE
    return before.mode if before.mode is not None else PLAIN_FILE_MODE


def apply_set(
    tool: Tool,
    target: Target,
    home: Path,
    environ: Mapping[str, str],
    *,
    force: bool = False,
    planned: list[Change] | None = None,
) -> tuple[Operation | None, list[Change]]:
    """Back up, then write, under the lock. Files are read again inside the lock, so a
    concurrent change is built upon rather than lost; ``planned`` (what ``plan_set``
    showed) is used as it is when no file changed since."""
    keep = keep_setting()
    with locked(state_dir(home)):
        if planned is None or any(snapshot(c.path) != c.before for c in planned):
            planned = plan_set(tool, target, home, environ, force=force)
        changes = [c for c in planned if c.changed]
        if not changes:
            return None, []
        command = "set --force" if force else "set"
        return _commit(backups_for(tool, home), command, changes, keep), changes


def _commit(backups: Backups, command: str, changes: list[Change], keep: int) -> Operation:
    """Record, then write every change; on a failure put back what was written."""
    operation = backups.save(command, [c.before for c in changes], [c.after for c in changes])
    done: list[Change] = []
    created: list[Path] = []
    for change in changes:
        try:
            if change.after is None:
                remove(change.path)
            else:
                created += write_atomic(change.path, change.after, change.mode)
        except BaseException as exc:
            outcome = _roll_back(backups, operation, done, created)
            if isinstance(exc, OSError):
                cause = exc.cause if isinstance(exc, WriteFailed) else exc
                raise WriteFailed(change.path, cause, outcome) from None
            raise
        done.append(change)
    # The change is made: a disk too full to note the folders, or to prune, fails nothing.
    with contextlib.suppress(OSError):
        operation = backups.note_created_dirs(operation, created)
    with contextlib.suppress(OSError):
        backups.prune(keep)
    return operation


def _roll_back(
    backups: Backups, operation: Operation, done: list[Change], created: list[Path]
) -> str:
    """Put the files already written back as they were; what to tell the person."""
    failed = []
    for change in reversed(done):
        try:
            if change.before.data is None:
                remove(change.path)
            else:
                mode = change.before.mode if change.before.mode is not None else change.mode
                write_atomic(change.path, change.before.data, mode)
        except OSError:
            failed.append(change)
    if failed:
        names = ", ".join(display(change.path) for change in failed)
        return f"{names} could not be put back: `r9s reset` restores it from the backup"
    for folder in sorted(created, key=lambda f: len(str(f)), reverse=True):
        with contextlib.suppress(OSError):
            os.rmdir(folder)
    with contextlib.suppress(OSError):
        backups.discard(operation)
    if not done:
        return "nothing was changed"
    names = ", ".join(display(change.path) for change in done)
    return f"nothing was changed ({names} was put back as it was)"


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


class ChangedMeanwhile(Exception):
    """A file changed between the moment it was shown and the moment it was to be
    written: nothing was written."""


def apply_restore(
    backups: Backups,
    saved_files: list[SavedFile],
    home: Path,
    created_dirs: list[str],
    seen: Mapping[Path, bytes | None] | None = None,
) -> tuple[Operation | None, list[Change]]:
    """Restore under the lock, backing up the current files first (reset can be undone).

    ``seen`` is each file's content when the person was shown what would happen; should
    one differ now, nothing is written (:class:`ChangedMeanwhile`).
    """
    keep = keep_setting()
    with locked(state_dir(home)):
        planned = plan_restore(backups, saved_files)
        for change in planned:
            if seen is not None and change.path in seen and seen[change.path] != change.before.data:
                raise ChangedMeanwhile(
                    _(
                        "{path} changed while r9s was asking; nothing was written "
                        "(run the command again)"
                    ).format(path=display(change.path))
                )
        changes = [c for c in planned if c.changed]
        operation = _commit(backups, "reset", changes, keep) if changes else None
        # Folders that set created go too, when restoring left them empty.
        for folder in sorted(created_dirs, key=len, reverse=True):
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        return operation, changes


def file_secrets(tool: Tool, changes: Sequence[Change], drifts: Sequence[Drift] = ()) -> list[str]:
    """Every value, before and after (and as r9s wrote it, for a file changed since), of
    the files whose values are all credentials (their names do not say so), for masking
    in diffs."""
    found: list[str] = []
    paths = {str(c.location(Path.home(), os.environ)): c for c in tool.files if c.only_secrets}
    contents = [(c.path, data) for c in changes for data in (c.before.data, c.after)]
    contents += [(d.path, data) for d in drifts for data in (d.written, d.current.data)]
    for path, data in contents:
        config = paths.get(str(path))
        if config is None:
            continue
        try:
            values = parse(config.format, (data or b"").decode(), path)
        except (MalformedFile, UnicodeDecodeError):
            continue
        found += [v for v in values.values() if isinstance(v, str) and len(v) >= 8]
    return found


@dataclass(frozen=True)
class Drift:
    """A file that differs from what r9s last wrote to it (changed since, by the person
    or by the tool)."""

    path: Path
    written: bytes | None  # what r9s wrote (None: it removed the file, or left it absent)
    current: Snapshot
    operation: Operation  # the operation that wrote it


def changed_since(backups: Backups, paths: list[str]) -> list[Drift]:
    """The files among ``paths`` that are no longer what r9s last wrote to them (files
    r9s recorded no content for, as r9s 1.0 did not, are not compared)."""
    drifts = []
    for path in paths:
        found = backups.last_write(path)
        if found is None:
            continue
        operation, saved = found
        written = None
        if saved.after_exists:
            written = backups.content(saved.after) if saved.after else b""
        current = snapshot(Path(path))
        if current.data != written:
            drifts.append(Drift(Path(path), written, current, operation))
    return drifts
