"""File uploads for multipart requests (images and audio).

A file may be given as a path (``str`` or ``pathlib.Path``), ``bytes``, an open binary
file, a ``(name, content[, content_type])`` tuple, the r9s 0.x dict
``{"file_name": ..., "content": ..., "content_type": ...}``, or a ``data:`` URL.

Nothing is read into memory: files are handed to httpx open, which sends them in 64 KiB
chunks and seeks back to the start when a retry sends the request again. Files opened
here are closed here when the request is over; files the caller opened stay open. A
stream that cannot seek (a pipe) is first copied to a temporary file, so that a retry
sends it whole rather than the empty rest of it.
"""

# No ``from __future__ import annotations``: with it, Python 3.11 does not see
# ``Required[...]`` in TypedDicts (``__required_keys__`` comes out empty).

import base64
import io
import os
import shutil
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Required, TypeAlias, TypedDict
from urllib.parse import unquote_to_bytes

from r9s._options import OPTION_NAMES

SPOOL_IN_MEMORY = 8 * 1024 * 1024
"""A non-seekable stream up to this size is kept in memory; a longer one goes to disk."""


class UploadFile(TypedDict, total=False):
    """A file as r9s 0.x took it: a name, the content, optionally a content type."""

    file_name: Required[str]
    content: Required[bytes | IO[bytes]]
    content_type: str


FileContent: TypeAlias = bytes | bytearray | memoryview | IO[bytes] | os.PathLike[str] | str
"""Bytes, an open binary file, or a path."""

FileInput: TypeAlias = (
    FileContent
    | UploadFile
    | tuple[str | None, bytes | IO[bytes] | os.PathLike[str]]
    | tuple[str | None, bytes | IO[bytes] | os.PathLike[str], str | None]
)
"""Anything a file parameter accepts."""

HttpxFile = tuple[str | None, bytes | IO[bytes], str | None]

# (magic bytes at offset, offset, extension, content type): enough to name bytes that
# came without a name, since servers pick the decoder from the file name's extension.
_MAGIC: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "png", "image/png"),
    (b"\xff\xd8\xff", 0, "jpg", "image/jpeg"),
    (b"GIF8", 0, "gif", "image/gif"),
    (b"WEBP", 8, "webp", "image/webp"),
    (b"WAVE", 8, "wav", "audio/wav"),
    (b"ID3", 0, "mp3", "audio/mpeg"),
    (b"\xff\xfb", 0, "mp3", "audio/mpeg"),
    (b"\xff\xf3", 0, "mp3", "audio/mpeg"),
    (b"fLaC", 0, "flac", "audio/flac"),
    (b"OggS", 0, "ogg", "audio/ogg"),
    (b"ftyp", 4, "m4a", "audio/mp4"),
    (b"\x1aE\xdf\xa3", 0, "webm", "audio/webm"),
)


def _sniff(head: bytes) -> tuple[str, str] | None:
    for magic, offset, extension, content_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return extension, content_type
    return None


def _is_file_tuple(value: Any) -> bool:
    return (
        type(value) is tuple
        and len(value) in (2, 3)
        and (value[0] is None or isinstance(value[0], str))
        and not isinstance(value[1], str)
        and (len(value) == 2 or value[2] is None or isinstance(value[2], str))
    )


def is_single_file(value: Any) -> bool:
    """Whether ``value`` is one file (as opposed to a list of them)."""
    return not isinstance(value, list | tuple) or _is_file_tuple(value)


