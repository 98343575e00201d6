"""``r9s.audio``: text to speech (``POST /audio/speech``, binary), and speech to text
(``POST /audio/transcriptions``, ``/audio/translations``, multipart uploads)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack, overload

from r9s._binary import AsyncBinaryResponse, BinaryResponse
from r9s._pipeline import Operation, ParamCheck
from r9s.models.audio import (
    SpeechParams,
    TranscriptFormat,
    Transcription,
    TranscriptionParams,
    TranscriptJsonFormat,
    TranscriptTextFormat,
    Translation,
    TranslationParams,
)
from r9s.resources._multipart import UploadingResource


def _text(body: bytes) -> str:
    return body.decode("utf-8")


SPEECH: Operation[bytes, Any, Any] = Operation(
    "POST", "/audio/speech", params=ParamCheck("audio.speech", SpeechParams)
)
# response_format is a keyword of its own on transcribe/translate, put back into the form
TRANSCRIBE_PARAMS = ParamCheck("audio.transcribe", TranscriptionParams, extra={"response_format"})
TRANSLATE_PARAMS = ParamCheck("audio.translate", TranslationParams, extra={"response_format"})
TRANSCRIBE: Operation[Transcription, Any, Any] = Operation(
    "POST", "/audio/transcriptions", Transcription, params=TRANSCRIBE_PARAMS
)
TRANSCRIBE_TEXT: Operation[str, Any, Any] = Operation(
    "POST", "/audio/transcriptions", _text, params=TRANSCRIBE_PARAMS
)
TRANSLATE: Operation[Translation, Any, Any] = Operation(
    "POST", "/audio/translations", Translation, params=TRANSLATE_PARAMS
)
TRANSLATE_TEXT: Operation[str, Any, Any] = Operation(
    "POST", "/audio/translations", _text, params=TRANSLATE_PARAMS
)
TRANSCRIBE_OPERATIONS = (TRANSCRIBE, TRANSCRIBE_TEXT)
TRANSLATE_OPERATIONS = (TRANSLATE, TRANSLATE_TEXT)
FILES = ("file",)

# The spec serves each format as its own media type, chosen by Accept (D10); the
# wildcards keep servers that answer with another type (audio/mp3, octet-stream) happy.
AUDIO_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
TEXT_TYPES = {"text": "text/plain", "srt": "application/x-subrip", "vtt": "text/vtt"}


def _accept(params: Mapping[str, Any], accept: str) -> dict[str, Any]:
    """``params`` with an ``Accept`` header the caller's own headers can override."""
    return {**params, "http_headers": {"Accept": accept, **(params.get("http_headers") or {})}}


def _speech(params: Mapping[str, Any]) -> dict[str, Any]:
    media = AUDIO_TYPES.get(str(params.get("response_format") or "mp3"), "audio/*")
    return _accept(params, f"{media}, audio/*;q=0.9, */*;q=0.8")


def _transcript(
    operations: tuple[Operation[Any, Any, Any], Operation[Any, Any, Any]],
    params: Mapping[str, Any],
    response_format: str | None,
) -> tuple[Operation[Any, Any, Any], dict[str, Any], tuple[str, ...]]:
    """How a transcription or translation is sent, the one place for both and their
    async twins: the operation (``json``/``verbose_json`` decode into the model, the text
    formats come back as ``str``), the form parameters (asking with ``Accept`` for the
    text format's media type) and the file parameters."""
    as_model, as_text = operations
    if response_format is None:
        return as_model, dict(params), FILES
    params = {**params, "response_format": response_format}
    media = TEXT_TYPES.get(response_format)
    if media is None:
        return as_model, params, FILES
    return as_text, _accept(params, f"{media}, text/plain;q=0.9, */*;q=0.8"), FILES


