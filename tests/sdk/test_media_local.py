"""messages, responses, images and audio against the local r9s-compatible server over
real HTTP, each sync and async: answers, streams and their helpers, tool calls,
uploads that arrive intact, speech written to disk, and faults."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from r9s import errors
from r9s.models import (
    AnthropicMessage,
    ImageEditCompletedEvent,
    ImageGenCompletedEvent,
    ImageGenPartialImageEvent,
    ImagesResponse,
    MessageStartEvent,
    MessageStopEvent,
    Response,
    ResponseCompletedEvent,
    ResponseFunctionToolCall,
    ThinkingBlock,
    ToolUseBlock,
    Transcription,
    Translation,
)
from r9s.testing import LocalServer
from tests.sdk.conftest import FAST_RETRY
from tests.support import calls

MiB = 1024 * 1024
CLAUDE = "claude-sonnet-4-5"
GPT = "gpt-4o-mini"
WEATHER = {
    "name": "get_weather",
    "description": "Weather in a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    },
}
FUNCTION = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": WEATHER["input_schema"],
}


def run(mode: str, server: LocalServer, operation: str, /, **params: Any) -> Any:
    return calls.call(mode, server.url, operation, retry_config=FAST_RETRY, **params)


def drain(stream: Any) -> Any:
    """``(events, final, text)`` of a stream read to its end, sync or async."""
    if hasattr(stream, "__aiter__"):

        async def read() -> Any:
            async with stream:
                events = [event async for event in stream]
                return events, await stream.get_final(), await stream.get_final_text()

        return read()
    with stream:
        return list(stream), stream.get_final(), stream.get_final_text()


def text_only(stream: Any) -> Any:
    if hasattr(stream, "__aiter__"):
        return calls.collect(stream.text_stream)
    return list(stream.text_stream)


# -- messages -------------------------------------------------------------------------------


def test_messages_create(mode: str, server: LocalServer) -> None:
    message = run(
        mode,
        server,
        "messages.create",
        model=CLAUDE,
        max_tokens=64,
        system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "hello there"}],
    )
    assert isinstance(message, AnthropicMessage)
    assert message.text == "Echo: hello there" and message.stop_reason == "end_turn"
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    sent = server.requests[-1]
    assert sent.path == "/v1/messages" and sent.json["system"][0]["cache_control"]
    assert sent.headers["authorization"] == "Bearer sk-test" and "stream" not in sent.json


def test_messages_stream_matches_the_plain_answer(mode: str, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": CLAUDE,
        "max_tokens": 256,
        "thinking": {"type": "enabled", "budget_tokens": 20000},  # no 10000 cap
        "messages": [{"role": "user", "content": "the quick brown fox"}],
    }
    plain = run(mode, server, "messages.create", **params)
    events, final, text = run(mode, server, "messages.create", stream=True, consume=drain, **params)
    assert server.requests[-1].json["stream"] is True
    assert server.requests[-1].headers["accept"] == "text/event-stream"
    assert isinstance(events[0], MessageStartEvent) and isinstance(events[-1], MessageStopEvent)
    assert isinstance(final, AnthropicMessage)
    assert [b.type for b in final.content] == [b.type for b in plain.content]
    thinking = final.content[0]
    assert isinstance(thinking, ThinkingBlock) and thinking.thinking and thinking.signature
    assert isinstance(plain.content[0], ThinkingBlock)
    assert thinking.signature == plain.content[0].signature
    assert final.text == plain.text == text == "Echo: the quick brown fox"
    assert final.stop_reason == plain.stop_reason
    assert final.usage.output_tokens == plain.usage.output_tokens
    assert final.usage.input_tokens == plain.usage.input_tokens
    pieces = run(mode, server, "messages.create", stream=True, consume=text_only, **params)
    assert "".join(pieces) == plain.text and len(pieces) > 1


def test_messages_tool_use_round_trip(mode: str, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": CLAUDE,
        "max_tokens": 256,
        "tools": [WEATHER],
        "tool_choice": {"type": "tool", "name": "get_weather"},
        "messages": [{"role": "user", "content": "weather in Paris"}],
    }
    plain = run(mode, server, "messages.create", **params)
    _, streamed, _ = run(mode, server, "messages.create", stream=True, consume=drain, **params)
    (call,) = [b for b in plain.content if isinstance(b, ToolUseBlock)]
    (streamed_call,) = [b for b in streamed.content if isinstance(b, ToolUseBlock)]
    assert plain.stop_reason == streamed.stop_reason == "tool_use"
    assert streamed_call.input == call.input and "city" in call.input
    assert streamed_call.id == call.id and streamed_call.name == "get_weather"
    answer = run(
        mode,
        server,
        "messages.create",
        model=CLAUDE,
        max_tokens=64,
        tools=[WEATHER],
        messages=[
            *params["messages"],
            {"role": "assistant", "content": streamed.content},
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": call.id,
                        "content": "sunny",
                        "is_error": False,
                    }
                ],
            },
        ],
    )
    assert answer.text == "Echo: sunny"
    sent_back = server.requests[-1].json["messages"][1]["content"]
    assert [block["type"] for block in sent_back] == [block.type for block in streamed.content]
    assert sent_back[-1]["input"] == call.input


def test_messages_stream_faults(mode: str, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": CLAUDE,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "one two three four five"}],
    }
    with pytest.raises(errors.APIStatusError):
        run(
            mode,
            server,
            "messages.create",
            stream=True,
            consume=drain,
            http_headers={"X-R9S-Fault": "stream_error=2"},
            **params,
        )
    with pytest.raises((errors.IncompleteStreamError, errors.APIConnectionError)):
        run(
            mode,
            server,
            "messages.create",
            stream=True,
            consume=drain,
            http_headers={"X-R9S-Fault": "drop=mid_stream;after=3"},
            **params,
        )
    server.inject("status=529;retry_after=0", times=1)
    _, final, _ = run(mode, server, "messages.create", stream=True, consume=drain, **params)
    assert final.text == "Echo: one two three four five"


# -- responses ------------------------------------------------------------------------------


def test_responses_create_and_stream(mode: str, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": GPT,
        "instructions": "Be brief.",
        "input": "alpha beta gamma",
    }
    plain = run(mode, server, "responses.create", **params)
    assert isinstance(plain, Response) and plain.status == "completed"
    assert plain.output_text == "Echo: alpha beta gamma"
    events, final, text = run(
        mode, server, "responses.create", stream=True, consume=drain, **params
    )
    assert isinstance(events[-1], ResponseCompletedEvent)
    assert final.output_text == text == plain.output_text
    assert final.usage is not None and plain.usage is not None
    assert final.usage.total_tokens == plain.usage.total_tokens
    pieces = run(mode, server, "responses.create", stream=True, consume=text_only, **params)
    assert "".join(pieces) == plain.output_text


def test_responses_function_call_round_trip(mode: str, server: LocalServer) -> None:
    question = {"role": "user", "content": "weather in Oslo"}
    params: dict[str, Any] = {
        "model": GPT,
        "input": [question],
        "tools": [FUNCTION],
        "tool_choice": {"type": "function", "name": "get_weather"},
    }
    plain = run(mode, server, "responses.create", **params)
    _, streamed, _ = run(mode, server, "responses.create", stream=True, consume=drain, **params)
    (call,) = [i for i in plain.output if isinstance(i, ResponseFunctionToolCall)]
    (streamed_call,) = [i for i in streamed.output if isinstance(i, ResponseFunctionToolCall)]
    assert json.loads(streamed_call.arguments) == json.loads(call.arguments)
    assert "city" in json.loads(call.arguments)
    output = {"type": "function_call_output", "call_id": call.call_id, "output": "4 degrees"}
    answer = run(
        mode,
        server,
        "responses.create",
        model=GPT,
        tools=[FUNCTION],
        input=[question, call, output],
    )
    assert answer.output_text == "Echo: 4 degrees"
    sent = server.requests[-1].json["input"]
    assert sent[1]["type"] == "function_call" and sent[1]["call_id"] == call.call_id


# -- images ---------------------------------------------------------------------------------


def test_images_create(mode: str, server: LocalServer) -> None:
    urls = run(mode, server, "images.create", model="dall-e-2", prompt="a cat", n=2)
    assert isinstance(urls, ImagesResponse) and len(urls.data) == 2
    assert all(image.url for image in urls.data)
    b64 = run(
        mode,
        server,
        "images.generate",
        model="gpt-image-1",
        prompt="a cat",
        response_format="b64_json",
        size="1024x1024",
    )
    assert b64.data[0].data().startswith(b"\x89PNG")
    assert b64.usage is not None and b64.usage.total_tokens
    assert b64.size == "1024x1024"


def test_images_stream(mode: str, server: LocalServer) -> None:
    events, final, _ = run(
        mode,
        server,
        "images.create",
        stream=True,
        model="gpt-image-1",
        prompt="a lighthouse",
        n=2,
        partial_images=2,
        consume=drain,
    )
    partials = [e for e in events if isinstance(e, ImageGenPartialImageEvent)]
    completed = [e for e in events if isinstance(e, ImageGenCompletedEvent)]
    assert len(partials) == 4 and len(completed) == 2  # every image, not just the first
    assert [image.b64_json for image in final.data] == [e.b64_json for e in completed]
    assert server.requests[-1].json["stream"] is True


def test_images_edit_uploads_every_image_and_the_mask(
    mode: str, server: LocalServer, tmp_path: Path
) -> None:
    generated = run(
        mode,
        server,
        "images.create",
        model="gpt-image-1",
        prompt="seed",
        response_format="b64_json",
    )
    png = generated.data[0].data()
    path = tmp_path / "first.png"
    path.write_bytes(png)
    edited = run(
        mode,
        server,
        "images.edit",
        model="gpt-image-1",
        image=[path, ("second.png", io.BytesIO(png)), png],
        mask={"file_name": "mask.png", "content": png},
        prompt="add a hat",
    )
    revised = edited.data[0].revised_prompt
    assert revised is not None
    size = len(png)
    expected = f"first.png ({size} bytes), second.png ({size} bytes), upload.png ({size} bytes)"
    assert expected in revised and f"mask: mask.png ({size} bytes)" in revised
    single = run(mode, server, "images.edit", model="dall-e-2", image=path, prompt="hat")
    assert f"first.png ({size} bytes)" in (single.data[0].revised_prompt or "")


def test_images_edit_stream(mode: str, server: LocalServer) -> None:
    png = base64.b64decode(
        run(
            mode,
            server,
            "images.create",
            model="gpt-image-1",
            prompt="x",
            response_format="b64_json",
        )
        .data[0]
        .b64_json
    )
    events, final, _ = run(
        mode,
        server,
        "images.edit",
        stream=True,
        model="gpt-image-1",
        image=png,
        prompt="watercolor",
        partial_images=1,
        consume=drain,
    )
    assert isinstance(events[-1], ImageEditCompletedEvent) and len(final.data) == 1


# -- audio ----------------------------------------------------------------------------------


def test_speech_to_a_file_and_back(mode: str, server: LocalServer, tmp_path: Path) -> None:
    size = 24 * MiB
    target = tmp_path / "speech.wav"
    tracemalloc.start()
    try:
        written = run(
            mode,
            server,
            "audio.speech",
            model="tts-1",
            voice="alloy",
            input="hello",
            response_format="wav",
            http_headers={"x-r9s-audio-bytes": str(size)},
            consume=lambda audio: audio.write_to_file(target),
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == size == target.stat().st_size
    assert target.read_bytes()[:4] == b"RIFF"
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB while writing {size // MiB} MiB"
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    transcript = run(mode, server, "audio.transcribe", file=target, model="whisper-1")
    assert isinstance(transcript, Transcription)
    assert f"speech.wav: {size} bytes, sha256 {digest}" in transcript.text


@pytest.mark.parametrize(
    ("response_format", "magic"),
    [("mp3", b"ID3"), ("flac", b"fLaC"), ("opus", b"OggS"), ("wav", b"RIFF")],
)
def test_speech_formats(mode: str, server: LocalServer, response_format: str, magic: bytes) -> None:
    body = run(
        mode,
        server,
        "audio.speech",
        model="gpt-4o-mini-tts",
        voice="nova",
        input="one two",
        response_format=response_format,
        consume=lambda audio: audio.read(),
    )
    assert body.startswith(magic)


def test_transcription_formats(mode: str, server: LocalServer) -> None:
    audio = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 64
    digest = hashlib.sha256(audio).hexdigest()
    verbose = run(
        mode,
        server,
        "audio.transcribe",
        file=("talk.mp3", audio),
        model="whisper-1",
        language="en",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    assert isinstance(verbose, Transcription) and digest in verbose.text
    assert verbose.segments and verbose.words and verbose.duration
    for response_format, start in (("text", "Transcribed"), ("srt", "1\n"), ("vtt", "WEBVTT")):
        text = run(
            mode,
            server,
            "audio.transcribe",
            file=audio,
            model="whisper-1",
            response_format=response_format,
        )
        assert isinstance(text, str) and text.startswith(start) and digest in text
    translation = run(mode, server, "audio.translate", file=io.BytesIO(audio), model="whisper-1")
    assert isinstance(translation, Translation) and translation.text.startswith("Translated")
    srt = run(mode, server, "audio.translate", file=audio, model="whisper-1", response_format="srt")
    assert isinstance(srt, str) and srt.startswith("1\n")


def test_an_upload_retried_after_a_503_arrives_whole(
    mode: str, server: LocalServer, tmp_path: Path
) -> None:
    path = tmp_path / "clip.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4096)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    server.inject("status=503;retry_after=0", times=1)
    result = run(mode, server, "audio.transcribe", file=path, model="whisper-1")
    assert f"clip.wav: {path.stat().st_size} bytes, sha256 {digest}" in result.text
    first, second = server.requests[-2:]
    assert first.body == second.body and first.body_size == second.body_size


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        (
            "messages.create",
            {"model": "nope", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]},
        ),
        ("responses.create", {"model": "nope", "input": "x"}),
        ("images.create", {"model": "nope", "prompt": "x"}),
        ("images.edit", {"model": "nope", "prompt": "x", "image": b"\x89PNG\r\n\x1a\n"}),
        ("audio.speech", {"model": "nope", "input": "x", "voice": "alloy"}),
        ("audio.transcribe", {"model": "nope", "file": b"ID3"}),
        ("audio.translate", {"model": "nope", "file": b"ID3"}),
    ],
)
def test_an_unknown_model_is_not_found(
    mode: str, server: LocalServer, operation: str, params: dict[str, Any]
) -> None:
    with pytest.raises(errors.NotFoundError, match="nope"):
        run(mode, server, operation, **params)
