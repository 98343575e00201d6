"""Image generation and edits: real (tiny) PNGs, as URLs served by this server or base64,
streamed as ``image_generation.*`` / ``image_edit.*`` events on request."""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import zlib
from collections.abc import Iterator
from typing import Any

from r9s.testing import _echo
from r9s.testing._errors import ApiError, invalid, missing
from r9s.testing._http import Response
from r9s.testing._multipart import Form, UploadedFile, read_form
from r9s.testing._routing import Call, Reply, Route, json_response
from r9s.testing._sse import DONE, Event, SSEReply, json_event

PNG_SIDE = 8  # pixels: small enough to inline, real enough for any PNG decoder
IMAGE_ROUTE = "/__r9s/images/"


def png(seed: str, shade: float = 1.0) -> bytes:
    """A ``PNG_SIDE`` square PNG whose colour is derived from ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    red, green, blue = (int(channel * shade) for channel in digest[:3])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", PNG_SIDE, PNG_SIDE, 8, 2, 0, 0, 0)  # 8-bit RGB
    row = b"\x00" + bytes((red, green, blue)) * PNG_SIDE  # filter byte, then pixels
    pixels = zlib.compress(row * PNG_SIDE)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class _Request:
    """The options shared by generations and edits, validated once."""

    def __init__(self, call: Call, options: dict[str, Any], inputs: str) -> None:
        self.prompt = options.get("prompt")
        if not isinstance(self.prompt, str) or not self.prompt:
            raise missing("prompt")
        model = options.get("model") or "dall-e-2"
        self.model = call.model(str(model))
        self.gpt_image = self.model.startswith("gpt-image")
        self.n = _int(options, "n", 1, 1, 10)
        self.partial_images = _int(options, "partial_images", 0, 0, 3)
        self.size = str(options.get("size") or ("auto" if self.gpt_image else "1024x1024"))
        if self.size != "auto" and not re.fullmatch(r"\d{2,5}x\d{2,5}", self.size):
            raise invalid("size", f"Invalid size '{self.size}'.")
        default_format = "b64_json" if self.gpt_image else "url"
        self.response_format = str(options.get("response_format") or default_format)
        if self.response_format not in ("url", "b64_json"):
            raise invalid("response_format", "'response_format' must be 'url' or 'b64_json'.")
        self.output_format = str(options.get("output_format") or "png")
        self.quality = str(options.get("quality") or "auto")
        self.background = str(options.get("background") or "auto")
        self.stream = str(options.get("stream", "false")).lower() in ("true", "1")
        self.seeds = [
            _echo.short_hash(self.model, self.prompt, inputs, str(i), length=16)
            for i in range(self.n)
        ]
        self.root_url = call.root_url

    def image(self, index: int) -> dict[str, Any]:
        seed = self.seeds[index]
        if self.response_format == "url":
            entry = {"url": f"{self.root_url}{IMAGE_ROUTE}{seed}.png"}
        else:
            entry = {"b64_json": _b64(png(seed))}
        return entry

    def usage(self) -> dict[str, Any]:
        text_tokens = _echo.count_tokens(str(self.prompt))
        output = 16 * self.n
        return {
            "input_tokens": text_tokens,
            "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": 0},
            "output_tokens": output,
            "total_tokens": text_tokens + output,
        }


def _int(options: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    raw = options.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise invalid(name, f"Invalid '{name}': expected an integer.") from None
    if not low <= value <= high:
        raise invalid(name, f"Invalid '{name}': {value} is not between {low} and {high}.")
    return value


def _answer(call: Call, request: _Request, kind: str, revised_prompt: str | None) -> Reply:
    """The JSON answer or the event stream of a generation (``kind`` "generation") or edit."""
    if request.stream:
        return SSEReply(_events(call, request, kind), _stream_error)
    data = []
    for index in range(request.n):
        entry = request.image(index)
        if revised_prompt is not None:
            entry["revised_prompt"] = revised_prompt
        data.append(entry)
    payload: dict[str, Any] = {"created": call.now(), "data": data}
    if request.gpt_image:
        payload |= {
            "background": request.background,
            "output_format": request.output_format,
            "quality": request.quality,
            "size": request.size,
            "usage": request.usage(),
        }
    return json_response(payload)


def _events(call: Call, request: _Request, kind: str) -> Iterator[Event]:
    prefix = "image_generation" if kind == "generation" else "image_edit"
    common = {
        "background": request.background,
        "output_format": request.output_format,
        "quality": request.quality,
        "size": request.size,
    }
    for seed in request.seeds:
        for partial in range(request.partial_images):
            shade = (partial + 1) / (request.partial_images + 1)
            name = f"{prefix}.partial_image"
            yield json_event(
                {
                    "type": name,
                    "b64_json": _b64(png(seed, shade)),
                    "created_at": call.now(),
                    "partial_image_index": partial,
                    **common,
                },
                name,
            )
        name = f"{prefix}.completed"
        yield json_event(
            {
                "type": name,
                "b64_json": _b64(png(seed)),
                "created_at": call.now(),
                "usage": request.usage(),
                **common,
            },
            name,
        )
    yield DONE


def _stream_error(sent: int) -> Event:
    detail = {
        "type": "server_error",
        "code": "stream_error",
        "param": None,
        "message": f"The server had an error while streaming (after {sent} events).",
    }
    return json_event({"type": "error", "error": detail}, "error")


async def generations(call: Call) -> Reply:
    body = await call.json()
    request = _Request(call, body, "")
    return _answer(
        call, request, "generation", request.prompt if request.model == "dall-e-3" else None
    )


def _describe(uploads: list[UploadedFile]) -> str:
    return ", ".join(f"{u.filename or u.field} ({u.size} bytes)" for u in uploads)


async def edits(call: Call) -> Reply:
    content_type = call.request.header("content-type") or ""
    form: Form = await read_form(call.request.body, content_type, {"image", "mask"})
    images = form.files_named("image")
    if not images:
        raise missing("image")
    masks = form.files_named("mask")
    options: dict[str, Any] = {
        name.removesuffix("[]"): values[-1] for name, values in form.fields.items()
    }
    inputs = ",".join(u.sha256 for u in images + masks)
    request = _Request(call, options, inputs)
    # The echo of an edit names what was uploaded, so a test can see every part arrived.
    revised = f"{_echo.echo(str(request.prompt))} [images: {_describe(images)}"
    revised += f"; mask: {_describe(masks)}]" if masks else "]"
    return _answer(call, request, "edit", revised)


async def serve_image(call: Call) -> Reply:
    name = call.params["name"]
    if not re.fullmatch(r"[0-9a-f]{16}\.png", name):
        raise ApiError(404, f"No image {name!r} here.")
    return Response(200, [("content-type", "image/png")], png(name.removesuffix(".png")))


ROUTES = [
    Route("POST", "/v1/images/generations", generations),
    Route("POST", "/v1/images/edits", edits),
    Route("GET", IMAGE_ROUTE + "{name}", serve_image, auth=False),
]
