"""Files r9s writes without ever losing one: snapshots, atomic writes, the lock, diffs.

- A file is read as a :class:`Snapshot` (content and mode, or its absence); text that
  cannot be decoded is a :class:`MalformedFile` naming the file and line.
- Writes are atomic (temporary file, fsync, rename); a symlink stays a symlink.
- Diffs shown to the person mask every credential (:func:`mask_secrets`).
- One lock (``~/.r9s/lock``) serialises every change to a user's config files.

Editing a file's content is :mod:`r9s.cli.common.formats`; the per-tool backups that
``set`` and ``reset`` keep are :mod:`r9s.cli.tools._backups`.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

KEY_FILE_MODE = 0o600
PLAIN_FILE_MODE = 0o644
PRIVATE_DIR_MODE = 0o700
LOCK_TIMEOUT = 60.0


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
# NAME = "value", "NAME": "value", NAME=value (.env, optionally `export`), NAME: value
# (YAML); several per line for inline tables and one-line JSON objects.
_SETTING = re.compile(
    r"""(?P<name>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z_][\w.-]*)"""
    r"""(?P<sep>\s*[:=]\s*)"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|(?<=[=:\s])[^\s"'#,{}\[\]][^\s#,{}\[\]]*)"""
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
