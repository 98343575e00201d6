"""Wire-realistic payloads (tests/fixtures, written from the documented formats) decode
without error, keep what the SDK does not model, and fold into the right final result."""

from __future__ import annotations

import base64
import json

import pytest

from r9s import errors
from r9s._streams import (
    images as image_streams,
    messages as message_streams,
    responses as response_streams,
)
from r9s.models import audio, images, messages, responses
from tests.support.models import extra
from tests.support.streams import decode_stream, fixture_bytes

# -- Anthropic ------------------------------------------------------------------------------


def test_message_with_thinking_tools_and_server_tool_blocks() -> None:
    body = fixture_bytes("anthropic/message_thinking_tools.json")
    message = messages.AnthropicMessage.model_validate_json(body)
    kinds = [type(block).__name__ for block in message.content]
    assert kinds == [
        "ThinkingBlock",
        "RedactedThinkingBlock",
        "TextBlock",
        "ToolUseBlock",
        "UnknownBlock",
        "UnknownBlock",
    ]
    thinking, redacted, text, tool, server_tool, result = message.content
    assert isinstance(thinking, messages.ThinkingBlock) and thinking.signature
    assert isinstance(redacted, messages.RedactedThinkingBlock) and redacted.data
    assert isinstance(tool, messages.ToolUseBlock)
    assert tool.input == {"location": "Paris, France", "unit": "celsius"}
    assert extra(tool, "caller") == {"type": "direct"}  # an extra field, kept
    assert isinstance(server_tool, messages.UnknownBlock)
    assert isinstance(result, messages.UnknownBlock)
    assert server_tool.type == "server_tool_use" and extra(server_tool, "input") == {
        "query": "Paris weather today"
    }
    assert extra(result, "content")[0]["url"] == "https://example.org/paris"
    assert message.text == "I'll check the current weather in Paris for you."
    assert message.usage.cache_read_input_tokens == 2048
    assert extra(message.usage, "server_tool_use") == {"web_search_requests": 1}
    assert message.stop_reason == "tool_use"
    assert json.loads(message.model_dump_json(exclude_unset=True)) == json.loads(body)


def test_message_with_nulls_and_no_content() -> None:
    message = messages.AnthropicMessage.model_validate_json(
        fixture_bytes("anthropic/message_refusal_nulls.json")
    )
    assert message.content == [] and message.stop_reason == "refusal"
    assert message.usage.cache_creation_input_tokens is None
    assert extra(message, "stop_details") == {"type": "refusal", "category": None}


@pytest.mark.parametrize("chunk_size", [None, 1, 7, 100])
def test_message_stream_rebuilds_thinking_text_and_tool_calls(chunk_size: int | None) -> None:
    body = fixture_bytes("anthropic/stream_thinking_tools.sse")
    items, decoder = decode_stream(message_streams.SPEC, body, chunk_size=chunk_size)
    assert decoder.accumulator is not None
    final = decoder.accumulator.result()
    assert not any(isinstance(item, messages.PingEvent) for item in items)
    assert isinstance(items[-1], messages.MessageStopEvent)
    unknown = [item for item in items if isinstance(item, messages.UnknownMessageEvent)]
    assert [u.type for u in unknown] == ["message_annotation"]
    assert extra(unknown[0], "note") == "ignored but kept"
    deltas = [item.delta for item in items if isinstance(item, messages.ContentBlockDeltaEvent)]
    assert any(isinstance(d, messages.UnknownDelta) and d.type == "future_delta" for d in deltas)

    thinking, text, tool, no_args, server_tool, search_result = final.content
    assert isinstance(thinking, messages.ThinkingBlock)
    assert thinking.thinking == (
        "The user asks about the weather in San Francisco. I'll use get_weather;"
        " fahrenheit is usual there."
    )
    assert thinking.signature is not None and thinking.signature.startswith("EqQBCgIYAh")
    assert isinstance(text, messages.TextBlock)
    assert text.text == "Let me check the weather for San Francisco, CA."
    assert isinstance(tool, messages.ToolUseBlock) and tool.name == "get_weather"
    expected = json.loads(fixture_bytes("anthropic/stream_thinking_tools.expected_input.json"))
    assert tool.input == expected
    assert isinstance(no_args, messages.ToolUseBlock) and no_args.input == {}
    assert server_tool.type == "server_tool_use"
    assert server_tool.input == {"query": "San Francisco weather"}
    assert search_result.type == "web_search_tool_result" and search_result.content
    assert final.id == "msg_01Bq9w938a90dw8q" and final.model.startswith("claude-sonnet")
    assert final.stop_reason == "tool_use" and final.stop_sequence is None
    usage = final.usage
    assert (usage.input_tokens, usage.output_tokens) == (1021, 212)
    assert (usage.cache_creation_input_tokens, usage.cache_read_input_tokens) == (1500, 3000)
    assert usage.service_tier == "standard"
    assert decoder.accumulator.text() == text.text


