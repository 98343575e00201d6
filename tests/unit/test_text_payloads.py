"""Realistic payloads of chat, completions, edits, embeddings, moderations and search
(OpenAI-format servers and what a router passes through: nulls, vendor extras, unknown
finish reasons) parse without error and lose nothing."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import pytest

from r9s._streams.chat import CHAT_STREAM
from r9s._streams.completions import COMPLETION_STREAM
from r9s.models.chat import ChatCompletion, ChatCompletionChunk
from r9s.models.completions import Completion
from r9s.models.edits import Edit
from r9s.models.embeddings import Base64EmbeddingResponse, EmbeddingResponse
from r9s.models.moderations import ModerationResponse
from r9s.models.search import SearchResponse
from tests.support.text_fixtures import FIXTURES, assert_subset, fixture_bytes, fixture_json, replay

TYPES: dict[str, Any] = {
    "chat_": ChatCompletion,
    "completions_": Completion,
    "edits_": Edit,
    "embeddings_": EmbeddingResponse,
    "moderations_": ModerationResponse,
    "search_": SearchResponse,
}
STREAMS: dict[str, Any] = {"chat_stream_": CHAT_STREAM, "completions_stream": COMPLETION_STREAM}

JSON_FIXTURES = sorted(
    path.name for path in FIXTURES.glob("*.json") if not path.name.endswith(".final.json")
)
SSE_FIXTURES = sorted(path.name for path in FIXTURES.glob("*.sse"))


def type_of(name: str) -> Any:
    return next(cls for prefix, cls in TYPES.items() if name.startswith(prefix))


def spec_of(name: str) -> Any:
    return next(spec for prefix, spec in STREAMS.items() if name.startswith(prefix))


@pytest.mark.parametrize("name", JSON_FIXTURES)
def test_payload_parses_and_round_trips(name: str) -> None:
    parsed = type_of(name).model_validate_json(fixture_bytes(name))
    if name == "embeddings_base64.json":
        return  # decoded to floats on purpose (see the embeddings tests)
    assert parsed.to_dict() == fixture_json(name)


@pytest.mark.parametrize("name", SSE_FIXTURES)
@pytest.mark.parametrize("step", [None, 1, 7])
def test_stream_accumulates_to_the_expected_result(name: str, step: int | None) -> None:
    items, final = replay(spec_of(name), fixture_bytes(name), step=step)
    assert items, "the stream yielded no items"
    expected = fixture_json(name.replace(".sse", ".final.json"))
    assert_subset(expected, final.to_dict())


def test_chat_basic_fields() -> None:
    completion = ChatCompletion.model_validate_json(fixture_bytes("chat_openai_basic.json"))
    assert completion.text == "The capital of France is Paris."
    assert completion.choices[0].message.refusal is None
    assert completion.choices[0].message.annotations == []
    assert completion.usage is not None
    assert completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == 0
    assert completion.service_tier == "default"


def test_chat_tool_calls_and_sending_the_message_back() -> None:
    completion = ChatCompletion.model_validate_json(fixture_bytes("chat_openai_tool_calls.json"))
    message = completion.choices[0].message
    assert message.content is None
    assert message.tool_calls is not None
    assert [call.function.name for call in message.tool_calls] == ["get_weather"] * 2
    assert json.loads(message.tool_calls[1].function.arguments)["location"] == "Tokyo, Japan"
    # What the pipeline sends when the message goes back in the next turn: as received.
    from r9s._pipeline import encode_json

    sent = json.loads(encode_json({"messages": [message]}))["messages"][0]
    assert sent == fixture_json("chat_openai_tool_calls.json")["choices"][0]["message"]


def test_chat_vendor_nulls_and_unknown_finish_reason() -> None:
    completion = ChatCompletion.model_validate_json(fixture_bytes("chat_vendor_nulls.json"))
    choice = completion.choices[0]
    assert choice.finish_reason == "STOP"
    assert choice.native_finish_reason == "STOP"  # type: ignore[attr-defined]
    assert choice.message.tool_calls is None
    assert completion.system_fingerprint is None
    assert completion.provider == "Google AI Studio"  # type: ignore[attr-defined]
    assert completion.usage is not None and completion.usage.total_tokens == 19


def test_chat_reasoning_audio_annotations_logprobs() -> None:
    reasoner = ChatCompletion.model_validate_json(fixture_bytes("chat_deepseek_reasoner.json"))
    assert "210 / 4" in (reasoner.choices[0].message.reasoning_content or "")
    assert reasoner.usage is not None and reasoner.usage.completion_tokens_details is not None
    assert reasoner.usage.completion_tokens_details.reasoning_tokens == 380

    audio = ChatCompletion.model_validate_json(fixture_bytes("chat_openai_audio.json"))
    assert audio.choices[0].message.audio is not None
    assert audio.choices[0].message.audio.transcript is not None

    search = ChatCompletion.model_validate_json(fixture_bytes("chat_openai_web_search.json"))
    annotations = search.choices[0].message.annotations
    assert annotations and annotations[0].url_citation is not None
    assert annotations[0].url_citation.start_index == 53

    n2 = ChatCompletion.model_validate_json(fixture_bytes("chat_openai_logprobs_n2.json"))
    logprobs = n2.choices[0].logprobs
    assert logprobs is not None and logprobs.content is not None
    assert logprobs.content[0].top_logprobs[1].token == "Hello"
    assert [choice.finish_reason for choice in n2.choices] == ["length", "length"]


def test_completion_text_completion_object_and_logprobs() -> None:
    completion = Completion.model_validate_json(fixture_bytes("completions_openai.json"))
    assert completion.object == "text_completion"
    assert completion.text.endswith("loved to code.")
    echoed = Completion.model_validate_json(fixture_bytes("completions_logprobs_echo.json"))
    logprobs = echoed.choices[0].logprobs
    assert logprobs is not None and logprobs.token_logprobs is not None
    assert logprobs.token_logprobs[0] is None


def test_spec_completion_object_is_accepted_too() -> None:
    body = {"id": "c", "object": "completion", "created": 1, "model": "m", "choices": []}
    assert Completion.model_validate(body).object == "completion"


def test_moderation_categories_have_python_names() -> None:
    response = ModerationResponse.model_validate_json(fixture_bytes("moderations_omni.json"))
    result = response.results[0]
    assert result.categories.harassment_threatening is True
    assert result.categories.self_harm_intent is False
    assert result.categories.illicit_violent is False
    assert result.category_scores.violence == pytest.approx(0.9971)
    assert result.category_applied_input_types is not None
    assert result.category_applied_input_types["self-harm"] == ["text", "image"]
    legacy = ModerationResponse.model_validate_json(fixture_bytes("moderations_legacy_nulls.json"))
    assert legacy.results[0].categories.illicit is None


def test_search_results_are_kept_as_sent() -> None:
    tavily = SearchResponse.model_validate_json(fixture_bytes("search_tavily.json"))
    assert tavily.engine == "tavily"
    assert tavily.result["answer"].startswith("Recent advances")
    google = SearchResponse.model_validate_json(fixture_bytes("search_google.json"))
    assert google.result["items"][0]["link"] == "https://example.com/python"


def test_base64_embeddings_are_decoded_as_little_endian_float32() -> None:
    expected = [0.0023064255, -0.009327292, -0.0028842222, 0.5, -1.25, 3.0e-7]
    response = EmbeddingResponse.model_validate_json(fixture_bytes("embeddings_base64.json"))
    vector = response.data[0].embedding
    assert vector == list(struct.unpack("<6f", struct.pack("<6f", *expected)))
    assert vector == pytest.approx(expected, rel=1e-6)
    floats = EmbeddingResponse.model_validate_json(fixture_bytes("embeddings_float.json"))
    assert floats.vectors == [expected[:3], expected[3:]]


def test_raw_base64_embeddings_are_kept_or_encoded() -> None:
    raw = Base64EmbeddingResponse.model_validate_json(fixture_bytes("embeddings_base64.json"))
    sent = fixture_json("embeddings_base64.json")["data"][0]["embedding"]
    assert raw.data[0].embedding == sent
    assert raw.data[0].floats()[3] == 0.5
    # A provider that ignores encoding_format sends floats: the caller still gets base64.
    floats = Base64EmbeddingResponse.model_validate_json(fixture_bytes("embeddings_float.json"))
    decoded = base64.b64decode(floats.data[1].embedding)
    assert struct.unpack("<3f", decoded) == pytest.approx((0.5, -1.25, 3.0e-7))


def test_bad_base64_embedding_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not base64 float32"):
        EmbeddingResponse.model_validate({"data": [{"embedding": "AAAA=="}]})


def test_usage_only_chunk_and_null_choices() -> None:
    chunk = ChatCompletionChunk.model_validate(
        {"id": "x", "object": "chat.completion.chunk", "choices": None, "usage": None}
    )
    assert chunk.choices == []