class Audio(UploadingResource):
    """Speech and transcription: ``r9s.audio.speech(...)``, ``r9s.audio.transcribe(...)``,
    ``r9s.audio.translate(...)``."""

    def speech(self, **params: Unpack[SpeechParams]) -> BinaryResponse:
        """Speak ``input``: the audio, unread, to ``read()``, iterate or ``write_to_file()``."""
        return self._raw(SPEECH, _speech(params))

    async def speech_async(self, **params: Unpack[SpeechParams]) -> AsyncBinaryResponse:
        """Speak ``input``: the audio, unread, to ``read()``, iterate or ``write_to_file()``."""
        return await self._raw_async(SPEECH, _speech(params))

    @overload
    def transcribe(
        self,
        *,
        response_format: TranscriptJsonFormat | None = None,
        **params: Unpack[TranscriptionParams],
    ) -> Transcription: ...
    @overload
    def transcribe(
        self, *, response_format: TranscriptTextFormat, **params: Unpack[TranscriptionParams]
    ) -> str: ...
    @overload
    def transcribe(
        self, *, response_format: TranscriptFormat, **params: Unpack[TranscriptionParams]
    ) -> Transcription | str: ...
    def transcribe(
        self,
        *,
        response_format: TranscriptFormat | None = None,
        **params: Unpack[TranscriptionParams],
    ) -> Transcription | str:
        """Transcribe ``file``: a ``Transcription`` for ``json``/``verbose_json`` (the
        default), a ``str`` for ``text``/``srt``/``vtt``."""
        result: Transcription | str = self._upload(
            *_transcript(TRANSCRIBE_OPERATIONS, params, response_format)
        )
        return result

    @overload
    async def transcribe_async(
        self,
        *,
        response_format: TranscriptJsonFormat | None = None,
        **params: Unpack[TranscriptionParams],
    ) -> Transcription: ...
    @overload
    async def transcribe_async(
        self, *, response_format: TranscriptTextFormat, **params: Unpack[TranscriptionParams]
    ) -> str: ...
    @overload
    async def transcribe_async(
        self, *, response_format: TranscriptFormat, **params: Unpack[TranscriptionParams]
    ) -> Transcription | str: ...
    async def transcribe_async(
        self,
        *,
        response_format: TranscriptFormat | None = None,
        **params: Unpack[TranscriptionParams],
    ) -> Transcription | str:
        """Transcribe ``file``: a ``Transcription`` for ``json``/``verbose_json`` (the
        default), a ``str`` for ``text``/``srt``/``vtt``."""
        result: Transcription | str = await self._upload_async(
            *_transcript(TRANSCRIBE_OPERATIONS, params, response_format)
        )
        return result

    @overload
    def translate(
        self,
        *,
        response_format: TranscriptJsonFormat | None = None,
        **params: Unpack[TranslationParams],
    ) -> Translation: ...
    @overload
    def translate(
        self, *, response_format: TranscriptTextFormat, **params: Unpack[TranslationParams]
    ) -> str: ...
    @overload
    def translate(
        self, *, response_format: TranscriptFormat, **params: Unpack[TranslationParams]
    ) -> Translation | str: ...
    def translate(
        self,
        *,
        response_format: TranscriptFormat | None = None,
        **params: Unpack[TranslationParams],
    ) -> Translation | str:
        """Translate ``file`` into English: a ``Translation`` for ``json``/``verbose_json``
        (the default), a ``str`` for ``text``/``srt``/``vtt``."""
        result: Translation | str = self._upload(
            *_transcript(TRANSLATE_OPERATIONS, params, response_format)
        )
        return result

    @overload
    async def translate_async(
        self,
        *,
        response_format: TranscriptJsonFormat | None = None,
        **params: Unpack[TranslationParams],
    ) -> Translation: ...
    @overload
    async def translate_async(
        self, *, response_format: TranscriptTextFormat, **params: Unpack[TranslationParams]
    ) -> str: ...
    @overload
    async def translate_async(
        self, *, response_format: TranscriptFormat, **params: Unpack[TranslationParams]
    ) -> Translation | str: ...
    async def translate_async(
        self,
        *,
        response_format: TranscriptFormat | None = None,
        **params: Unpack[TranslationParams],
    ) -> Translation | str:
        """Translate ``file`` into English: a ``Translation`` for ``json``/``verbose_json``
        (the default), a ``str`` for ``text``/``srt``/``vtt``."""
        result: Translation | str = await self._upload_async(
            *_transcript(TRANSLATE_OPERATIONS, params, response_format)
        )
        return result
