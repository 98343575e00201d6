"""Audio: text to speech (binary, streamed chunked) and speech to text (multipart upload).

Speech is a real WAV for ``wav`` and bytes with the right magic numbers for the other
formats; its size grows with the input, or is set exactly by ``x-r9s-audio-bytes``.
A transcription names the uploaded file with its size and SHA-256, so a test can check
that the upload arrived intact.
"""

from __future__ import annotations

import math
import struct
from collections.abc import AsyncIterator, Iterator
from typing import Any

from r9s.testing import _echo
from r9s.testing._errors import invalid, missing
from r9s.testing._http import Response
from r9s.testing._multipart import Form, read_form
from r9s.testing._routing import (
    Call,
    Reply,
    Route,
    json_response,
    optional,
    required,
    text_response,
)

AUDIO_BYTES_HEADER = "x-r9s-audio-bytes"
CHUNK = 64 * 1024
MAX_AUDIO_BYTES = 4 * 1024**3
SAMPLE_RATE = 24_000

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
BYTES_PER_SECOND = {
    "mp3": 16_000,
    "opus": 8_000,
    "aac": 16_000,
    "flac": 30_000,
    "wav": 2 * SAMPLE_RATE,
    "pcm": 2 * SAMPLE_RATE,
}


def _tone_period() -> bytes:
    """One period of a 400 Hz sine as 16-bit little-endian samples at 24 kHz."""
    samples = SAMPLE_RATE // 400
    return b"".join(
        struct.pack("<h", round(8000 * math.sin(2 * math.pi * i / samples))) for i in range(samples)
    )


def _wav_header(data_size: int) -> bytes:
    byte_rate = 2 * SAMPLE_RATE
    return (
        b"RIFF"
        + struct.pack("<I", min(36 + data_size, 0xFFFFFFFF))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, byte_rate, 2, 16)
        + b"data"
        + struct.pack("<I", min(data_size, 0xFFFFFFFF))
    )


def _adts_frame(length: int = 256) -> bytes:
    """An AAC-LC ADTS frame of silence (24 kHz, mono)."""
    profile, rate_index, channels = 1, 6, 1
    bits = (0xFFF << 44) | (1 << 40) | (profile << 38) | (rate_index << 34) | (channels << 30)
    bits |= (length << 13) | (0x7FF << 2)
    return bits.to_bytes(7, "big") + bytes(length - 7)


# (header for a given total size, then a pattern repeated to fill the rest)
def _layout(audio_format: str, total: int) -> tuple[bytes, bytes]:
    if audio_format == "wav":
        return _wav_header(max(0, total - 44)), _tone_period()
    if audio_format == "pcm":
        return b"", _tone_period()
    if audio_format == "mp3":
        # MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417-byte frames of silence
        return b"ID3\x04\x00\x00\x00\x00\x00\x00", b"\xff\xfb\x90\x64" + bytes(413)
    if audio_format == "aac":
        return b"", _adts_frame()
    if audio_format == "flac":
        streaminfo = struct.pack(">HH", 4096, 4096) + bytes(6) + b"\x05\xdc\x40\xf0" + bytes(22)
        return b"fLaC\x80\x00\x00\x22" + streaminfo, b"\xff\xf8" + bytes(254)
    # opus in Ogg: the identification header page, then pages of silence
    head = (
        b"OggS\x00\x02"
        + bytes(20)
        + b"\x01\x13OpusHead\x01\x01\x38\x01\xc0\x5d\x00\x00\x00\x00\x00"
    )
    return head, b"OggS\x00\x00" + bytes(250)


