"""Payloads with the nulls routers and vendors send where the spec has a value (tests/
fixtures/nulls), and chat content sent as a list of parts: each parses, and each stream
accumulates to its end, instead of one unexpected null failing the call or killing the
stream half-way.

These do not round-trip (a null becomes the field's default), so they live apart from
the round-tripping fixtures of tests/fixtures/text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from r9s._streams.chat import CHAT_STREAM
from r9s._streams.messages import SPEC as MESSAGE_STREAM
from r9s._streams.responses import SPEC as RESPONSE_STREAM
from r9s.cli.chat.conversation import text_of
from r9s.models.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionContentPart,
    content_text,
    content_thinking,
)
from r9s.models.images import ImagesResponse
from r9s.models.messages import AnthropicMessage
from r9s.models.model_info import ModelListResponse
from r9s.models.responses import Response, ResponseOutputMessage, ResponseOutputText
from r9s.resources.chat import ChatCompletionStream
from tests.support.text_fixtures import replay

NULLS = Path(__file__).resolve().parents[1] / "fixtures" / "nulls"
STEPS = [None, 1, 7]


def raw(name: str) -> bytes:
    return (NULLS / name).read_bytes()


def test_chat_completion_with_null_id_index_arguments_and_content_parts() -> None:
    completion = ChatCompletion.model_validate_json(raw("chat_router_nulls.json"))
    assert (completion.id, completion.created) == ("", 0)
    assert text_of(completion) == "Calling the weather tool."  # what `r9s chat` prints
    choice = completion.choices[0]
    assert choice.index == 0
    assert completion.text == "Calling the weather tool."
    call = choice.message.tool_calls and choice.message.tool_calls[0]
    assert call and (call.id, call.function.name, call.function.arguments) == (
        "",
        "get_weather",
        "",
    )
    assert completion.usage is not None
    assert (completion.usage.completion_tokens, completion.usage.total_tokens) == (0, 0)


@pytest.mark.parametrize("step", STEPS)
def test_chat_stream_with_nulls_and_content_parts_accumulates(step: int | None) -> None:
    items, final = replay(CHAT_STREAM, raw("chat_stream_router_nulls.sse"), step=step)
    assert len(items) == 8
    message = final.choices[0].message
    assert message.content == "Checking."
    assert message.reasoning_content == "Need the weather."
    assert message.tool_calls[0].function.arguments == '{"city": "Paris"}'
    assert message.tool_calls[0].id == "call_1"
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.usage.prompt_tokens == 30 and final.usage.total_tokens == 0


def test_chat_stream_text_deltas_of_content_parts() -> None:
    body = raw("chat_stream_router_nulls.sse")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    stream = ChatCompletionStream(
        httpx.Client(transport=httpx.MockTransport(handler)).send(
            httpx.Request("POST", "http://r9s.test/v1/chat/completions"), stream=True
        ),
        CHAT_STREAM,
    )
    assert list(stream.text_stream) == ["Checking", "."]


def test_content_parts_helpers() -> None:
    parts = [
        ChatCompletionContentPart(type="thinking", thinking="plain "),
        ChatCompletionContentPart.model_validate(
            {"type": "thinking", "thinking": [{"type": "text", "text": "nested"}]}
        ),
        ChatCompletionContentPart(type="text", text="answer"),
        ChatCompletionContentPart.model_validate({"type": "image_url", "image_url": {"url": "x"}}),
    ]
    assert content_text(parts) == "answer"
    assert content_thinking(parts) == "plain nested"
    assert (content_text("s"), content_thinking("s"), content_text(None)) == ("s", "", "")


def test_a_chunk_with_content_parts_decodes() -> None:
    chunk = ChatCompletionChunk.model_validate_json(
        json.dumps({"choices": [{"index": None, "delta": {"content": [{"text": "x"}]}}]})
    )
    choice = chunk.choices[0]
    assert choice.index == 0 and content_text(choice.delta.content) == "x"


def test_responses_with_null_output_tools_and_usage() -> None:
    response = Response.model_validate_json(raw("responses_output_null.json"))
    assert response.output == [] and response.tools == [] and response.output_text == ""
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (0, 0)
    assert response.error is not None and response.error.message == "upstream failed"


def test_responses_with_null_annotations() -> None:
    response = Response.model_validate_json(raw("responses_annotations_null.json"))
    message = response.output[0]
    assert isinstance(message, ResponseOutputMessage)
    part = message.content[0]
    assert isinstance(part, ResponseOutputText) and part.annotations == []
    assert response.output_text == "Hello."
    assert response.usage is not None and response.usage.input_tokens == 0


@pytest.mark.parametrize("step", STEPS)
def test_responses_stream_with_nulls_accumulates(step: int | None) -> None:
    items, final = replay(RESPONSE_STREAM, raw("responses_stream_nulls.sse"), step=step)
    assert len(items) == 6
    assert final.status == "completed" and final.output_text == "Hi there"
    assert final.usage is not None and final.usage.input_tokens == 0


def test_anthropic_message_with_null_content_and_input_tokens() -> None:
    message = AnthropicMessage.model_validate_json(raw("messages_nulls.json"))
    assert message.content == [] and message.text == ""
    assert message.usage.input_tokens == 0 and message.stop_reason == "end_turn"


@pytest.mark.parametrize("step", STEPS)
def test_anthropic_stream_with_nulls_accumulates(step: int | None) -> None:
    items, final = replay(MESSAGE_STREAM, raw("messages_stream_nulls.sse"), step=step)
    assert len(items) == 7
    assert final.text == "Hello!" and final.stop_reason == "end_turn"
    assert (final.usage.input_tokens, final.usage.output_tokens) == (0, 3)


@pytest.mark.parametrize(
    ("name", "model", "field"),
    [
        ("images_data_null.json", ImagesResponse, "data"),
        ("models_data_null.json", ModelListResponse, "data"),
    ],
)
def test_null_lists_are_empty(name: str, model: Any, field: str) -> None:
    assert getattr(model.model_validate_json(raw(name)), field) == []
