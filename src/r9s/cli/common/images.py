"""Images given to the CLI: recognised by their first bytes, sent as ``data:`` URLs."""

from __future__ import annotations

import base64
from pathlib import Path

from r9s.cli.common.i18n import _

IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def sniff_image(data: bytes) -> str | None:
    """The image MIME type of ``data`` from its first bytes, or None."""
    for magic, mime in IMAGE_TYPES.items():
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_from_bytes(data: bytes, name: str = "stdin") -> str:
    """A ``data:`` URL for image bytes; ``ValueError`` when they are not an image."""
    mime = sniff_image(data)
    if mime is None:
        raise ValueError(_("{name} is not a PNG, JPEG, GIF or WebP image").format(name=name))
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_from_arg(value: str) -> str:
    """``--image PATH`` (or an http(s) URL, passed on as it is)."""
    if value.startswith(("http://", "https://", "data:")):
        return value
    path = Path(value).expanduser()
    return image_from_bytes(path.read_bytes(), value)
