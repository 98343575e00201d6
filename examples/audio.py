"""Speak a sentence to a file (streamed, not held in memory), then transcribe it."""

import tempfile
from pathlib import Path

from r9s import R9S

with R9S.from_env() as r9s, tempfile.TemporaryDirectory() as folder:
    path = Path(folder, "hello.wav")
    with r9s.audio.speech(
        model="tts-1", voice="alloy", input="Hello from the r9s SDK.", response_format="wav"
    ) as speech:
        written = speech.write_to_file(path)
    print(f"wrote {written} bytes of {speech.content_type}")

    transcript = r9s.audio.transcribe(file=path, model="whisper-1")
    print("transcript:", transcript.text)
    subtitles = r9s.audio.transcribe(file=path, model="whisper-1", response_format="srt")
    print(subtitles.strip())
    with open(path, "rb") as audio_file:
        print("translation:", r9s.audio.translate(file=audio_file, model="whisper-1").text)