def audio_chunks(audio_format: str, total: int) -> Iterator[bytes]:
    """Exactly ``total`` bytes of ``audio_format``, ``CHUNK`` at a time, generated lazily."""
    header, pattern = _layout(audio_format, total)
    block = (pattern * (CHUNK // len(pattern) + 1))[:CHUNK]
    data = header[:total]
    remaining = total - len(data)
    while remaining > 0 or data:
        take = min(remaining, CHUNK - len(data))
        yield data + block[:take]
        remaining -= take
        data = b""


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _audio_size(call: Call, audio_format: str, text: str, speed: float) -> int:
    requested = call.request.header(AUDIO_BYTES_HEADER)
    if requested is not None:
        if not requested.isdigit() or int(requested) > MAX_AUDIO_BYTES:
            raise invalid(AUDIO_BYTES_HEADER, f"Invalid {AUDIO_BYTES_HEADER}: {requested!r}.")
        return int(requested)
    seconds = (0.5 + 0.25 * _echo.count_tokens(text)) / speed
    header = len(_layout(audio_format, 0)[0])
    return header + int(seconds * BYTES_PER_SECOND[audio_format])


async def speech(call: Call) -> Reply:
    body = await call.json()
    call.model(required(body, "model", str))
    text = required(body, "input", str)
    required(body, "voice", str, dict)  # MiniMax voices are not OpenAI's six: accept any
    audio_format = optional(body, "response_format", str, default="mp3")
    if audio_format not in CONTENT_TYPES:
        raise invalid(
            "response_format", f"'response_format' must be one of {', '.join(CONTENT_TYPES)}."
        )
    speed = float(optional(body, "speed", float, default=1.0))
    if not 0.25 <= speed <= 4.0:
        raise invalid("speed", "'speed' must be between 0.25 and 4.0.")
    size = _audio_size(call, audio_format, text, speed)
    chunks = _async_chunks(audio_chunks(audio_format, size))
    return Response(200, [("content-type", CONTENT_TYPES[audio_format])], chunks)


# -- speech to text -------------------------------------------------------------------

TRANSCRIPT_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _transcript(call: Call, form: Form, task: str) -> Reply:
    uploads = form.files_named("file")
    if not uploads:
        raise missing("file")
    model = form.value("model")
    if not model:
        raise missing("model")
    call.model(model)
    response_format = form.value("response_format", "json") or "json"
    if response_format not in TRANSCRIPT_FORMATS:
        raise invalid(
            "response_format", f"'response_format' must be one of {', '.join(TRANSCRIPT_FORMATS)}."
        )
    upload = uploads[0]
    verb = "Transcribed" if task == "transcribe" else "Translated"
    text = f"{verb} {upload.filename or 'file'}: {upload.size} bytes, sha256 {upload.sha256}."
    duration = round(max(0.1, upload.size / BYTES_PER_SECOND["mp3"]), 2)
    language = form.value("language", "en") if task == "transcribe" else "en"
    if response_format == "text":
        return text_response(text + "\n")
    if response_format in ("srt", "vtt"):
        separator = "," if response_format == "srt" else "."
        cue = f"{_timestamp(0, separator)} --> {_timestamp(duration, separator)}\n{text}\n"
        if response_format == "srt":
            return text_response(f"1\n{cue}\n", "application/x-subrip; charset=utf-8")
        return text_response(f"WEBVTT\n\n{cue}\n", "text/vtt; charset=utf-8")
    payload: dict[str, Any] = {"text": text, "language": language, "duration": duration}
    if response_format == "verbose_json":
        payload = {"task": task, **payload, "segments": [_segment(text, duration)]}
        if "word" in form.values("timestamp_granularities"):
            payload["words"] = _words(text, duration)
    return json_response(payload)


def _segment(text: str, duration: float) -> dict[str, Any]:
    return {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": duration,
        "text": text,
        "tokens": list(range(1, _echo.count_tokens(text) + 1)),
        "temperature": 0.0,
        "avg_logprob": -0.1,
        "compression_ratio": 1.0,
        "no_speech_prob": 0.0,
    }


def _words(text: str, duration: float) -> list[dict[str, Any]]:
    words = text.split()
    step = duration / max(1, len(words))
    return [
        {"word": w, "start": round(i * step, 3), "end": round((i + 1) * step, 3)}
        for i, w in enumerate(words)
    ]


async def _read_audio_form(call: Call) -> Form:
    return await read_form(call.request.body, call.request.header("content-type") or "", {"file"})


async def transcriptions(call: Call) -> Reply:
    return _transcript(call, await _read_audio_form(call), "transcribe")


async def translations(call: Call) -> Reply:
    return _transcript(call, await _read_audio_form(call), "translate")


ROUTES = [
    Route("POST", "/v1/audio/speech", speech),
    Route("POST", "/v1/audio/transcriptions", transcriptions),
    Route("POST", "/v1/audio/translations", translations),
]
