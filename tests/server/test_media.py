"""Images and audio, raw: real PNGs, multipart uploads, binary and streamed audio."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import wave
from pathlib import Path
from typing import Any

import httpx
import pytest

from r9s.testing import LocalServer
from tests.server.conftest import http, parse_sse

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# -- images ---------------------------------------------------------------------------


def test_generation_as_url_serves_a_real_png(client: httpx.Client, server: LocalServer) -> None:
    body = {"model": "dall-e-3", "prompt": "A cute cat", "n": 2}
    answer = client.post("/images/generations", json=body).json()
    assert isinstance(answer["created"], int)
    urls = [d["url"] for d in answer["data"]]
    assert all(url.startswith(server.root_url + "/__r9s/images/") for url in urls)
    assert answer["data"][0]["revised_prompt"] == "A cute cat"
    first, second = (http.get(url) for url in urls)
    assert first.headers["content-type"] == "image/png"
    assert png_size(first.content) == (8, 8) and first.content != second.content
    assert len(server.requests) == 1  # image downloads are not API calls


def test_generation_as_base64_is_deterministic(client: httpx.Client) -> None:
    body = {"model": "gpt-image-1", "prompt": "logo", "size": "1024x1024"}
    one, two = (client.post("/images/generations", json=body).json() for _ in range(2))
    assert one["data"] == two["data"]
    assert png_size(base64.b64decode(one["data"][0]["b64_json"])) == (8, 8)
    assert one["usage"]["total_tokens"] > 0 and one["size"] == "1024x1024"


def test_generation_stream(client: httpx.Client) -> None:
    body = {"model": "gpt-image-1", "prompt": "sky", "stream": True, "partial_images": 2}
    response = client.post("/images/generations", json=body)
    events = parse_sse(response.text)
    assert [e.event for e in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
        None,
    ]
    assert events[-1].data == "[DONE]"
    partials = [e.json() for e in events[:2]]
    assert [p["partial_image_index"] for p in partials] == [0, 1]
    completed = events[2].json()
    assert completed["type"] == "image_generation.completed" and completed["usage"]
    assert png_size(base64.b64decode(completed["b64_json"])) == (8, 8)


def test_generation_validation(client: httpx.Client) -> None:
    missing = client.post("/images/generations", json={"model": "dall-e-2"})
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "prompt"
    bad = client.post("/images/generations", json={"prompt": "x", "n": 11})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "n"
    bad = client.post("/images/generations", json={"prompt": "x", "response_format": "gif"})
    assert bad.json()["error"]["param"] == "response_format"


def test_edit_with_several_images_and_a_mask(client: httpx.Client, server: LocalServer) -> None:
    first, second, mask = b"\x89PNG-one\x00\xff", b"\x89PNG-two" * 100, b"mask-bytes"
    files = [
        ("image[]", ("one.png", first, "image/png")),
        ("image[]", ("two.png", second, "image/png")),
        ("mask", ("mask.png", mask, "image/png")),
    ]
    data = {"prompt": "Add a bow tie", "model": "gpt-image-1", "n": "1"}
    answer = client.post("/images/edits", files=files, data=data).json()
    assert answer["data"][0]["revised_prompt"] == (
        "Echo: Add a bow tie [images: one.png (10 bytes), two.png (800 bytes);"
        " mask: mask.png (10 bytes)]"
    )
    assert png_size(base64.b64decode(answer["data"][0]["b64_json"])) == (8, 8)
    recorded = server.requests[-1]
    assert recorded.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert second in recorded.body and recorded.json is None


def test_edit_with_repeated_image_fields_and_stream(client: httpx.Client) -> None:
    files = [("image", ("a.png", b"A", "image/png")), ("image", ("b.png", b"BB", "image/png"))]
    data = {"prompt": "watercolor", "model": "gpt-image-1", "stream": "true"}
    events = parse_sse(client.post("/images/edits", files=files, data=data).text)
    assert [e.event for e in events][:-1] == ["image_edit.completed"]
    plain = client.post("/images/edits", files=files, data={**data, "stream": "false"}).json()
    assert "a.png (1 bytes), b.png (2 bytes)" in plain["data"][0]["revised_prompt"]


def test_edit_needs_an_image_and_a_prompt(client: httpx.Client) -> None:
    no_image = client.post("/images/edits", data={"prompt": "x"}, files={"other": b"1"})
    assert no_image.status_code == 400 and no_image.json()["error"]["param"] == "image"
    no_prompt = client.post("/images/edits", files={"image": ("a.png", b"1")})
    assert no_prompt.status_code == 400 and no_prompt.json()["error"]["param"] == "prompt"


# -- speech ---------------------------------------------------------------------------


def speech(client: httpx.Client, **extra: Any) -> httpx.Response:
    body = {"model": "tts-1", "voice": "alloy", "input": "Hello there, general", **extra}
    return client.post("/audio/speech", json=body)


def test_speech_wav_is_a_real_wav(client: httpx.Client) -> None:
    response = speech(client, response_format="wav")
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["transfer-encoding"] == "chunked"
    with wave.open(io.BytesIO(response.content)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (1, 2, 24000)
        assert audio.getnframes() == (len(response.content) - 44) // 2
        assert audio.getnframes() / 24000 == pytest.approx(1.25)  # 0.5 s + 0.25 s a word


@pytest.mark.parametrize(
    ("audio_format", "content_type", "magic"),
    [
        ("mp3", "audio/mpeg", b"ID3"),
        ("opus", "audio/opus", b"OggS"),
        ("aac", "audio/aac", b"\xff\xf1"),
        ("flac", "audio/flac", b"fLaC"),
        ("pcm", "audio/pcm", b""),
    ],
)
def test_speech_formats(
    client: httpx.Client, audio_format: str, content_type: str, magic: bytes
) -> None:
    response = speech(client, response_format=audio_format)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.content.startswith(magic) and len(response.content) > 1000


def test_speech_size_grows_with_input_and_speed(client: httpx.Client) -> None:
    short = len(speech(client, input="hi").content)
    long = len(speech(client, input="hi " * 40).content)
    fast = len(speech(client, input="hi " * 40, speed=2.0).content)
    assert short < fast < long


def test_large_speech_streams_to_a_file(client: httpx.Client, tmp_path: Path) -> None:
    size = 20 * 1024 * 1024 + 3
    target = tmp_path / "speech.mp3"
    body = {"model": "speech-2.6-hd", "voice": "male-qn-qingse", "input": "x"}
    headers = {"x-r9s-audio-bytes": str(size)}
    with client.stream("POST", "/audio/speech", json=body, headers=headers) as response:
        with target.open("wb") as out:
            chunks = 0
            for chunk in response.iter_raw():
                out.write(chunk)
                chunks += 1
    assert target.stat().st_size == size and chunks > 10
    with target.open("rb") as data:
        assert data.read(3) == b"ID3"


def test_speech_validation(client: httpx.Client) -> None:
    assert speech(client, response_format="ogg").json()["error"]["param"] == "response_format"
    assert speech(client, speed=9).json()["error"]["param"] == "speed"
    missing = client.post("/audio/speech", json={"model": "tts-1", "input": "x"})
    assert missing.json()["error"]["param"] == "voice"


# -- speech to text -------------------------------------------------------------------

AUDIO = bytes(range(256)) * 40  # binary, with every byte value and CR/LF pairs


def transcribe(client: httpx.Client, path: str = "/audio/transcriptions", **data: Any) -> Any:
    files = {"file": ("meeting.wav", AUDIO, "audio/wav")}
    return client.post(path, files=files, data={"model": "whisper-1", **data})


def test_transcription_names_the_file_and_its_digest(client: httpx.Client) -> None:
    answer = transcribe(client).json()
    digest = hashlib.sha256(AUDIO).hexdigest()
    assert answer["text"] == f"Transcribed meeting.wav: {len(AUDIO)} bytes, sha256 {digest}."
    assert answer["language"] == "en" and answer["duration"] > 0


def test_transcription_formats(client: httpx.Client) -> None:
    text = transcribe(client, response_format="text")
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith("Transcribed meeting.wav") and text.text.endswith(".\n")
    srt = transcribe(client, response_format="srt")
    assert srt.headers["content-type"].startswith("application/x-subrip")
    assert srt.text.startswith("1\n00:00:00,000 --> 00:00:00,640\nTranscribed")
    vtt = transcribe(client, response_format="vtt")
    assert vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:00.640\n")
    files = {"file": ("meeting.wav", AUDIO, "audio/wav")}
    data = {
        "model": "whisper-1",
        "response_format": "verbose_json",
        "timestamp_granularities[]": ["word", "segment"],
    }
    verbose = client.post("/audio/transcriptions", files=files, data=data).json()
    assert verbose["task"] == "transcribe" and verbose["segments"][0]["end"] == 0.64
    assert [w["word"] for w in verbose["words"]][:2] == ["Transcribed", "meeting.wav:"]


def test_translation(client: httpx.Client) -> None:
    answer = transcribe(client, "/audio/translations", response_format="verbose_json").json()
    assert answer["task"] == "translate" and answer["text"].startswith("Translated meeting.wav")


def test_transcription_validation(client: httpx.Client) -> None:
    no_file = client.post("/audio/transcriptions", files={"x": ("a", b"1")}, data={"model": "w"})
    assert no_file.json()["error"]["param"] == "file"
    no_model = client.post("/audio/transcriptions", files={"file": ("a.wav", b"1")})
    assert no_model.json()["error"]["param"] == "model"
    assert transcribe(client, response_format="xml").json()["error"]["param"] == "response_format"


def test_malformed_multipart_bodies(client: httpx.Client) -> None:
    headers = {"content-type": "multipart/form-data; boundary=XYZ"}
    cut = b'--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc'
    response = client.post("/audio/transcriptions", content=cut, headers=headers)
    assert response.status_code == 400 and "closing boundary" in response.json()["error"]["message"]
    no_boundary = client.post(
        "/audio/transcriptions", content=b"x", headers={"content-type": "multipart/form-data"}
    )
    assert no_boundary.status_code == 400
    not_multipart = client.post("/audio/transcriptions", json={"file": "audio.mp3"})
    assert not_multipart.status_code == 400


UPLOAD_HEAD = (
    b'--b0undary\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
    b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n"
)
UPLOAD_TAIL = b"\r\n--b0undary--\r\n"


def big_upload(client: httpx.Client, size: int) -> tuple[dict[str, Any], str]:
    """Upload ``size`` random bytes as a generated multipart body; (answer, sha256)."""
    block = os.urandom(1024 * 1024)
    digest = hashlib.sha256()

    def body() -> Any:
        yield UPLOAD_HEAD
        left = size
        while left:
            piece = block[: min(left, len(block))]
            digest.update(piece)
            left -= len(piece)
            yield piece
        yield UPLOAD_TAIL

    headers = {"content-type": "multipart/form-data; boundary=b0undary"}
    response = client.post("/audio/transcriptions", content=body(), headers=headers, timeout=120)
    return response.json(), digest.hexdigest()


def test_a_large_upload_is_streamed_through(client: httpx.Client, server: LocalServer) -> None:
    size = 24 * 1024 * 1024 + 5
    answer, digest = big_upload(client, size)
    assert answer["text"] == f"Transcribed big.bin: {size} bytes, sha256 {digest}."
    recorded = server.requests[-1]
    assert recorded.body_size > size and len(recorded.body) == 8 * 1024 * 1024


@pytest.mark.slow
def test_a_200_mb_upload(client: httpx.Client) -> None:
    size = 200 * 1024 * 1024
    answer, digest = big_upload(client, size)
    assert answer["text"] == f"Transcribed big.bin: {size} bytes, sha256 {digest}."