def test_interleaved_text_and_tool_use_blocks_accumulate_by_index() -> None:
    items, decoder = decode_stream(
        message_streams.SPEC, fixture_bytes("anthropic/stream_interleaved.sse"), chunk_size=13
    )
    assert decoder.accumulator is not None
    final = decoder.accumulator.result()
    assert [block.type for block in final.content] == ["text", "tool_use", "text", "tool_use"]
    first, call_a, second, call_b = final.content
    assert isinstance(first, messages.TextBlock) and first.text == "First text."
    assert isinstance(second, messages.TextBlock) and second.text == "Second text."
    assert isinstance(call_a, messages.ToolUseBlock) and call_a.input == {"q": "a"}
    assert isinstance(call_b, messages.ToolUseBlock) and call_b.input == {"q": "b"}
    assert (call_a.id, call_b.id) == ("toolu_a", "toolu_b")
    assert decoder.accumulator.text() == "First text.Second text."
    assert final.usage.input_tokens == 50 and final.usage.output_tokens == 40


def test_redacted_thinking_is_kept_and_the_stop_sequence_reported() -> None:
    _, decoder = decode_stream(
        message_streams.SPEC, fixture_bytes("anthropic/stream_redacted_stop_sequence.sse")
    )
    assert decoder.accumulator is not None
    final = decoder.accumulator.result()
    redacted, text = final.content
    assert isinstance(redacted, messages.RedactedThinkingBlock)
    assert redacted.data.startswith("EmwKAhgB")
    assert final.stop_reason == "stop_sequence" and final.stop_sequence == "\n3."


def test_an_error_event_raises_its_typed_error_after_the_events_before_it() -> None:
    from r9s._streaming import EventDecoder
    from tests.support.streams import RESPONSE

    decoder = EventDecoder(message_streams.SPEC, RESPONSE)
    body = fixture_bytes("anthropic/stream_error_overloaded.sse")
    head, _, tail = body.partition(b"event: error")
    assert len(decoder.feed(head)) == 3
    with pytest.raises(errors.ServiceUnavailableError) as caught:
        decoder.feed(b"event: error" + tail)
    assert caught.value.status_code == 529 and caught.value.message == "Overloaded"


# -- Responses ------------------------------------------------------------------------------


def test_response_with_reasoning_web_search_and_citations() -> None:
    body = fixture_bytes("responses/response_reasoning_web_search.json")
    response = responses.Response.model_validate_json(body)
    reasoning, search, message = response.output
    assert isinstance(reasoning, responses.ResponseReasoningItem)
    assert isinstance(reasoning.summary, list) and "Checking" in reasoning.summary[0].text
    assert isinstance(search, responses.ResponseFunctionWebSearch)
    assert search.action == {"type": "search", "query": "positive news today", "sources": None}
    assert isinstance(message, responses.ResponseOutputMessage)
    assert response.output_text == "A small town planted 10,000 trees this week."
    assert response.temperature is None and response.instructions is None
    assert response.tools[0].type == "web_search"
    assert response.usage is not None and response.usage.output_tokens_details is not None
    assert response.usage.output_tokens_details.reasoning_tokens == 448
    assert extra(response, "conversation") is None  # an extra field, kept


