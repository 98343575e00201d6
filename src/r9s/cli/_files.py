"""The one engine that edits, backs up and restores every tool's config files.

- Reading never guesses: each JSON file is read in its tool's dialect (comments or not);
  a malformed file raises :class:`MalformedFile` naming the file and line, unless the
  caller forces a rewrite (after a backup).
- JSON is edited in place (``_jsonc``: comments, order and layout kept); TOML goes
  through tomlkit, keeping comments and layout; ``.env`` files keep every line that is
  not ours. Every JSON and TOML edit is read back and refused unless it equals the old
  values plus r9s's edits.
- Diffs shown to the person mask every credential (:func:`mask_secrets`).
- Every change is backed up first to ``~/.r9s/backup/<tool>/`` with a manifest that also
  records files that did not exist, then written atomically (temp file, fsync, rename).
- One lock (``~/.r9s/lock``) serialises every ``set`` and ``reset``.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from r9s.cli._jsonc import Dialect, Document, JsonSyntaxError, ObjectView
from r9s.cli.tools._base import MISSING, REMOVE, Edits, Format, Update

KEY_FILE_MODE = 0o600
PLAIN_FILE_MODE = 0o644
PRIVATE_DIR_MODE = 0o700
LOCK_TIMEOUT = 60.0
MANIFEST = "manifest.json"


class MalformedFile(Exception):
    """An existing file r9s will not edit, because it cannot parse it safely.

    ``hint`` says what to do; ``force_replaces`` what ``set --force`` would overwrite
    (None when --force cannot help). Only ``set`` has --force, so only it adds the
    suggestion (:meth:`suggesting_force`).
    """

    def __init__(
        self,
        path: Path,
        line: int,
        reason: str,
        *,
        force_replaces: str | None = "the whole file with one holding only r9s's settings",
        hint: str = "fix the file",
    ) -> None:
        self.path = path
        self.line = line
        self.problem = reason
        self.reason = f"{display(path)}:{line}: {reason}"
        self.force_replaces = force_replaces
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.reason}; nothing was written ({self.hint})"

    def suggesting_force(self) -> MalformedFile:
        """The same error, its hint offering ``--force`` where that would help."""
        if self.force_replaces is None:
            return self
        hint = f"fix the file, or pass --force to back it up and replace {self.force_replaces}"
        return MalformedFile(
            self.path, self.line, self.problem, force_replaces=self.force_replaces, hint=hint
        )


class LockTimeout(Exception):
    """Another r9s process kept the lock for too long."""


def display(path: Path) -> str:
    """``path`` with the home folder shown as ``~``."""
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home) :] if text == home or text.startswith(home + os.sep) else text


# ---------------------------------------------------------------- parsing and editing


class Edited(NamedTuple):
    """An edited file's text, and what the person should know about the edit."""

    text: str
    notes: tuple[str, ...] = ()


def parse(fmt: Format, text: str, path: Path) -> Mapping[str, Any]:
    """The file's values as plain data (for reading back); raises :class:`MalformedFile`."""
    if fmt in JSON_DIALECTS:
        values: dict[str, Any] = _json_document(fmt, text, path).value
        return values
    if fmt == "toml":
        values = _parse_toml(text, path).unwrap()
        return values
    return {key: value for key, value, _ in _env_entries(text)}


def edit(fmt: Format, text: str, edits: Edits, path: Path, *, force: bool = False) -> Edited:
    """``text`` with ``edits`` applied, everything else preserved.

    With ``force``, an unparsable file is replaced and a value of the wrong shape in the
    way of an edit is overwritten (the caller backs the file up first); the notes say so.
    """
    if fmt == "env":
        return Edited(_edit_env(text, edits))
    conflict = _conflicts(path, text)
    notes: list[str] = []
    replaced: list[str] = []
    if fmt in JSON_DIALECTS:
        try:
            document = _json_document(fmt, text, path)
        except MalformedFile as exc:
            if not force:
                raise
            notes.append(_replacing(exc))
            document = Document("", JSON_DIALECTS[fmt], _json_indent(text))
        before = document.value
        _apply(ObjectView(document), edits, conflict, force, lambda node, levels: {}, replaced)
        if document.dialect.trailing_commas == "remove" and document.remove_trailing_commas():
            notes.append("trailing commas removed: this tool accepts comments but not them")
        after = document.text if document.text.endswith("\n") else document.text + "\n"
        _check(before, edits, force, _json_document(fmt, after, path).value, path)
        notes += document.notes
    else:
        import tomlkit

        try:
            toml = _parse_toml(text, path)
        except MalformedFile as exc:
            if not force:
                raise
            notes.append(_replacing(exc))
            toml = tomlkit.document()
        before = toml.unwrap()
        _apply(toml, edits, conflict, force, _toml_table, replaced)
        after = tomlkit.dumps(toml)
        _check(before, edits, force, _read_toml(after), path)
    notes += [f"{keys} had an unexpected type and was replaced" for keys in replaced]
    return Edited(after, tuple(notes))