class Uploads:
    """The files of one request: normalised for httpx; what was opened here is closed by
    ``close()``."""

    def __init__(self) -> None:
        self._owned: list[IO[bytes]] = []

    def file(self, value: Any, field: str) -> HttpxFile:
        """One file parameter as an httpx ``(name, content, content_type)`` tuple."""
        name: str | None = None
        content_type: str | None = None
        if isinstance(value, Mapping):
            if "content" not in value:
                raise TypeError(f"{field}: a file dict needs 'content' (and 'file_name')")
            name = value.get("file_name")
            content_type = value.get("content_type")
            value = value["content"]
        elif hasattr(value, "file_name") and hasattr(value, "content"):  # r9s 0.x model
            name = value.file_name
            content_type = getattr(value, "content_type", None)
            value = value.content
        elif _is_file_tuple(value):
            name = value[0]
            content_type = value[2] if len(value) == 3 else None
            value = value[1]
        return self._content(value, field, name, content_type)

    def _content(
        self, value: Any, field: str, name: str | None, content_type: str | None
    ) -> HttpxFile:
        if isinstance(value, str) and value.startswith("data:"):
            data, declared = _data_url(value, field)
            return self._bytes(data, name, content_type or declared)
        if isinstance(value, str | os.PathLike):
            path = Path(value)
            handle = open(path, "rb")  # noqa: SIM115 - closed by close()
            self._owned.append(handle)
            return name or path.name, handle, content_type
        if isinstance(value, bytes | bytearray | memoryview):
            return self._bytes(bytes(value), name, content_type)
        if isinstance(value, io.TextIOBase):
            raise TypeError(f"{field}: open the file in binary mode ('rb'), not text mode")
        if not callable(getattr(value, "read", None)):
            raise TypeError(
                f"{field}: expected a path, bytes, an open binary file, a (name, content) "
                f"tuple or a {{'file_name', 'content'}} dict, not {type(value).__name__}"
            )
        if name is None:
            own = getattr(value, "name", None)
            if isinstance(own, str) and own and not own.startswith("<"):
                name = os.path.basename(own)
        seekable = getattr(value, "seekable", None)
        if not (callable(seekable) and seekable()):
            value = self._spool(value)
            if isinstance(value, bytes):
                return self._bytes(value, name, content_type)
        if name is None:
            value.seek(0)
            head = value.read(16)
            value.seek(0)
            name = _default_name(head)
        return name, value, content_type

    def _bytes(self, data: bytes, name: str | None, content_type: str | None) -> HttpxFile:
        return name or _default_name(data[:16]), data, content_type

    def _spool(self, stream: IO[bytes]) -> bytes | IO[bytes]:
        """A copy of a non-seekable stream: bytes when small, else a temporary file.

        A raw pipe or socket returns what one system call gives (often 64 KiB) however
        much is asked for, so it is read until its end, not once."""
        limit = SPOOL_IN_MEMORY
        pieces: list[bytes] = []
        size = 0
        while size <= limit:
            piece = stream.read(limit + 1 - size)
            if isinstance(piece, str):
                raise TypeError("open the file in binary mode ('rb'), not text mode")
            if piece is None:
                raise ValueError("a non-blocking stream cannot be uploaded: it has no data yet")
            if not piece:
                return b"".join(pieces)
            pieces.append(piece)
            size += len(piece)
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._owned.append(spool)
        spool.writelines(pieces)
        shutil.copyfileobj(stream, spool, 1024 * 1024)
        spool.seek(0)
        return spool

    def close(self) -> None:
        """Close the files opened here."""
        owned, self._owned = self._owned, []
        for handle in owned:
            handle.close()


def _default_name(head: bytes) -> str:
    sniffed = _sniff(head)
    return f"upload.{sniffed[0]}" if sniffed else "upload"


def _data_url(value: str, field: str) -> tuple[bytes, str | None]:
    header, comma, payload = value.partition(",")
    if not comma:
        raise ValueError(f"{field}: malformed data URL")
    media = header[len("data:") :]
    if media.endswith(";base64"):
        try:
            return base64.b64decode(payload, validate=False), media[: -len(";base64")] or None
        except ValueError as exc:
            raise ValueError(f"{field}: the data URL's base64 is malformed") from exc
    return unquote_to_bytes(payload), media or None


def form_fields(params: Mapping[str, Any], files: Collection[str]) -> dict[str, Any]:
    """Parameters as multipart form fields, the way OpenAI-compatible servers read them:
    booleans as ``true``/``false``, lists as repeated ``name[]`` fields, objects as
    ``name[key]``; ``None`` is left out. Per-call options and file parameters pass
    through untouched."""
    fields: dict[str, Any] = {}
    for key, value in params.items():
        if key in OPTION_NAMES or key in files:
            fields[key] = value
        else:
            _flatten(fields, key, value)
    return fields


def _flatten(fields: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        fields[key] = "true" if value else "false"
    elif isinstance(value, Mapping):
        for sub, item in value.items():
            _flatten(fields, f"{key}[{sub}]", item)
    elif isinstance(value, list | tuple):
        fields[f"{key}[]"] = ["true" if v is True else "false" if v is False else v for v in value]
    else:
        fields[key] = value


def open_multipart(
    params: Mapping[str, Any], file_params: Sequence[str]
) -> tuple[dict[str, Any], list[tuple[str, HttpxFile]], Uploads]:
    """``(form fields, files, uploads)`` for a multipart request; ``uploads.close()``
    closes the files opened for it once the request is sent. A file parameter holding a
    list of several files is sent as ``name[]`` parts (OpenAI's form; one file is sent as
    ``name``)."""
    uploads = Uploads()
    try:
        files: list[tuple[str, HttpxFile]] = []
        for key in file_params:
            value = params.get(key)
            if value is None:
                continue
            if is_single_file(value):
                files.append((key, uploads.file(value, key)))
            elif len(value) == 1:  # one image goes as ``image``: every server takes that
                files.append((key, uploads.file(value[0], key)))
            else:
                files.extend((f"{key}[]", uploads.file(item, key)) for item in value)
        form = {k: v for k, v in form_fields(params, file_params).items() if k not in file_params}
    except BaseException:
        uploads.close()
        raise
    return form, files, uploads


@contextmanager
def multipart(
    params: Mapping[str, Any], file_params: Sequence[str]
) -> Iterator[tuple[dict[str, Any], list[tuple[str, HttpxFile]]]]:
    """``open_multipart`` as a context manager: the files opened are closed when the
    block ends."""
    form, files, uploads = open_multipart(params, file_params)
    try:
        yield form, files
    finally:
        uploads.close()
