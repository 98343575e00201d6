"""The Images and Audio panels: generate and edit images, speak text, transcribe or
translate a recording, through the SDK's async client.

Files come from the page as ``data:`` URLs and go back the same way (an image the
router hands over as a URL is fetched here, without the API key, so the page loads
nothing from elsewhere); speech comes back as the audio itself.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from r9s.web.runs import BadAsk, attachment_of, read_at_most

if TYPE_CHECKING:
    from r9s.client import R9S

MAX_IMAGE_BYTES = 25 * 1024 * 1024  # an image fetched from a URL the router gave
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage",
          "shimmer", "verse")  # fmt: skip
SPEECH_FORMATS = ("mp3", "wav", "opus", "aac", "flac")


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadAsk(f"{name} is missing")
        return None
    if not isinstance(value, str):
        raise BadAsk(f"{name} is text")
    return value.strip()


def _count(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadAsk(f"{name} is a whole number") from None
    if not low <= number <= high:
        raise BadAsk(f"{name} is from {low} to {high}")
    return number


def _image_options(body: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"prompt": _text(body, "prompt")}
    for name in ("model", "size", "quality"):
        value = _text(body, name, required=False)
        if value is not None and value != "auto":
            params[name] = value
    count = _count(body, "n", 1, 10)
    if count is not None:
        params["n"] = count
    return params


def _file(item: Any, label: str) -> tuple[str, bytes, str | None]:
    from r9s.cli.common.images import sniff_image

    name, data = attachment_of(item)
    if not data:
        raise BadAsk(f"{label} {name} is empty")
    return name, data, sniff_image(data)


async def generate(client: R9S, body: dict[str, Any]) -> dict[str, Any]:
    result = await client.images.create_async(**_image_options(body))
    return await _images(result)


async def edit(client: R9S, body: dict[str, Any]) -> dict[str, Any]:
    params = _image_options(body)
    given = body.get("images")
    if not isinstance(given, list) or not given:
        raise BadAsk("give at least one image to edit")
    images = [_file(item, "image") for item in given]
    for name, _data, kind in images:
        if kind is None:
            raise BadAsk(f"{name} is not a PNG, JPEG, GIF or WebP image")
    params["image"] = images if len(images) > 1 else images[0]
    if body.get("mask"):
        name, data, kind = _file(body["mask"], "mask")
        if kind != "image/png":
            raise BadAsk(f"the mask {name} must be a PNG (its transparent areas are edited)")
        params["mask"] = (name, data, kind)
    images_api: Any = client.images
    result = await images_api.edit_async(**params)
    return await _images(result)


async def _images(result: Any) -> dict[str, Any]:
    from r9s.cli.common.images import sniff_image

    found = []
    for index, item in enumerate(result.data or [], 1):
        if item.b64_json:
            data = item.data()
        elif item.url:
            data = await _download(item.url, index)
        else:
            raise BadAsk(f"image {index} came with neither data nor a URL")
        kind = sniff_image(data) or "image/png"
        source = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
        found.append({"src": source, "revised_prompt": item.revised_prompt, "type": kind})
    if not found:
        raise BadAsk("the server returned no image")
    return {"images": found}


async def _download(url: str, index: int) -> bytes:
    import httpx

    if not url.startswith(("http://", "https://")):
        raise BadAsk(f"image {index}: an address that is not http(s)")
    async with (
        httpx.AsyncClient(timeout=60.0, follow_redirects=True) as http,
        http.stream("GET", url) as response,
    ):
        if response.status_code >= 400:
            raise BadAsk(f"image {index}: its address answered {response.status_code}")
        return await read_at_most(response.aiter_bytes(), MAX_IMAGE_BYTES, f"image {index}")


async def speech(client: R9S, body: dict[str, Any]) -> tuple[bytes, str]:
    """The spoken text: the audio and its media type."""
    fmt = _text(body, "format", required=False) or "mp3"
    if fmt not in SPEECH_FORMATS:
        raise BadAsk(f"format is one of {', '.join(SPEECH_FORMATS)}")
    params: dict[str, Any] = {
        "model": _text(body, "model"),
        "input": _text(body, "input"),
        "voice": _text(body, "voice", required=False) or "alloy",
        "response_format": fmt,
    }
    speed = body.get("speed")
    if speed not in (None, ""):
        try:
            params["speed"] = float(speed)
        except (TypeError, ValueError):
            raise BadAsk("speed is a number") from None
        if not 0.25 <= params["speed"] <= 4.0:
            raise BadAsk("speed is from 0.25 to 4")
    audio = await client.audio.speech_async(**params)
    try:
        data = await audio.read()
    finally:
        await audio.aclose()
    media = (audio.content_type or "").split(";")[0].strip() or f"audio/{fmt}"
    return data, media


async def transcribe(client: R9S, body: dict[str, Any]) -> dict[str, Any]:
    """A recording as text (``translate``: in English)."""
    name, data = attachment_of(body.get("file"))
    params: dict[str, Any] = {"model": _text(body, "model"), "file": (name, data, None)}
    prompt = _text(body, "prompt", required=False)
    if prompt:
        params["prompt"] = prompt
    audio_api: Any = client.audio
    if body.get("translate"):
        result = await audio_api.translate_async(**params)
    else:
        language = _text(body, "language", required=False)
        if language:
            params["language"] = language
        result = await audio_api.transcribe_async(**params)
    text = result if isinstance(result, str) else getattr(result, "text", "")
    return {"text": text}