def _replacing(exc: MalformedFile) -> str:
    return (
        f"line {exc.line}: {exc.problem}: the file is replaced by one holding only "
        "r9s's settings (the old one stays in the backup)"
    )


# How each tool's JSON reader reads its settings: Claude Code strict JSON; Gemini CLI
# and Qwen Code strip comments (strip-json-comments) but refuse trailing commas;
# opencode uses jsonc-parser with trailing commas allowed.
JSON_DIALECTS: dict[str, Dialect] = {
    "json": Dialect(),
    "json-comments": Dialect(comments=True, trailing_commas="remove"),
    "jsonc": Dialect(comments=True, trailing_commas="keep"),
}


def _json_document(fmt: Format, text: str, path: Path) -> Document:
    try:
        document = Document(text, JSON_DIALECTS[fmt], _json_indent(text))
    except JsonSyntaxError as exc:
        raise MalformedFile(path, exc.line, f"invalid JSON: {exc.message}") from None
    if not isinstance(document.value, dict):
        raise MalformedFile(path, 1, "the top level is not a JSON object")
    return document


def _parse_toml(text: str, path: Path) -> Any:
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        reason = str(exc).split(" at line ")[0]
        raise MalformedFile(path, exc.line, f"invalid TOML: {reason}") from None


def _toml_table(parent: Any, levels_below: int) -> Any:
    import tomlkit
    from tomlkit.items import InlineTable

    # Inside an inline table (model_providers = { ... }) only an inline table may go,
    # and beside dotted keys (model_providers.x.name = ...) a [header] table would be
    # rendered above the top-level keys that follow it, capturing them.
    dotted = getattr(parent, "is_super_table", lambda: False)() and any(
        key is not None and key.is_dotted() for key, _ in parent.value.body
    )
    if isinstance(parent, InlineTable) or dotted:
        return tomlkit.inline_table()
    # A table holding only tables renders as [a.b], without an empty [a] header.
    return tomlkit.table(is_super_table=levels_below > 1)


def _read_toml(text: str) -> Any:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {"(unreadable)": str(exc)}


def _check(before: Any, edits: Edits, force: bool, actual: Any, path: Path) -> None:
    """Refuse an edit whose output does not read back as exactly ``before`` plus the
    edits: whatever the layout, no other setting may move, change or disappear."""
    import copy

    expected = copy.deepcopy(before)
    _apply(expected, edits, _conflicts(path, ""), force, lambda node, levels: {})
    if actual != expected:
        raise MalformedFile(
            path,
            1,
            "r9s cannot edit this layout without changing other settings",
            force_replaces=None,
            hint="make the change by hand, or move the file aside",
        )


Conflict = Callable[..., "MalformedFile"]


def _apply(
    root: Any,
    edits: Edits,
    conflict: Conflict,
    force: bool,
    new_table: Any,
    replaced: list[str] | None = None,
) -> None:
    """Apply ``edits`` to ``root`` (a dict-like document); ``new_table(parent, levels)``
    makes a missing table, ``conflict(keys, reason)`` the error for a refused edit.
    With ``force``, values in the way are overwritten and listed in ``replaced``."""
    for keys, value in edits.items():
        try:
            _apply_one(root, keys, value, conflict, force, new_table, replaced)
        except MalformedFile:
            raise
        except Exception as exc:  # the document library refused the edit
            raise conflict(keys, f"cannot be set ({exc})") from None


