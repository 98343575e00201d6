"""Files in and out of ``r9s images`` and ``r9s audio``, with progress on stderr.

A progress bar appears on stderr (when it is a terminal) for uploads and downloads of
at least ``PROGRESS_MIN_BYTES``; stdout only ever carries data (a transcript, the
paths of saved images), so redirecting it is always safe.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from r9s.cli.common.files import output_mode
from r9s.cli.common.interact import draws_on, no_color

PROGRESS_MIN_BYTES = 1 << 20


# ------------------------------------------------------------------ progress


class Bar:
    """A rich progress bar on stderr, or nothing when stderr is not a terminal or the
    transfer is small."""

    def __init__(self, label: str, total: int | None) -> None:
        self.progress: Any = None
        self.task: Any = None
        if not draws_on(sys.stderr):
            return
        if total is not None and total < PROGRESS_MIN_BYTES:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(file=sys.stderr, no_color=no_color())
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task(label, total=total)

    def set(self, done: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=done)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


class ProgressFile(io.RawIOBase):
    """An open file whose reads move a progress bar (what the SDK uploads from)."""

    def __init__(self, path: Path, label: str) -> None:
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.name = str(path)
        self.size = os.fstat(self._file.fileno()).st_size
        self._bar = Bar(label, self.size)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self._bar.set(self._file.tell())
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self._file.seek(offset, whence)
        self._bar.set(position)
        return position

    def tell(self) -> int:
        return self._file.tell()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._bar.close()
        self._file.close()
        super().close()


@contextlib.contextmanager
def uploading(paths: list[Path], label: str) -> Iterator[list[ProgressFile]]:
    files: list[ProgressFile] = []
    try:
        for path in paths:
            if not path.is_file():
                raise FileNotFoundError(2, "No such file", str(path))
            files.append(ProgressFile(path, f"{label} {path.name}"))
        yield files
    finally:
        for file in files:
            file.close()


def save_stream(chunks: Iterator[bytes], target: Path, total: int | None, label: str) -> int:
    """Write ``chunks`` to ``target`` through a temporary file in the same folder, so a
    failed download leaves no half file; returns the byte count."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    bar = Bar(label, total)
    written = 0
    try:
        os.fchmod(fd, output_mode())
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                written += len(chunk)
                bar.set(written)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    finally:
        bar.close()
    return written


def content_length(headers: Any) -> int | None:
    value = headers.get("content-length")
    return int(value) if value and value.isdigit() else None
