"""Files written whole or not at all (standard library only).

What the CLI's config-file edits (:mod:`r9s.cli.common.files`) and ``r9s.batch``'s
output and state files share: the new content goes to an unnamed file (``O_TMPFILE``, so
a crash or a full disk leaves nothing behind) or, where the system has none, to a
temporary name that the next write to the folder sweeps away; it is fsynced, given its
name only when complete, and the folder is fsynced after the rename.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterable
from pathlib import Path

_TEMPORARY = re.compile(r"\.(?P<name>.+)\.r9s-(?P<pid>\d+)-[0-9a-f]+\.tmp")


def fsync_dir(folder: Path) -> None:
    """Make a rename, a new file or a removal in ``folder`` durable (best effort: some
    file systems cannot fsync a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_atomic(
    path: Path,
    data: bytes | Iterable[bytes],
    mode: int | None = None,
    owner: tuple[int, int] | None = None,
) -> None:
    """Replace ``path`` with ``data`` (bytes, or chunks of them written as they come) so
    that a crash leaves the old file or the new one, whole. ``mode`` defaults to the
    current file's, else to a new file's (0666 less the umask); ``owner`` (uid, gid) is
    for a caller running as root."""
    if mode is None:
        mode = _mode_of(path)
    staged = stage(path.parent, path.name, data, mode, owner)
    try:
        os.replace(staged, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
        raise
    fsync_dir(path.parent)


def _mode_of(path: Path) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def stage(
    folder: Path,
    name: str,
    data: bytes | Iterable[bytes],
    mode: int,
    owner: tuple[int, int] | None = None,
    *,
    unnamed: bool = True,
) -> Path:
    """A complete, fsynced file holding ``data`` in ``folder`` under a temporary name,
    ready to be renamed or linked into place.

    It is written unnamed (``O_TMPFILE``) and named only once complete, so a crash or a
    full disk while writing leaves nothing. Where the system cannot do that, or ``data``
    comes in chunks (which cannot be written twice, should naming the unnamed file
    fail), it is written under the temporary name, and the next write to the folder
    sweeps away those that a crashed run left (their process is gone).
    """
    sweep(folder)
    temporary = folder / f".{name}.r9s-{os.getpid()}-{os.urandom(4).hex()}.tmp"
    whole = isinstance(data, bytes | bytearray | memoryview)
    fd = unnamed_file(folder) if unnamed and whole else None
    if fd is not None:
        try:
            fill(fd, data, mode, owner)
            if link_unnamed(fd, temporary):
                return temporary
        finally:
            os.close(fd)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0))
    try:
        fill(fd, data, mode, owner)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    os.close(fd)
    return temporary


def fill(
    fd: int, data: bytes | Iterable[bytes], mode: int, owner: tuple[int, int] | None = None
) -> None:
    """Write ``data`` to the new file ``fd`` with ``mode`` (and ``owner``), and fsync it."""
    os.fchmod(fd, mode)
    if owner is not None:
        os.fchown(fd, *owner)
        os.fchmod(fd, mode)  # chown clears set-id bits; keep the mode exact
    chunks = (data,) if isinstance(data, bytes | bytearray | memoryview) else data
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view) :]
    os.fsync(fd)


def unnamed_file(folder: Path) -> int | None:
    """An unnamed file in ``folder`` open for writing, or ``None`` where the system (or
    the file system) has none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return None  # the file system (or the kernel) has no unnamed files
        raise


def link_unnamed(fd: int, name: Path) -> bool:
    """Give the unnamed file ``fd`` a name; False where the system refuses both ways of
    doing it. A name that exists already is a :class:`FileExistsError`."""
    try:
        os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
        return True
    except FileExistsError:
        raise
    except OSError:
        pass
    try:  # linkat(fd, "", ..., AT_EMPTY_PATH): allowed to root, and to all on newer kernels
        import ctypes

        linkat = ctypes.CDLL(None, use_errno=True).linkat
    except (OSError, AttributeError):
        return False
    at_fdcwd, at_empty_path = -100, 0x1000
    if linkat(fd, b"", at_fdcwd, os.fsencode(name), at_empty_path) == 0:
        return True
    if ctypes.get_errno() == errno.EEXIST:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(name))
    return False


def sweep(folder: Path) -> None:
    """Remove the temporary files of r9s runs that died before renaming them."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _TEMPORARY.fullmatch(name)
        if match and not _alive(int(match["pid"])):
            with contextlib.suppress(OSError):
                os.unlink(folder / name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True