def _apply_one(
    root: Any,
    keys: tuple[str, ...],
    value: Any,
    conflict: Conflict,
    force: bool,
    new_table: Any,
    replaced: list[str] | None,
) -> None:
    node = root
    for depth, key in enumerate(keys[:-1]):
        child = node.get(key, MISSING)
        if child is MISSING or (force and not isinstance(child, Mapping)):
            if value is REMOVE:
                return
            if child is not MISSING and replaced is not None:
                replaced.append(".".join(keys[: depth + 1]))
            node[key] = new_table(node, len(keys) - 1 - depth)
            child = node[key]
        elif not isinstance(child, Mapping):
            raise conflict(keys[: depth + 1])
        node = child
    last = keys[-1]
    if value is REMOVE:
        node.pop(last, None)
        return
    if isinstance(value, Update):
        try:
            value = value.function(node.get(last, MISSING))
        except ValueError:
            if not force:
                raise conflict(keys) from None
            if replaced is not None:
                replaced.append(".".join(keys))
            value = value.function(MISSING)
    node[last] = value


def _conflicts(path: Path, text: str) -> Conflict:
    def conflict(keys: tuple[str, ...], reason: str = "has an unexpected type") -> MalformedFile:
        where = re.search(rf'(^|[\s{{,"])"?{re.escape(keys[-1])}"?\s*[:=]', text, re.MULTILINE)
        line = text.count("\n", 0, where.start()) + 1 if where else 1
        name = ".".join(keys)
        return MalformedFile(
            path, line, f"{name} {reason}", force_replaces=f"{name} (the rest is kept)"
        )

    return conflict


def _json_indent(text: str) -> str:
    """The file's indentation unit (two spaces for a new or one-line file)."""
    match = re.search(r"\n([ \t]+)\S", text)
    return match.group(1) if match else "  "


_ENV_LINE = re.compile(r"^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")


def _env_entries(text: str) -> Iterator[tuple[str, str, int]]:
    for number, line in enumerate(text.splitlines()):
        match = _ENV_LINE.match(line)
        if match:
            yield match.group(2), _env_unquote(match.group(3).strip()), number


_ENV_DOUBLE_QUOTED = re.compile(r'"((?:\\.|[^"\\])*)"\s*(?:#.*)?$')
_ENV_SINGLE_QUOTED = re.compile(r"'([^']*)'\s*(?:#.*)?$")
_ENV_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}


def _env_unquote(value: str) -> str:
    """A ``.env`` value as dotenv readers see it: a quoted value ends at its closing
    quote (a comment may follow); an unquoted one at `` #``."""
    match = _ENV_DOUBLE_QUOTED.match(value)
    if match:
        return re.sub(r"\\(.)", lambda m: _ENV_ESCAPES.get(m[1], m[1]), match[1])
    match = _ENV_SINGLE_QUOTED.match(value)
    if match:
        return match[1]
    return re.split(r"\s#", value, maxsplit=1)[0].strip()


def _env_quote(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:@+=,-]*", value):
        return value
    return json.dumps(value, ensure_ascii=False)  # read back by _env_unquote


def _edit_env(text: str, edits: Edits) -> str:
    lines = text.splitlines()
    positions: dict[str, list[int]] = {}
    for key, _, number in _env_entries(text):
        positions.setdefault(key, []).append(number)
    dropped: set[int] = set()
    appended: list[str] = []
    for (key,), value in edits.items():
        found = positions.get(key, [])
        # dotenv readers disagree on which duplicate wins: keep exactly one.
        dropped.update(found[1:])
        if value is REMOVE:
            dropped.update(found[:1])
        elif found:
            prefix = _ENV_LINE.match(lines[found[0]]).group(1)  # type: ignore[union-attr]
            lines[found[0]] = f"{prefix}{key}={_env_quote(value)}"
        else:
            appended.append(f"{key}={_env_quote(value)}")
    kept = [line for number, line in enumerate(lines) if number not in dropped] + appended
    newline = "\r\n" if "\r\n" in text else "\n"  # the file's own line ending
    return newline.join(kept) + newline if kept else ""


# ---------------------------------------------------------------- files on disk


@dataclass(frozen=True)
class Snapshot:
    """A file's content and mode, or its absence."""

    path: Path
    data: bytes | None
    mode: int | None = None

    @property
    def exists(self) -> bool:
        return self.data is not None

    def text(self) -> str:
        """The content as text; undecodable bytes are a malformed file."""
        if self.data is None:
            return ""
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = self.data.count(b"\n", 0, exc.start) + 1
            raise MalformedFile(self.path, line, "not UTF-8 text") from None


