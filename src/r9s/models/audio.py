"""Types of ``POST /audio/speech``, ``/audio/transcriptions`` and ``/audio/translations``.

Speech returns audio bytes (``r9s.BinaryResponse``). Transcriptions and translations
return a ``Transcription`` / ``Translation`` for ``response_format`` ``json`` and
``verbose_json``, and a ``str`` for ``text``, ``srt`` and ``vtt`` (the r9s spec declares
only JSON and plain text for translations; servers send srt and vtt too: D10).
"""

# No ``from __future__ import annotations``: with it, Python 3.11 does not see
# ``Required[...]`` in TypedDicts (``__required_keys__`` comes out empty).

from collections.abc import Sequence
from typing import Literal, Required, TypeAlias, TypedDict

from pydantic import Field

from r9s._options import RequestOptions
from r9s._uploads import FileInput
from r9s.models._base import Count, Lenient, ResponseModel, Text

SpeechVoice: TypeAlias = Literal["alloy", "echo", "fable", "onyx", "nova", "shimmer"] | str
SpeechFormat: TypeAlias = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
TranscriptFormat: TypeAlias = Literal["json", "text", "srt", "verbose_json", "vtt"]
TranscriptTextFormat: TypeAlias = Literal["text", "srt", "vtt"]
TranscriptJsonFormat: TypeAlias = Literal["json", "verbose_json"]


class _SpeechBase(TypedDict, total=False):
    model: Required[str]
    """A text-to-speech model, e.g. ``"tts-1"`` or ``"speech-2.6-turbo"``."""
    input: Required[str]
    """The text to speak."""
    voice: Required[SpeechVoice]
    """A voice: OpenAI's six, or another the model offers (MiniMax voices...)."""
    speed: float
    """0.25 to 4.0 (default 1.0)."""
    instructions: str
    """How to speak (models that support it)."""


class AudioSpeechRequest(_SpeechBase, total=False):
    """The body of ``POST /audio/speech`` (the spec's shape)."""

    response_format: SpeechFormat | str
    """The audio format (default ``mp3``); also picks the ``Accept`` header."""


class SpeechParams(AudioSpeechRequest, RequestOptions, total=False):
    """Keyword arguments of ``audio.speech``."""


class _TranscriptBase(TypedDict, total=False):
    file: Required[FileInput]
    """The audio: a path, bytes, an open binary file, a ``(name, content)`` tuple or a
    ``{"file_name": ..., "content": ...}`` dict. Streamed from disk, never read whole.
    Bytes without a name are named from their format (``upload.mp3``...)."""
    model: Required[str]
    """``whisper-1``, ``gpt-4o-transcribe``..."""
    prompt: str
    """Text to guide the style or continue a previous segment."""
    temperature: float
    """Sampling temperature, 0 to 1."""


class _TranscriptionBase(_TranscriptBase, total=False):
    language: str
    """The spoken language (ISO-639-1), if known."""
    timestamp_granularities: Sequence[Literal["word", "segment"]]
    """With ``verbose_json``: word and/or segment timestamps (sent as
    ``timestamp_granularities[]``)."""
    include: Sequence[str]
    """Extra output, e.g. ``["logprobs"]`` (sent as ``include[]``)."""


class AudioTranscriptionRequest(_TranscriptionBase, total=False):
    """The multipart body of ``POST /audio/transcriptions`` (the spec's shape)."""

    response_format: TranscriptFormat


class TranscriptionParams(_TranscriptionBase, RequestOptions, total=False):
    """Keyword arguments of ``audio.transcribe`` (besides ``response_format``)."""


class AudioTranslationRequest(_TranscriptBase, total=False):
    """The multipart body of ``POST /audio/translations`` (the spec's shape)."""

    response_format: TranscriptFormat


class TranslationParams(_TranscriptBase, RequestOptions, total=False):
    """Keyword arguments of ``audio.translate`` (besides ``response_format``)."""


class TranscriptionWord(ResponseModel):
    word: Text = ""
    start: Lenient[float] = 0.0
    end: Lenient[float] = 0.0


class TranscriptionSegment(ResponseModel):
    id: Count = 0
    seek: int | None = None
    start: Lenient[float] = 0.0
    end: Lenient[float] = 0.0
    text: Text = ""
    tokens: list[int] | None = None
    temperature: float | None = None
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    no_speech_prob: float | None = None


class Transcription(ResponseModel):
    """The text of the audio; ``verbose_json`` adds language, duration, segments and
    (if asked for) words."""

    text: Text = ""
    language: str | None = None
    duration: float | None = None
    words: list[TranscriptionWord] | None = None
    segments: list[TranscriptionSegment] | None = None
    usage: dict[str, object] | None = None


AudioTranscriptionResponse = Transcription


class Translation(ResponseModel):
    """The English text of the audio."""

    text: Text = ""
    language: str | None = None
    duration: float | None = None
    segments: list[TranscriptionSegment] | None = Field(default=None)


AudioTranslationResponse = Translation
