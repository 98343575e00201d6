"""Audio against the local server, sync and async: speech to a file and back, formats,
transcriptions and translations, uploads retried whole."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from r9s.models import (
    Transcription,
    Translation,
)
from r9s.testing import LocalServer
from tests.support.twins import Twin, speech_to_file

MiB = 1024 * 1024


def test_speech_to_a_file_and_back(r9s: Twin, server: LocalServer, tmp_path: Path) -> None:
    size = 24 * MiB
    target = tmp_path / "speech.wav"
    written, peak = speech_to_file(
        r9s,
        target,
        model="tts-1",
        voice="alloy",
        input="hello",
        response_format="wav",
        http_headers={"x-r9s-audio-bytes": str(size)},
    )
    assert written == size == target.stat().st_size
    assert target.read_bytes()[:4] == b"RIFF"
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB while writing {size // MiB} MiB"
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    transcript = r9s.audio.transcribe(file=target, model="whisper-1")
    assert isinstance(transcript, Transcription)
    assert f"speech.wav: {size} bytes, sha256 {digest}" in transcript.text


@pytest.mark.parametrize(
    ("response_format", "magic"),
    [("mp3", b"ID3"), ("flac", b"fLaC"), ("opus", b"OggS"), ("wav", b"RIFF")],
)
def test_speech_formats(r9s: Twin, server: LocalServer, response_format: str, magic: bytes) -> None:
    body = r9s.audio.speech(
        model="gpt-4o-mini-tts",
        voice="nova",
        input="one two",
        response_format=response_format,
        consume=lambda audio: audio.read(),
    )
    assert body.startswith(magic)


def test_transcription_formats(r9s: Twin, server: LocalServer) -> None:
    audio = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 64
    digest = hashlib.sha256(audio).hexdigest()
    verbose = r9s.audio.transcribe(
        file=("talk.mp3", audio),
        model="whisper-1",
        language="en",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    assert isinstance(verbose, Transcription) and digest in verbose.text
    assert verbose.segments and verbose.words and verbose.duration
    for response_format, start in (("text", "Transcribed"), ("srt", "1\n"), ("vtt", "WEBVTT")):
        text = r9s.audio.transcribe(
            file=audio,
            model="whisper-1",
            response_format=response_format,
        )
        assert isinstance(text, str) and text.startswith(start) and digest in text
    translation = r9s.audio.translate(file=io.BytesIO(audio), model="whisper-1")
    assert isinstance(translation, Translation) and translation.text.startswith("Translated")
    srt = r9s.audio.translate(file=audio, model="whisper-1", response_format="srt")
    assert isinstance(srt, str) and srt.startswith("1\n")


def test_an_upload_retried_after_a_503_arrives_whole(
    r9s: Twin, server: LocalServer, tmp_path: Path
) -> None:
    path = tmp_path / "clip.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4096)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    server.inject("status=503;retry_after=0", times=1)
    result = r9s.audio.transcribe(file=path, model="whisper-1")
    assert f"clip.wav: {path.stat().st_size} bytes, sha256 {digest}" in result.text
    first, second = server.requests[-2:]
    assert first.body == second.body and first.body_size == second.body_size
