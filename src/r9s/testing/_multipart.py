"""Streaming ``multipart/form-data`` parsing: file parts are hashed, never held in memory."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from email.message import Message
from email.utils import collapse_rfc2231_value

from r9s.testing._errors import ApiError
from r9s.testing._http import BodyReader

MAX_PART_HEADERS = 16 * 1024
MAX_TEXT_FIELD = 1024 * 1024


class MultipartError(ValueError):
    """The body is not well-formed multipart."""


@dataclass(frozen=True)
class PartStart:
    headers: dict[str, str]


@dataclass(frozen=True)
class PartData:
    data: bytes


@dataclass(frozen=True)
class PartEnd:
    pass


PartEvent = PartStart | PartData | PartEnd


class MultipartParser:
    """Incremental parser: ``feed`` bytes in any chunking, get part events back."""

    def __init__(self, boundary: str) -> None:
        self._delimiter = b"--" + boundary.encode("latin-1")
        self._separator = b"\r\n" + self._delimiter
        self._buffer = bytearray()
        self._state = "preamble"

    @property
    def done(self) -> bool:
        return self._state == "done"

    def feed(self, data: bytes) -> list[PartEvent]:
        if self._state == "done":
            return []  # the epilogue is ignored
        self._buffer += data
        events: list[PartEvent] = []
        while self._step(events):
            pass
        return events

    def _step(self, events: list[PartEvent]) -> bool:
        """Advance the state machine once; False when more input is needed."""
        buffer = self._buffer
        if self._state == "preamble":
            index = buffer.find(self._delimiter)
            if index < 0:
                del buffer[: max(0, len(buffer) - len(self._delimiter))]
                return False
            del buffer[: index + len(self._delimiter)]
            self._state = "delimiter"
            return True
        if self._state == "delimiter":
            stripped = buffer.lstrip(b" \t")  # transport padding (RFC 2046)
            if len(stripped) < 2:
                return False
            if stripped.startswith(b"--"):
                self._state = "done"
                buffer.clear()
                return False
            if not stripped.startswith(b"\r\n"):
                raise MultipartError("boundary not followed by CRLF")
            del buffer[: len(buffer) - len(stripped) + 2]
            self._state = "headers"
            return True
        if self._state == "headers":
            if buffer.startswith(b"\r\n"):
                end, skip = 0, 2
            else:
                end, skip = buffer.find(b"\r\n\r\n"), 4
            if end < 0:
                if len(buffer) > MAX_PART_HEADERS:
                    raise MultipartError("part headers too large")
                return False
            events.append(PartStart(_parse_headers(bytes(buffer[:end]))))
            del buffer[: end + skip]
            self._state = "body"
            return True
        if self._state == "body":
            index = buffer.find(self._separator)
            if index < 0:
                keep = len(self._separator) - 1
                if len(buffer) > keep:
                    events.append(PartData(bytes(buffer[: len(buffer) - keep])))
                    del buffer[: len(buffer) - keep]
                return False
            if index:
                events.append(PartData(bytes(buffer[:index])))
            events.append(PartEnd())
            del buffer[: index + len(self._separator)]
            self._state = "delimiter"
            return True
        return False


def _parse_headers(raw: bytes) -> dict[str, str]:
    headers = {}
    for line in raw.split(b"\r\n"):
        if not line:
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            raise MultipartError("malformed part header")
        headers[name.strip().decode("latin-1").lower()] = value.strip().decode("utf-8", "replace")
    return headers


def header_param(value: str, param: str, header: str = "content-disposition") -> str | None:
    """A parameter of a structured header (quoted strings and RFC 2231 handled)."""
    message = Message()
    message[header] = value
    found = message.get_param(param, header=header)
    if found is None:
        return None
    if isinstance(found, tuple):
        return collapse_rfc2231_value(found)
    return str(found)


@dataclass
class UploadedFile:
    """What arrived in one file part: enough to prove the bytes came through intact."""

    field: str
    filename: str
    content_type: str
    size: int = 0
    sha256: str = ""


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        """Every value sent as ``name`` or ``name[]`` (both array encodings are in use)."""
        return self.fields.get(name, []) + self.fields.get(f"{name}[]", [])

    def value(self, name: str, default: str | None = None) -> str | None:
        found = self.values(name)
        return found[-1] if found else default

    def files_named(self, *names: str) -> list[UploadedFile]:
        wanted = {n for name in names for n in (name, f"{name}[]")}
        return [upload for upload in self.files if upload.field in wanted]


async def read_form(body: BodyReader, content_type: str, file_fields: set[str]) -> Form:
    """Parse a multipart body; parts with a filename or named in ``file_fields`` are files."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(400, "Expected a multipart/form-data body.")
    boundary = header_param(content_type, "boundary", "content-type")
    if not boundary:
        raise ApiError(400, "The multipart/form-data body has no boundary.")
    parser = MultipartParser(boundary)
    form = Form()
    current: UploadedFile | None = None
    digest = hashlib.sha256()
    text = bytearray()
    name = ""
    try:
        async for chunk in body.iter_chunks():
            for event in parser.feed(chunk):
                if isinstance(event, PartStart):
                    disposition = event.headers.get("content-disposition", "")
                    name = header_param(disposition, "name") or ""
                    filename = header_param(disposition, "filename")
                    current = None
                    if (
                        filename is not None
                        or name in file_fields
                        or name.rstrip("[]") in file_fields
                    ):
                        kind = event.headers.get("content-type", "application/octet-stream")
                        current = UploadedFile(name, filename or "", kind)
                        digest = hashlib.sha256()
                    text.clear()
                elif isinstance(event, PartData):
                    if current is not None:
                        current.size += len(event.data)
                        digest.update(event.data)
                    else:
                        text += event.data
                        if len(text) > MAX_TEXT_FIELD:
                            raise MultipartError(f"form field {name!r} is too large")
                elif current is not None:
                    current.sha256 = digest.hexdigest()
                    form.files.append(current)
                else:
                    form.fields.setdefault(name, []).append(text.decode("utf-8", "replace"))
    except MultipartError as exc:
        raise ApiError(400, f"Malformed multipart body: {exc}") from None
    if not parser.done:
        raise ApiError(400, "Malformed multipart body: it ends before the closing boundary.")
    return form
