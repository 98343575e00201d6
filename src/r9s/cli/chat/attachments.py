"""``-a FILE|URL``: images, PDFs, audio and text files sent with a question.

The kind is sniffed from the bytes (a file's name can lie), the size checked against
what the APIs take, and each kind becomes the content part each API has for it:

===========  =====================  ======================  =========================
kind         chat completions       responses               messages (Anthropic)
===========  =====================  ======================  =========================
image        ``image_url``          ``input_image``         ``image``
PDF          ``file`` (file_data)   ``input_file``          ``document`` (base64)
audio        ``input_audio``        (none: a clear error)   (none: a clear error)
text         a ``text`` part        an ``input_text`` part  ``document`` (text)
===========  =====================  ======================  =========================

Images keep the form they always had in a saved chat (``data:`` or http(s) URLs in
``Message.images``); the other kinds are :class:`Attachment` objects in
``Message.files``. An image given as a URL is passed on as a URL; any other URL is
downloaded (within the size limit), so that every API can take it.
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from r9s.cli.common.errors import UsageError
from r9s.cli.common.i18n import N_, _
from r9s.cli.common.images import sniff_image

MB = 1024 * 1024
# The most each kind may weigh; an API with a tighter limit is checked when the request
# is built (Anthropic: 5 MB an image).
LIMITS = {"image": 20 * MB, "pdf": 32 * MB, "audio": 25 * MB, "text": 2 * MB}
API_LIMITS = {("messages", "image"): 5 * MB}
KIND_NAMES = {
    "image": N_("an image"),
    "pdf": N_("a PDF"),
    "audio": N_("audio"),
    "text": N_("a text file"),
}
AUDIO_FORMATS = {"audio/wav": "wav", "audio/mpeg": "mp3"}
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
HEAD = 8192  # bytes read to tell the kind


class AttachmentError(UsageError):
    """An attachment that cannot be sent (one line naming it and why; exit 2)."""


@dataclass
class Attachment:
    """A PDF, audio or text file: its kind, MIME type, name and content (base64 for
    binary kinds, the text itself for text files)."""

    kind: str  # "pdf" | "audio" | "text"
    mime: str
    name: str
    data: str  # base64, or the text of a text file
    size: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attachment:
        return cls(
            kind=str(data["kind"]),
            mime=str(data.get("mime", "")),
            name=str(data.get("name", "")),
            data=str(data.get("data", "")),
            size=int(data.get("size", 0) or 0),
        )

    @property
    def data_url(self) -> str:
        return f"data:{self.mime};base64,{self.data}"


def sniff(data: bytes, name: str = "") -> tuple[str, str] | None:
    """``(kind, MIME type)`` of ``data`` (the first bytes of a file are enough), or None
    if it is none of the kinds an API takes."""
    image = sniff_image(data)
    if image is not None:
        return "image", image
    if data.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    audio = _sniff_audio(data)
    if audio is not None:
        return "audio", audio
    if b"\x00" not in data[:HEAD]:
        import codecs

        try:  # the head may end in the middle of a character
            codecs.getincrementaldecoder("utf-8")().decode(data[:HEAD], final=False)
        except UnicodeDecodeError:
            return None
        guessed = mimetypes.guess_type(name)[0] if name else None
        return "text", guessed if guessed and guessed.startswith("text/") else "text/plain"
    return None


def _sniff_audio(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if data.startswith(b"fLaC"):
        return "audio/flac"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data[4:8] == b"ftyp" and data[8:11] in (b"M4A", b"mp4", b"iso", b"MP4"):
        return "audio/mp4"
    return None


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{count / 1024:.0f} KB"


def check_size(kind: str, size: int, label: str, api: str | None = None) -> None:
    limit = API_LIMITS.get((api or "", kind), LIMITS[kind])
    if size <= limit:
        return
    if api is not None and (api, kind) in API_LIMITS:
        raise AttachmentError(
            _("-a {label}: {size} is more than the {api} API takes for {kind} ({limit})").format(
                label=label, size=_size(size), api=api, kind=_(KIND_NAMES[kind]), limit=_size(limit)
            )
        )
    raise AttachmentError(
        _("-a {label}: {size} is more than {kind} may weigh ({limit})").format(
            label=label, size=_size(size), kind=_(KIND_NAMES[kind]), limit=_size(limit)
        )
    )


def load(value: str) -> str | Attachment:
    """``-a VALUE``: an image as a ``data:`` or http(s) URL, else an :class:`Attachment`.
    A usage error names the file and what is wrong with it."""
    if value.startswith(("http://", "https://")):
        if value.split("?", 1)[0].lower().endswith(IMAGE_EXTENSIONS):
            return value
        data, name = _download(value), value.rsplit("/", 1)[-1].split("?", 1)[0]
    else:
        path = Path(value).expanduser()
        try:
            if not path.is_file():
                if not path.exists():
                    raise FileNotFoundError(2, "No such file or directory")
                raise AttachmentError(_("-a {value}: not a file").format(value=value))
            with path.open("rb") as handle:
                # the kind from the first bytes, and its limit, before reading it all
                found = sniff(handle.read(HEAD), path.name)
                if found is not None:
                    check_size(found[0], path.stat().st_size, value)
                handle.seek(0)
                data = handle.read()
        except OSError as exc:
            from r9s.cli.common.errors import describe

            problem = exc.strerror or describe(exc)  # the name is said already
            raise AttachmentError(
                _("-a {value}: {problem}").format(value=value, problem=problem)
            ) from None
        name = path.name
    return from_bytes(data, name, value)


def from_bytes(data: bytes, name: str, label: str) -> str | Attachment:
    found = sniff(data, name)
    if found is None:
        raise AttachmentError(
            _("-a {label}: not an image, PDF, audio or text file").format(label=label)
        )
    kind, mime = found
    check_size(kind, len(data), label)
    if kind == "image":
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    if kind == "audio" and mime not in AUDIO_FORMATS:
        raise AttachmentError(
            _("-a {label}: {mime} audio cannot be sent; the APIs take WAV and MP3").format(
                label=label, mime=mime
            )
        )
    if kind == "text":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AttachmentError(
                _("-a {label}: not an image, PDF, audio or text file").format(label=label)
            ) from None
        return Attachment(kind, mime, name, text, len(data))
    return Attachment(kind, mime, name, base64.b64encode(data).decode("ascii"), len(data))


def _download(url: str) -> bytes:
    import httpx

    limit = max(LIMITS.values())
    try:
        with (
            httpx.Client(timeout=60.0, follow_redirects=True) as http,
            http.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise AttachmentError(
                    _("-a {url}: the server answered {status}").format(
                        url=url, status=response.status_code
                    )
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise AttachmentError(
                        _("-a {url}: more than any attachment may weigh ({limit})").format(
                            url=url, limit=_size(limit)
                        )
                    )
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise AttachmentError(
            _("-a {url}: cannot download it: {problem}").format(url=url, problem=exc)
        ) from None
    return b"".join(chunks)


def _unsupported(api: str, attachment: Attachment) -> AttachmentError:
    return AttachmentError(
        _("-a {name}: the {api} API takes no {kind}; use --api chat").format(
            name=attachment.name, api=api, kind=_(KIND_NAMES[attachment.kind])
        )
    )


def _text_block(attachment: Attachment) -> str:
    return f'<file name="{attachment.name}">\n{attachment.data}\n</file>'


def chat_part(attachment: Attachment) -> dict[str, Any]:
    if attachment.kind == "pdf":
        return {
            "type": "file",
            "file": {"filename": attachment.name, "file_data": attachment.data_url},
        }
    if attachment.kind == "audio":
        audio = {"data": attachment.data, "format": AUDIO_FORMATS[attachment.mime]}
        return {"type": "input_audio", "input_audio": audio}
    return {"type": "text", "text": _text_block(attachment)}


def responses_part(attachment: Attachment) -> dict[str, Any]:
    if attachment.kind == "pdf":
        return {"type": "input_file", "filename": attachment.name, "file_data": attachment.data_url}
    if attachment.kind == "audio":
        raise _unsupported("responses", attachment)
    return {"type": "input_text", "text": _text_block(attachment)}


def messages_part(attachment: Attachment) -> dict[str, Any]:
    if attachment.kind == "pdf":
        source = {"type": "base64", "media_type": "application/pdf", "data": attachment.data}
        return {"type": "document", "source": source, "title": attachment.name}
    if attachment.kind == "audio":
        raise _unsupported("messages", attachment)
    source = {"type": "text", "media_type": "text/plain", "data": attachment.data}
    return {"type": "document", "source": source, "title": attachment.name}


def check_image(url: str, api: str, index: int) -> None:
    """An image (a data URL) within what ``api`` takes."""
    if not url.startswith("data:"):
        return
    size = len(url.partition(",")[2]) * 3 // 4
    check_size("image", size, _("image {number}").format(number=index), api)