def snapshot(path: Path) -> Snapshot:
    """Read ``path`` (following symlinks), or note that it does not exist."""
    try:
        with open(path, "rb") as handle:
            return Snapshot(path, handle.read(), os.fstat(handle.fileno()).st_mode & 0o7777)
    except FileNotFoundError:
        return Snapshot(path, None)


def output_mode() -> int:
    """The mode of a file the user asked for (an image, a transcript): 0666 less the
    umask, as any program's output; r9s's own files with keys use KEY_FILE_MODE."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes, mode: int) -> list[Path]:
    """Replace ``path`` with ``data`` so that a crash leaves the old or new file whole.

    A symlink is kept: its target is replaced. Returns the folders it had to create.
    """
    target = Path(os.path.realpath(path))
    created = make_dirs(target.parent)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_dir(target.parent)
    return created


def make_dirs(folder: Path, mode: int = PRIVATE_DIR_MODE) -> list[Path]:
    """``mkdir -p`` with ``mode`` for new folders; returns the new ones, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        with contextlib.suppress(FileExistsError):
            new.mkdir(mode=mode)
    return list(reversed(missing))


def remove(path: Path) -> None:
    """Delete ``path`` (its target, for a symlink) if it exists."""
    target = Path(os.path.realpath(path))
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def diff(before: Snapshot, after: str | None, *secrets: str) -> str:
    """A unified diff from ``before`` to ``after`` (None: deleted), safe to print: see
    :func:`mask_secrets`."""
    name = display(before.path)
    old = before.text().splitlines(keepends=True)
    new = (after or "").splitlines(keepends=True)
    lines = difflib.unified_diff(
        old,
        new,
        fromfile=name if before.exists else "/dev/null",
        tofile=name if after is not None else "/dev/null",
    )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return mask_secrets(text, *secrets)


# A setting whose name says it holds a credential: ANTHROPIC_AUTH_TOKEN, apiKey,
# GEMINI_API_KEY, experimental_bearer_token, MY_SERVICE_KEY, password...
_SECRET_NAME = re.compile(
    r"(?i:api[_-]?key|token|secret|passw|credential|bearer|authorization)|_KEY$|^key$"
)
# NAME = "value", "NAME": "value", NAME=value (.env, optionally `export`); several per
# line for inline tables and one-line JSON objects.
_SETTING = re.compile(
    r"""(?P<name>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z_][\w.-]*)"""
    r"""(?P<sep>\s*[:=]\s*)"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|(?<==)[^\s"'#,{}\[\]][^\s#,{}\[\]]*)"""
)


def mask_secrets(text: str, *secrets: str) -> str:
    """``text`` with every credential masked: the values of settings whose name says
    they hold one (on every line: old values, new ones and context alike), and each of
    ``secrets`` wherever it appears."""
    from r9s._config import mask_key

    def masked(match: re.Match[str]) -> str:
        name = match["name"].strip("\"'").rsplit(".", 1)[-1]
        value = match["value"]
        if not _SECRET_NAME.search(name):
            return match[0]
        quote = value[0] if value[0] in "\"'" else ""
        inner = value[1:-1] if quote else value
        return f"{match['name']}{match['sep']}{quote}{mask_key(inner)}{quote}"

    text = _SETTING.sub(masked, text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, mask_key(secret))
    return text


@contextlib.contextmanager
def locked(state_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold ``<state_dir>/lock`` (one ``set``/``reset`` at a time for this user)."""
    make_dirs(state_dir)
    lock_path = state_dir / "lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, KEY_FILE_MODE)
    try:
        _acquire(fd, lock_path, timeout)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, lock_path: Path, timeout: float) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; a single user rarely races there
        return
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if not told:
                print(
                    f"r9s: waiting for another r9s to finish ({display(lock_path)})",
                    file=sys.stderr,
                )
                told = True
            if time.monotonic() > deadline:
                raise LockTimeout(
                    f"another r9s process has held {display(lock_path)} for {timeout:g} s"
                ) from None
            time.sleep(0.05)


# ---------------------------------------------------------------- backups


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
