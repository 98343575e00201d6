"""Uploads and binary downloads over real HTTP (a small server on 127.0.0.1), sync and
async: the multipart wire form, large files streamed without being held in memory,
retries that send the file again from its start, speech written straight to a file."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from r9s import R9S, errors
from r9s.utils import BackoffStrategy, RetryConfig
from tests.support.sink import Sink, audio_bytes, sink_server
from tests.support.twins import Twin, speech_to_file
from tests.unit.test_uploads import PNG, WAV, Unseekable

MiB = 1024 * 1024
FAST_RETRY = RetryConfig("backoff", BackoffStrategy(1, 5, 1.5, 5_000), True, max_retries=2)


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    with sink_server() as server:
        yield server


@pytest.fixture
def r9s(mode: str, sink: Sink) -> Iterator[Twin]:
    with R9S(api_key="sk-test", server_url=sink.url, retry_config=None) as client:
        yield Twin(client, mode)


def parts(body: bytes) -> list[str]:
    """The Content-Disposition lines of a multipart body."""
    return [
        line.decode()
        for line in body.split(b"\r\n")
        if line.lower().startswith(b"content-disposition")
    ]


def test_image_edit_wire_form(r9s: Twin, sink: Sink, tmp_path: Path) -> None:
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    first.write_bytes(PNG)
    second.write_bytes(PNG)
    result = r9s.images.edit(
        image=[first, second],
        mask=("mask.png", PNG, "image/png"),
        prompt="add a hat",
        n=2,
        background=None,
    )
    assert result.data[0].url == "https://example.org/x.png"
    received = sink.received[-1]
    assert received.path == "/v1/images/edits"
    assert received.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert received.body is not None
    assert parts(received.body) == [
        'Content-Disposition: form-data; name="prompt"',
        'Content-Disposition: form-data; name="n"',
        'Content-Disposition: form-data; name="image[]"; filename="a.png"',
        'Content-Disposition: form-data; name="image[]"; filename="b.png"',
        'Content-Disposition: form-data; name="mask"; filename="mask.png"',
    ]
    assert b"Content-Type: image/png" in received.body


def test_transcription_wire_form_and_text_formats(r9s: Twin, sink: Sink) -> None:
    text = r9s.audio.transcribe(
        file=WAV,
        model="whisper-1",
        response_format="srt",
        timestamp_granularities=["word", "segment"],
    )
    assert isinstance(text, str) and '"text": "ok"' in text
    received = sink.received[-1]
    assert received.headers["accept"].startswith("application/x-subrip")
    assert received.body is not None
    names = parts(received.body)
    assert names.count('Content-Disposition: form-data; name="timestamp_granularities[]"') == 2
    assert 'Content-Disposition: form-data; name="file"; filename="upload.wav"' in names
    model = r9s.audio.translate(file=io.BytesIO(WAV), model="whisper-1")
    assert model.text == "ok" and sink.received[-1].path == "/v1/audio/translations"
    assert sink.received[-1].headers["accept"] == "application/json"


def test_a_large_file_is_streamed_from_disk(r9s: Twin, sink: Sink, tmp_path: Path) -> None:
    size = 200 * MiB  # the size the issue names
    path = tmp_path / "long.wav"
    with open(path, "wb") as handle:
        handle.write(WAV)
        handle.truncate(size)  # sparse: fast to make, still read in full by the upload
    tracemalloc.start()
    try:
        result = r9s.audio.transcribe(file=path, model="whisper-1")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.bytes > size  # the whole file, plus the multipart framing
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB while uploading {size // MiB} MiB"


@pytest.mark.parametrize("kind", ["path", "bytesio", "unseekable"])
def test_a_retry_sends_the_file_again_from_its_start(
    r9s: Twin, sink: Sink, tmp_path: Path, kind: str
) -> None:
    data = WAV + bytes(range(256)) * 4096  # 1 MiB
    path = tmp_path / "clip.wav"
    path.write_bytes(data)
    file: Any = {"path": path, "bytesio": io.BytesIO(data), "unseekable": Unseekable(data)}[kind]
    before = len(sink.received)
    sink.fail_next = 1
    result = r9s.audio.transcribe(file=file, model="whisper-1", retries=FAST_RETRY)
    failed, retried = sink.received[before:]
    assert (failed.size, failed.sha256) == (retried.size, retried.sha256)
    assert result.sha256 == retried.sha256 and result.bytes > len(data)


def test_an_os_pipe_is_uploaded_whole(r9s: Twin, sink: Sink) -> None:
    data = WAV + bytes(range(256)) * 1200  # 300 KiB: several pipe buffers
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as writer:
            writer.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        with os.fdopen(read_end, "rb", buffering=0) as pipe:  # raw: short reads
            result = r9s.audio.transcribe(file=pipe, model="whisper-1")
    finally:
        writer.join()
    received = sink.received[-1]
    assert received.body is not None
    assert received.body.count(data) == 1
    assert result.bytes > len(data)


def test_speech_is_written_to_a_file_without_holding_it(
    r9s: Twin, sink: Sink, tmp_path: Path
) -> None:
    size = 32 * MiB
    target = tmp_path / "speech.mp3"
    written, peak = speech_to_file(
        r9s, target, model="tts-1", input="hello", voice="alloy", http_headers={"x-size": str(size)}
    )
    assert written == size == target.stat().st_size
    expected = hashlib.sha256()
    for chunk in audio_bytes(size):
        expected.update(chunk)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == expected.hexdigest()
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB while writing {size // MiB} MiB"
    assert sink.received[-1].headers["accept"].startswith("audio/mpeg")


def test_speech_read_iterate_and_headers(r9s: Twin, sink: Sink) -> None:
    body = r9s.audio.speech(
        model="tts-1",
        input="hi",
        voice="nova",
        response_format="wav",
        http_headers={"x-size": "200000"},
        consume=lambda audio: audio.read(),
    )
    assert body == b"".join(audio_bytes(200_000))
    assert sink.received[-1].headers["accept"].startswith("audio/wav")

    async def gather_async(audio: Any) -> tuple[str | None, list[int]]:
        return audio.content_type, [len(c) async for c in audio.iter_bytes(50_000)]

    def gather(audio: Any) -> Any:
        if r9s.mode == "async":
            return gather_async(audio)
        with audio:
            return audio.content_type, [len(c) for c in audio.iter_bytes(50_000)]

    content_type, sizes = r9s.audio.speech(
        model="tts-1",
        input="hi",
        voice="nova",
        http_headers={"x-size": "120000"},
        consume=gather,
    )
    assert content_type == "audio/mpeg" and sizes == [50_000, 50_000, 20_000]


def test_a_download_cut_short_raises_and_leaves_no_partial_file(
    r9s: Twin, sink: Sink, tmp_path: Path
) -> None:
    target = tmp_path / "cut.mp3"
    with pytest.raises(errors.APIConnectionError):
        r9s.audio.speech(
            model="tts-1",
            input="hi",
            voice="alloy",
            http_headers={"x-size": str(4 * MiB), "x-drop-after": str(MiB)},
            consume=lambda audio: audio.write_to_file(target),
        )
    assert not target.exists()


def test_writing_into_an_open_file_leaves_it_open(r9s: Twin, sink: Sink) -> None:
    buffer = io.BytesIO()
    written = r9s.audio.speech(
        model="tts-1",
        input="hi",
        voice="alloy",
        http_headers={"x-size": "1000"},
        consume=lambda audio: audio.write_to_file(buffer),
    )
    assert written == 1000 and buffer.getvalue() == b"".join(audio_bytes(1000))