def test_response_with_unknown_items_and_parts() -> None:
    body = fixture_bytes("responses/response_incomplete_unknown_items.json")
    response = responses.Response.model_validate_json(body)
    generated, message, call, reasoning = response.output
    assert isinstance(generated, responses.UnknownOutputItem)
    assert (
        generated.type == "image_generation_call" and extra(generated, "result") == "iVBORw0KGgo="
    )
    assert isinstance(message, responses.ResponseOutputMessage)
    refusal, text, unknown = message.content
    assert isinstance(refusal, responses.ResponseOutputRefusal) and refusal.refusal
    assert isinstance(unknown, responses.UnknownContentPart) and extra(unknown, "text") == "hmm"
    assert response.output_text == "Partial"
    assert isinstance(call, responses.ResponseFunctionToolCall) and call.arguments == "{}"
    assert isinstance(reasoning, responses.ResponseReasoningItem)
    assert reasoning.encrypted_content == "gAAAAABo_encrypted"
    assert response.service_tier == "flex" and response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert extra(response, "vendor_extra") == {"router": "r9s", "upstream": "azure"}


@pytest.mark.parametrize("chunk_size", [None, 1, 50])
def test_response_stream_final_is_the_completed_response(chunk_size: int | None) -> None:
    body = fixture_bytes("responses/stream_reasoning_web_search_text.sse")
    items, decoder = decode_stream(response_streams.SPEC, body, chunk_size=chunk_size)
    assert decoder.accumulator is not None
    final = decoder.accumulator.result()
    completed = items[-1]
    assert isinstance(completed, responses.ResponseCompletedEvent)
    assert final == completed.response and final.status == "completed"
    assert final.output_text == "A small town planted 10,000 trees this week."
    assert decoder.accumulator.text() == final.output_text
    assert [item.sequence_number for item in items] == list(range(len(items)))
    unknown = {item.type for item in items if isinstance(item, responses.UnknownResponseEvent)}
    assert unknown == {
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_part.done",
        "response.web_search_call.in_progress",
        "response.web_search_call.searching",
        "response.web_search_call.completed",
        "response.output_text.annotation.added",
    }
    added = [i for i in items if isinstance(i, responses.ResponseOutputItemAddedEvent)]
    assert [(a.output_index, a.item.type) for a in added] == [
        (0, "reasoning"),
        (1, "web_search_call"),
        (2, "message"),
    ]


def test_response_stream_function_call_arguments() -> None:
    body = fixture_bytes("responses/stream_function_call.sse")
    items, decoder = decode_stream(response_streams.SPEC, body, chunk_size=3)
    assert decoder.accumulator is not None
    final = decoder.accumulator.result()
    (call,) = final.output
    assert isinstance(call, responses.ResponseFunctionToolCall)
    expected = fixture_bytes("responses/stream_function_call.expected_arguments.json").decode()
    assert call.arguments == expected.strip()
    assert call.call_id == "call_unLAR8MvFNptuiZK6K6HCy5k"
    deltas = "".join(
        i.delta for i in items if isinstance(i, responses.ResponseFunctionCallArgumentsDeltaEvent)
    )
    assert deltas == call.arguments
    assert final.tools[0].name == "get_weather" and final.tools[0].strict is True


def test_spec_shaped_stream_ending_in_done_is_assembled() -> None:
    body = fixture_bytes("responses/stream_spec_shaped_done.sse")
    items, decoder = decode_stream(response_streams.SPEC, body)
    assert decoder.accumulator is not None
    final = decoder.accumulator.result()
    assert final.id == "resp_spec_1"
    assert final.output_text == "Hello, world"
    assert decoder.accumulator.text() == "Hello, world"
    added = items[1]
    assert isinstance(added, responses.ResponseOutputItemAddedEvent)
    assert added.item.id == "msg_spec_1"  # read from the spec's output_item


def test_failed_response_ends_the_stream_with_its_error() -> None:
    _, decoder = decode_stream(response_streams.SPEC, fixture_bytes("responses/stream_failed.sse"))
    assert decoder.accumulator is not None
    final = decoder.accumulator.result()
    assert final.status == "failed"
    assert final.error is not None and final.error.code == "server_error"


