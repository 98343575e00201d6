"""``r9s images`` and ``r9s audio``: files in, files out, progress on stderr.

A progress bar appears on stderr (when it is a terminal) for uploads and downloads of
at least ``PROGRESS_MIN_BYTES``; stdout only ever carries data (a transcript, the
paths of saved images), so redirecting it is always safe.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r9s.cli._files import output_mode, write_atomic
from r9s.cli._interact import draws_on, no_color

if TYPE_CHECKING:
    from r9s.client import R9S

PROGRESS_MIN_BYTES = 1 << 20
SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
TRANSCRIPT_FORMATS = {".srt": "srt", ".vtt": "vtt", ".json": "json", ".txt": "text"}
IMAGE_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
                    "image/webp": ".webp"}  # fmt: skip


# ------------------------------------------------------------------ progress


class _Bar:
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
        self._bar = _Bar(label, self.size)

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
    bar = _Bar(label, total)
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


def _length(headers: Any) -> int | None:
    value = headers.get("content-length")
    return int(value) if value and value.isdigit() else None


def _client(args: argparse.Namespace) -> R9S:
    from r9s.cli._api import client, connection

    return client(connection(args.api_key, args.base_url), timeout=args.timeout)


# ------------------------------------------------------------------ audio


def run_audio(args: argparse.Namespace) -> int:
    from r9s.cli import _errors

    _errors.remember(model=args.model)
    if args.action == "speech":
        return _speech(args)
    return _transcript(args)


def _speech(args: argparse.Namespace) -> int:
    from r9s.cli._interact import say

    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise ValueError("nothing to say: TEXT is empty")
    target = Path(args.output).expanduser()
    fmt = args.format or (target.suffix.lower().lstrip(".") or "mp3")
    if fmt not in SPEECH_FORMATS:
        fmt = "mp3"
    params: dict[str, Any] = {
        "model": args.model,
        "input": text,
        "voice": args.voice,
        "response_format": fmt,
    }
    if args.speed is not None:
        params["speed"] = args.speed
    with _client(args) as r9s, r9s.audio.speech(**params) as audio:
        written = save_stream(
            audio.iter_bytes(), target, _length(audio.headers), f"downloading {target.name}"
        )
    say(f"Wrote {target} ({written} bytes, {audio.content_type or fmt})")
    return 0


def _transcript(args: argparse.Namespace) -> int:
    import json

    from r9s.cli._interact import say

    target = Path(args.output).expanduser() if args.output else None
    fmt = args.format
    if fmt is None:
        fmt = TRANSCRIPT_FORMATS.get(target.suffix.lower(), "text") if target else "text"
    params: dict[str, Any] = {"model": args.model, "response_format": fmt}
    if args.prompt:
        params["prompt"] = args.prompt
    if getattr(args, "language", None):
        params["language"] = args.language
    source = Path(args.file).expanduser()
    with _client(args) as r9s, uploading([source], "uploading") as (upload,):
        operation: Any = (
            r9s.audio.transcribe if args.action == "transcribe" else r9s.audio.translate
        )
        result = operation(file=upload, **params)
    if isinstance(result, str):
        text = result
    else:
        text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    if not text.endswith("\n"):
        text += "\n"
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(target, text.encode("utf-8"), output_mode())
        say(f"Wrote {target}")
    return 0


# ------------------------------------------------------------------ images


def run_images(args: argparse.Namespace) -> int:
    from r9s.cli import _errors
    from r9s.cli._conversation import sniff_image

    _errors.remember(model=args.model)
    params: dict[str, Any] = {}
    for name, value in (
        ("model", args.model),
        ("n", args.n),
        ("size", args.size),
        ("quality", args.quality),
        ("response_format", args.format),
    ):
        if value is not None:
            params[name] = value
    with _client(args) as r9s:
        if args.action == "generate":
            result = r9s.images.create(prompt=args.prompt, **params)
        else:
            if len(args.images) < 2:
                raise ValueError("images edit needs at least one IMAGE and then the PROMPT")
            *images, prompt = args.images
            paths = [Path(p).expanduser() for p in images]
            if args.mask:
                paths.append(Path(args.mask).expanduser())
            with uploading(paths, "uploading") as files:
                image_files = files[: len(images)]
                extra = {"mask": files[-1]} if args.mask else {}
                images_api: Any = r9s.images
                result = images_api.edit(
                    image=image_files if len(image_files) > 1 else image_files[0],
                    prompt=prompt,
                    **extra,
                    **params,
                )
        blobs = [_image_bytes(item, index) for index, item in enumerate(result.data, 1)]
    if not blobs:
        raise ValueError("the server returned no image")
    targets = _targets(args.output, [sniff_image(blob) for blob in blobs])
    for blob, target in zip(blobs, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, blob, output_mode())
        print(target)
    return 0


def _image_bytes(item: Any, index: int) -> bytes:
    if item.b64_json:
        data: bytes = item.data()
        return data
    if not item.url:
        raise ValueError(f"image {index} has neither data nor a URL")
    import httpx

    with (
        httpx.Client(timeout=60.0, follow_redirects=True) as http,
        http.stream("GET", item.url) as response,
    ):
        response.raise_for_status()
        chunks: list[bytes] = []
        bar = _Bar(f"downloading image {index}", _length(response.headers))
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                bar.set(sum(len(c) for c in chunks))
        finally:
            bar.close()
    return b"".join(chunks)


def _targets(output: str, kinds: list[str | None]) -> list[Path]:
    """Where each image goes: ``-o`` as a folder (existing, or ending in /) or a file."""
    out = Path(output).expanduser()
    as_folder = output.endswith(("/", os.sep)) or out.is_dir()
    if as_folder:
        out.mkdir(parents=True, exist_ok=True)
        targets = []
        number = 1
        for kind in kinds:
            extension = IMAGE_EXTENSIONS.get(kind or "", ".png")
            while (out / f"image-{number}{extension}").exists():
                number += 1
            targets.append(out / f"image-{number}{extension}")
            number += 1
        return targets
    if len(kinds) == 1:
        return [out]
    suffix = out.suffix or IMAGE_EXTENSIONS.get(kinds[0] or "", ".png")
    return [out.with_name(f"{out.stem}-{n}{suffix}") for n in range(1, len(kinds) + 1)]
