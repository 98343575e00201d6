"""Files r9s writes without ever losing one: snapshots, atomic writes, the lock, diffs.

- A file is read as a :class:`Snapshot` (content, mode, owner, links, or its absence).
  Only regular files are read: a FIFO, a device or a folder in a file's place, a file
  over :data:`MAX_FILE_BYTES`, or text that cannot be decoded is a :class:`MalformedFile`
  naming the file, raised at once (nothing blocks, nothing large is loaded).
- Writes are atomic: the new content goes to an unnamed file (``O_TMPFILE``, so a crash
  or a full disk leaves nothing behind) or, where the system has none, to a temporary
  name that the next write sweeps away, and is renamed over the file only when complete
  (:mod:`r9s._fileio`, shared with ``r9s.batch``).
  A symlink stays a symlink (its target is replaced); a hard link stays a hard link (it
  is written in place, see :func:`write_atomic`); the file keeps its owner.
- Diffs shown to the person mask every credential (:mod:`r9s.cli.common.masking`).
- One lock (``~/.r9s/lock``) serialises every change to a user's config files.

Editing a file's content is :mod:`r9s.cli.common.formats`; the per-tool backups that
``set`` and ``reset`` keep are :mod:`r9s.cli.tools._backups`.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from r9s._fileio import fill, fsync_dir, link_unnamed, replace_atomic, stage, unnamed_file
from r9s.cli.common.i18n import _
from r9s.cli.common.masking import mask_secrets

KEY_FILE_MODE = 0o600
PLAIN_FILE_MODE = 0o644
PRIVATE_DIR_MODE = 0o700
LOCK_TIMEOUT = 60.0
MAX_FILE_BYTES = 1024 * 1024
"""The largest file r9s reads to edit: settings files are kilobytes, and a larger one is
refused at once rather than parsed for a long time (one of 1 MB takes seconds)."""

__all__ = [
    "KEY_FILE_MODE",
    "MAX_FILE_BYTES",
    "PLAIN_FILE_MODE",
    "PRIVATE_DIR_MODE",
    "LockTimeout",
    "MalformedFile",
    "Snapshot",
    "WriteFailed",
    "create_new",
    "diff",
    "display",
    "locked",
    "make_dirs",
    "mask_secrets",
    "output_mode",
    "remove",
    "snapshot",
    "write_atomic",
]


class MalformedFile(Exception):
    """An existing file r9s will not edit, because it cannot parse it safely.

    ``line`` is 1-based (0: the whole file, as for a FIFO in a file's place). ``hint``
    says what to do; ``force_replaces`` what ``set --force`` would overwrite (None when
    --force cannot help). Only ``set`` has --force, so only it adds the suggestion
    (:meth:`suggesting_force`).
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
        where = f"{display(path)}:{line}" if line else display(path)
        self.reason = f"{where}: {reason}"
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


class WriteFailed(OSError):
    """A file could not be written; the message names the user's file (never a temporary
    one) and says what state the files were left in."""

    def __init__(self, path: Path, cause: OSError, outcome: str = "it was not changed") -> None:
        self.path = path
        self.cause = cause
        reason = cause.strerror or str(cause)
        self.message = f"cannot write {display(path)}: {reason}; {outcome}"
        super().__init__(cause.errno, self.message)

    def __str__(self) -> str:
        return self.message


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
    """A file's content, mode, owner and number of names, or its absence."""

    path: Path
    data: bytes | None
    mode: int | None = None
    owner: tuple[int, int] | None = None  # (uid, gid)
    links: int = 1

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


_ODD_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refuse_odd(path: Path, info: os.stat_result) -> None:
    """Refuse anything but a regular file of a sane size, before reading a byte of it."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _ODD_KINDS if test(info.st_mode)), "not a file")
        raise MalformedFile(
            path,
            0,
            f"is {kind}, not a regular file",
            force_replaces=None,
            hint="r9s edits regular files only; move it aside",
        )
    if info.st_size > MAX_FILE_BYTES:
        size = f"{info.st_size / 1024 / 1024:.1f} MB"
        limit = f"{MAX_FILE_BYTES // 1024 // 1024} MB"
        raise MalformedFile(
            path,
            0,
            f"is too large to be a settings file ({size}; r9s edits files up to {limit})",
            force_replaces=None,
            hint="check the file, or move it aside",
        )


def snapshot(path: Path) -> Snapshot:
    """Read ``path`` (following symlinks), or note that it does not exist. Anything but a
    regular file is refused without being opened for long: see :func:`_refuse_odd`."""
    try:
        _refuse_odd(path, os.stat(path))
        # O_NONBLOCK: should a FIFO take the file's place between stat and open, the
        # open does not wait for a writer (and fstat refuses it).
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
    except FileNotFoundError:
        return Snapshot(path, None)
    try:
        info = os.fstat(fd)
        _refuse_odd(path, info)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            if sum(len(c) for c in chunks) > MAX_FILE_BYTES:  # it grew while read
                _refuse_odd(path, os.fstat(fd))
    finally:
        os.close(fd)
    return Snapshot(
        path, b"".join(chunks), info.st_mode & 0o7777, (info.st_uid, info.st_gid), info.st_nlink
    )


def output_mode() -> int:
    """The mode of a file the user asked for (an image, a transcript): 0666 less the
    umask, as any program's output; r9s's own files with keys use KEY_FILE_MODE."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes, mode: int) -> list[Path]:
    """Replace ``path`` with ``data`` so that a crash leaves the old or new file whole.

    A symlink is kept (its target is replaced), and so is the file's owner (when r9s
    runs as root, as under sudo; a new file takes the owner of its folder). A file with
    several names (a hard link) is written in place instead, which keeps the link but
    is not atomic: the caller has backed it up first. Returns the folders it created.
    Raises :class:`WriteFailed` naming ``path``.
    """
    target = Path(os.path.realpath(path))
    try:
        created = make_dirs(target.parent)
        try:
            current: os.stat_result | None = os.stat(target)
        except FileNotFoundError:
            current = None
        if current is not None and stat.S_ISREG(current.st_mode) and current.st_nlink > 1:
            _write_in_place(target, data, mode)
            return created
        replace_atomic(target, data, mode, _owner_for(target, current))
    except WriteFailed:
        raise
    except OSError as exc:
        raise WriteFailed(path, exc) from None
    return created


def create_new(folder: Path, names: Sequence[str], data: bytes, mode: int) -> str:
    """Write ``data`` to the first of ``names`` that does not exist in ``folder`` and
    return it. The file appears complete or not at all (a backup is never truncated).
    Under root it belongs to the folder's owner."""
    owner = _owner_for(folder / "(new)", None)
    fd = unnamed_file(folder)
    if fd is not None:
        try:
            fill(fd, data, mode, owner)
            for name in names:
                try:
                    if not link_unnamed(fd, folder / name):
                        break  # the system cannot name it: the named way, below
                except FileExistsError:
                    continue
                fsync_dir(folder)
                return name
            else:
                raise FileExistsError(_("no free file name in {folder}").format(folder=folder))
        finally:
            os.close(fd)
    staged = stage(folder, "new", data, mode, owner, unnamed=False)
    try:
        for name in names:
            try:
                os.link(staged, folder / name)
            except FileExistsError:
                continue
            fsync_dir(folder)
            return name
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
    raise FileExistsError(_("no free file name in {folder}").format(folder=folder))


def _write_in_place(target: Path, data: bytes, mode: int) -> None:
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def _owner_for(target: Path, current: os.stat_result | None) -> tuple[int, int] | None:
    """Who the new file must belong to, when that is not whoever r9s runs as: the
    current file's owner, else (for a new file) its folder's. Only root can give a file
    away, so only then is there anything to do."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    source = current if current is not None else os.stat(target.parent)
    owner = (source.st_uid, source.st_gid)
    return None if owner == (0, 0) else owner


def make_dirs(folder: Path, mode: int = PRIVATE_DIR_MODE) -> list[Path]:
    """``mkdir -p`` with ``mode`` for new folders; returns the new ones, outermost first.
    Under root the new folders belong to the owner of the folder they are made in."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    owner = _owner_for(folder / "(new)", None) if missing else None
    for new in reversed(missing):
        with contextlib.suppress(FileExistsError):
            new.mkdir(mode=mode)
            if owner is not None:
                os.chown(new, *owner)
    return list(reversed(missing))


def remove(path: Path) -> None:
    """Delete ``path`` (its target, for a symlink) if it exists."""
    target = Path(os.path.realpath(path))
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    fsync_dir(target.parent)


def diff(
    before: Snapshot | str | None,
    after: str | None,
    *secrets: str,
    name: str = "",
    new_name: str = "",
) -> str:
    """A unified diff from ``before`` (a snapshot, or text; None: absent) to ``after``
    (None: deleted), labelled ``name`` (the snapshot's path by default; ``new_name`` for
    the new side, ``name`` by default), safe to print: every credential is masked in
    both texts before they are compared (:func:`~r9s.cli.common.masking.mask_secrets`),
    so a value spread over several lines is masked too."""
    if isinstance(before, Snapshot):
        name = name or display(before.path)
        old_text: str | None = before.text() if before.exists else None
    else:
        old_text = before
    new_name = new_name or name
    old = mask_secrets(old_text or "", *secrets).splitlines(keepends=True)
    new = mask_secrets(after or "", *secrets).splitlines(keepends=True)
    lines = difflib.unified_diff(
        old,
        new,
        fromfile=name if old_text is not None else "/dev/null",
        tofile=new_name if after is not None else "/dev/null",
    )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    if not text and (old_text is None) == (after is None) and (old_text or "") != (after or ""):
        text = f"--- {name}\n+++ {new_name}\n@@ only masked values differ @@\n"
    return text


@contextlib.contextmanager
def locked(state_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold ``<state_dir>/lock`` (one ``set``/``reset`` at a time for this user)."""
    make_dirs(state_dir)
    lock_path = state_dir / "lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, KEY_FILE_MODE)
    owner = _owner_for(lock_path, None)  # under sudo: the person's, like the folder
    if owner is not None and os.fstat(fd).st_uid != owner[0]:
        with contextlib.suppress(OSError):
            os.fchown(fd, *owner)
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
                    _("r9s: waiting for another r9s to finish ({path})").format(
                        path=display(lock_path)
                    ),
                    file=sys.stderr,
                )
                told = True
            if time.monotonic() > deadline:
                raise LockTimeout(
                    _("another r9s process has held {path} for {seconds:g} s").format(
                        path=display(lock_path), seconds=timeout
                    )
                ) from None
            time.sleep(0.05)