def test_error_event_in_a_response_stream_raises_by_its_code() -> None:
    with pytest.raises(errors.RateLimitError, match="Rate limit reached"):
        decode_stream(response_streams.SPEC, fixture_bytes("responses/stream_error_event.sse"))


# -- Images ---------------------------------------------------------------------------------


def test_image_responses() -> None:
    gpt = images.ImagesResponse.model_validate_json(
        fixture_bytes("images/generation_gpt_image.json")
    )
    assert gpt.data[0].data().startswith(b"\x89PNG")
    assert gpt.usage is not None and gpt.usage.total_tokens == 4210
    assert gpt.usage.input_tokens_details == {"image_tokens": 40, "text_tokens": 10}
    assert (gpt.quality, gpt.size, gpt.background) == ("high", "1024x1024", "opaque")
    dalle = images.ImagesResponse.model_validate_json(
        fixture_bytes("images/generation_dalle3_url.json")
    )
    assert dalle.data[0].url and dalle.data[0].revised_prompt and dalle.data[0].b64_json is None
    with pytest.raises(ValueError, match="b64_json"):
        dalle.data[0].data()
    qwen = images.ImagesResponse.model_validate_json(
        fixture_bytes("images/generation_qwen_usage.json")
    )
    assert qwen.usage is not None and (qwen.usage.width, qwen.usage.image_count) == (1328, 2)
    assert extra(qwen.data[1], "actual_prompt") == "x" and qwen.request_id == "7c1e6d8e-0000"


def test_image_stream_of_two_images_ends_without_done() -> None:
    body = fixture_bytes("images/stream_generation_two_images_no_done.sse")
    items, decoder = decode_stream(image_streams.SPEC, body, chunk_size=17)
    partials = [i for i in items if isinstance(i, images.ImageGenPartialImageEvent)]
    assert [p.partial_image_index for p in partials] == [0, 1, 0]
    assert decoder.accumulator is not None
    final = decoder.accumulator.result()
    assert [base64.b64decode(d.b64_json or "") for d in final.data] == [b"final-0", b"final-1"]
    assert final.usage is not None and final.usage.total_tokens == 284
    assert final.background == "transparent"


def test_image_edit_stream_and_spec_shaped_chunks() -> None:
    _, decoder = decode_stream(image_streams.SPEC, fixture_bytes("images/stream_edit_done.sse"))
    assert decoder.accumulator is not None
    assert [d.data() for d in decoder.accumulator.result().data] == [b"edited"]
    items, decoder = decode_stream(
        image_streams.SPEC, fixture_bytes("images/stream_spec_chunks.sse")
    )
    assert all(isinstance(i, images.ImageGenerationStreamEvent) for i in items)
    assert decoder.accumulator is not None
    final = decoder.accumulator.result()
    assert [d.data() for d in final.data] == [b"spec-final"]
    assert final.data[0].revised_prompt == "a cat"
    assert final.usage is not None and final.usage.image_tokens == 272


def test_image_stream_without_done_or_a_finished_image_is_incomplete() -> None:
    body = fixture_bytes("images/stream_generation_two_images_no_done.sse")
    first_event = body.split(b"\n\n")[0] + b"\n\n"
    with pytest.raises(errors.IncompleteStreamError):
        decode_stream(image_streams.SPEC, first_event)


# -- Audio ----------------------------------------------------------------------------------


def test_transcriptions() -> None:
    verbose = audio.Transcription.model_validate_json(
        fixture_bytes("audio/transcription_verbose.json")
    )
    assert verbose.words is not None and verbose.words[1].word == "beach"
    assert verbose.segments is not None and verbose.segments[0].tokens == [50364, 440, 7534, 50530]
    assert extra(verbose, "task") == "transcribe" and verbose.usage == {
        "type": "duration",
        "seconds": 9,
    }
    plain = audio.Transcription.model_validate_json(fixture_bytes("audio/transcription_gpt4o.json"))
    assert plain.text == "Hello, world." and extra(plain, "logprobs")[0]["token"] == "Hello"
