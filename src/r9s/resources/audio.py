"""``r9s.audio``: text to speech (``POST /audio/speech``, binary), and speech to text
(``POST /audio/transcriptions``, ``/audio/translations``, multipart uploads)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Never, TypeVar, Unpack, overload

from r9s._binary import AsyncBinaryResponse, BinaryResponse
from r9s._pipeline import Endpoint, Handover, ParamCheck
from r9s._raw import RawResource, araw, raw
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
from r9s.resources._base import Resource

__all__ = ["Audio", "AudioWithRawResponse"]


def _text(body: bytes) -> str:
    return body.decode("utf-8")


BINARY: Handover[BinaryResponse, AsyncBinaryResponse] = Handover(
    lambda response, secret: BinaryResponse(response, secret=secret),
    lambda response, secret: AsyncBinaryResponse(response, secret=secret),
    events=False,
)
SPEECH: Endpoint[Never, BinaryResponse, AsyncBinaryResponse] = Endpoint(
    "POST", "/audio/speech", None, BINARY, ParamCheck("audio.speech", SpeechParams)
)
# response_format is a keyword of its own on transcribe/translate, put back into the form
TRANSCRIBE_PARAMS = ParamCheck("audio.transcribe", TranscriptionParams, extra={"response_format"})
TRANSLATE_PARAMS = ParamCheck("audio.translate", TranslationParams, extra={"response_format"})
TRANSCRIBE: Endpoint[Transcription, Never, Never] = Endpoint(
    "POST", "/audio/transcriptions", Transcription, params=TRANSCRIBE_PARAMS
)
TRANSCRIBE_TEXT: Endpoint[str, Never, Never] = Endpoint(
    "POST", "/audio/transcriptions", _text, params=TRANSCRIBE_PARAMS
)
TRANSLATE: Endpoint[Translation, Never, Never] = Endpoint(
    "POST", "/audio/translations", Translation, params=TRANSLATE_PARAMS
)
TRANSLATE_TEXT: Endpoint[str, Never, Never] = Endpoint(
    "POST", "/audio/translations", _text, params=TRANSLATE_PARAMS
)
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


def _speech_accept(params: Mapping[str, Any]) -> dict[str, str]:
    media = AUDIO_TYPES.get(str(params.get("response_format") or "mp3"), "audio/*")
    return {"Accept": f"{media}, audio/*;q=0.9, */*;q=0.8"}


M = TypeVar("M")


def _transcript(
    as_model: Endpoint[M, Never, Never],
    as_text: Endpoint[str, Never, Never],
    params: Mapping[str, Any],
    response_format: str | None,
) -> tuple[
    Endpoint[M, Never, Never] | Endpoint[str, Never, Never], Mapping[str, Any], dict[str, str]
]:
    """How a transcription or translation is sent, the one place for both and their
    async twins: the endpoint (``json``/``verbose_json`` decode into the model, the text
    formats come back as ``str``), the form parameters and the headers (asking with
    ``Accept`` for the text format's media type)."""
    if response_format is None:
        return as_model, params, {}
    params = {**params, "response_format": response_format}
    media = TEXT_TYPES.get(response_format)
    if media is None:
        return as_model, params, {}
    return as_text, params, {"Accept": f"{media}, text/plain;q=0.9, */*;q=0.8"}


class Audio(Resource):
    """Speech and transcription: ``r9s.audio.speech(...)``, ``r9s.audio.transcribe(...)``,
    ``r9s.audio.translate(...)``."""

    def speech(self, **params: Unpack[SpeechParams]) -> BinaryResponse:
        """Speak ``input``: the audio, unread, to ``read()``, iterate or ``write_to_file()``."""
        return self._send(SPEECH, params, stream=True, headers=_speech_accept(params))

    async def speech_async(self, **params: Unpack[SpeechParams]) -> AsyncBinaryResponse:
        """Speak ``input``: the audio, unread, to ``read()``, iterate or ``write_to_file()``."""
        return await self._asend(SPEECH, params, stream=True, headers=_speech_accept(params))

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
        endpoint, form, headers = _transcript(TRANSCRIBE, TRANSCRIBE_TEXT, params, response_format)
        return self._send(endpoint, form, headers=headers, files=FILES)

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
        endpoint, form, headers = _transcript(TRANSCRIBE, TRANSCRIBE_TEXT, params, response_format)
        return await self._asend(endpoint, form, headers=headers, files=FILES)

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
        endpoint, form, headers = _transcript(TRANSLATE, TRANSLATE_TEXT, params, response_format)
        return self._send(endpoint, form, headers=headers, files=FILES)

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
        endpoint, form, headers = _transcript(TRANSLATE, TRANSLATE_TEXT, params, response_format)
        return await self._asend(endpoint, form, headers=headers, files=FILES)


class AudioWithRawResponse(RawResource):
    """``r9s.with_raw_response.audio``: its calls, returning a ``RawResponse``."""

    speech = raw(Audio.speech)
    speech_async = araw(Audio.speech_async)
    transcribe = raw(Audio.transcribe)
    transcribe_async = araw(Audio.transcribe_async)
    translate = raw(Audio.translate)
    translate_async = araw(Audio.translate_async)
