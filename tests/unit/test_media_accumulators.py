"""The message and response accumulators: tool-call JSON split anywhere, interleaved
blocks, snapshots mid-stream, and results assembled when a server leaves them out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from r9s import errors
from r9s._streams.messages import SPEC as MESSAGE_SPEC, MessageAccumulator
from r9s._streams.responses import SPEC as RESPONSE_SPEC, ResponseAccumulator
from r9s.models import messages, responses
from r9s.models.messages import MESSAGE_STREAM_EVENT
from r9s.models.responses import decode_event
from tests.support.streams import decode_stream

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
JSON_OBJECTS = st.dictionaries(st.text(), JSON_VALUES, max_size=5)


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in zip(points, points[1:], strict=False)]


def sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def message_events(pieces_by_block: dict[int, list[str]], order: list[int]) -> list[dict[str, Any]]:
    """A message stream with one tool_use block per key, deltas sent in ``order`` (block
    numbers; each takes that block's next piece)."""
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 3}}}
    ]
    for index in pieces_by_block:
        block = {"type": "tool_use", "id": f"t{index}", "name": "f", "input": {}}
        events.append({"type": "content_block_start", "index": index, "content_block": block})
    queues = {index: list(pieces) for index, pieces in pieces_by_block.items()}
    for index in order:
        if queues[index]:
            piece = queues[index].pop(0)
            delta = {"type": "input_json_delta", "partial_json": piece}
            events.append({"type": "content_block_delta", "index": index, "delta": delta})
    for index, rest in queues.items():
        for piece in rest:
            delta = {"type": "input_json_delta", "partial_json": piece}
            events.append({"type": "content_block_delta", "index": index, "delta": delta})
        events.append({"type": "content_block_stop", "index": index})
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 9},
        }
    )
    events.append({"type": "message_stop"})
    return events


@settings(max_examples=150, deadline=None)
@given(
    value=JSON_OBJECTS, cuts=st.lists(st.integers(0, 400), max_size=30), chunk=st.integers(1, 64)
)
def test_any_split_of_tool_input_json_gives_the_same_input(
    value: dict[str, Any], cuts: list[int], chunk: int
) -> None:
    raw = json.dumps(value, ensure_ascii=bool(chunk % 2))
    body = sse(message_events({0: split(raw, cuts)}, []))
    _, decoder = decode_stream(MESSAGE_SPEC, body, chunk_size=chunk)
    assert decoder.accumulator is not None
    (block,) = decoder.accumulator.result().content
    assert isinstance(block, messages.ToolUseBlock)
    assert block.input == value


@settings(max_examples=100, deadline=None)
@given(
    first=JSON_OBJECTS,
    second=JSON_OBJECTS,
    cuts=st.lists(st.integers(0, 200), max_size=12),
    order=st.lists(st.sampled_from([0, 1]), max_size=40),
)
def test_interleaved_tool_calls_reassemble_by_index(
    first: dict[str, Any], second: dict[str, Any], cuts: list[int], order: list[int]
) -> None:
    pieces = {0: split(json.dumps(first), cuts), 1: split(json.dumps(second), cuts[::-1])}
    accumulator = MessageAccumulator()
    for event in message_events(pieces, order):
        accumulator.add(MESSAGE_STREAM_EVENT.validate_python(event))
    one, two = accumulator.result().content
    assert isinstance(one, messages.ToolUseBlock) and isinstance(two, messages.ToolUseBlock)
    assert (one.input, two.input) == (first, second)
    assert (one.id, two.id) == ("t0", "t1")


def test_empty_tool_input_is_an_empty_object() -> None:
    accumulator = MessageAccumulator()
    for event in message_events({0: [""], 1: []}, []):
        accumulator.add(MESSAGE_STREAM_EVENT.validate_python(event))
    first, second = accumulator.result().content
    assert isinstance(first, messages.ToolUseBlock) and first.input == {}
    assert isinstance(second, messages.ToolUseBlock) and second.input == {}
    assert "input" in second.model_dump(exclude_unset=True)  # sent back, it is complete


def test_a_snapshot_mid_stream_has_partial_input_as_empty_and_does_not_raise() -> None:
    accumulator = MessageAccumulator()
    events = message_events({0: ['{"city": "Pa', 'ris"}']}, [])
    for event in events[:3]:  # start, block start, the first half of the JSON
        accumulator.add(MESSAGE_STREAM_EVENT.validate_python(event))
    (block,) = accumulator.result().content
    assert isinstance(block, messages.ToolUseBlock) and block.input == {}
    for event in events[3:]:
        accumulator.add(MESSAGE_STREAM_EVENT.validate_python(event))
    (block,) = accumulator.result().content
    assert isinstance(block, messages.ToolUseBlock) and block.input == {"city": "Paris"}


def test_malformed_input_json_in_a_finished_block_is_an_error() -> None:
    accumulator = MessageAccumulator()
    for event in message_events({0: ['{"city": ', "}"]}, []):
        accumulator.add(MESSAGE_STREAM_EVENT.validate_python(event))
    with pytest.raises(errors.ResponseValidationError, match="tool call 'f'"):
        accumulator.result()


def test_usage_merges_input_from_start_and_output_from_delta() -> None:
    accumulator = MessageAccumulator()
    start = {
        "type": "message_start",
        "message": {
            "id": "m",
            "usage": {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 1},
        },
    }
    accumulator.add(MESSAGE_STREAM_EVENT.validate_python(start))
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn"},
        "usage": {"output_tokens": 7},
    }
    accumulator.add(MESSAGE_STREAM_EVENT.validate_python(delta))
    usage = accumulator.result().usage
    assert (usage.input_tokens, usage.cache_read_input_tokens, usage.output_tokens) == (10, 5, 7)


def test_deltas_without_a_block_start_still_accumulate() -> None:
    accumulator = MessageAccumulator()
    for event in [
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "hm"},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "sig"},
        },
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "hi"}},
    ]:
        accumulator.add(MESSAGE_STREAM_EVENT.validate_python(event))
    thinking, text = accumulator.result().content
    assert isinstance(thinking, messages.ThinkingBlock)
    assert (thinking.thinking, thinking.signature) == ("hm", "sig")
    assert isinstance(text, messages.TextBlock) and text.text == "hi"


def test_a_message_stream_without_message_stop_is_incomplete() -> None:
    body = sse(message_events({0: ["{}"]}, [])[:-1])
    with pytest.raises(errors.IncompleteStreamError):
        decode_stream(MESSAGE_SPEC, body)


# -- responses ------------------------------------------------------------------------------


def function_call_events(pieces: list[str], *, completed: str) -> list[dict[str, Any]]:
    item = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "f",
        "arguments": "",
    }
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": "r", "status": "in_progress"}},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
    ]
    for piece in pieces:
        events.append(
            {
                "type": "response.function_call_arguments.delta",
                "output_index": 0,
                "item_id": "fc_1",
                "delta": piece,
            }
        )
    if completed == "full":
        done = {**item, "arguments": "".join(pieces), "status": "completed"}
        response = {"id": "r", "status": "completed", "output": [done]}
        events.append({"type": "response.completed", "response": response})
    elif completed == "empty-output":
        events.append(
            {
                "type": "response.completed",
                "response": {"id": "r", "status": "completed", "output": []},
            }
        )
    return events


@settings(max_examples=100, deadline=None)
@given(
    value=JSON_OBJECTS,
    cuts=st.lists(st.integers(0, 300), max_size=20),
    completed=st.sampled_from(["full", "empty-output", "none"]),
)
def test_function_call_arguments_reassemble_with_or_without_the_completed_response(
    value: dict[str, Any], cuts: list[int], completed: str
) -> None:
    raw = json.dumps(value)
    accumulator = ResponseAccumulator()
    for event in function_call_events(split(raw, cuts), completed=completed):
        accumulator.add(decode_event(event))
    final = accumulator.result()
    (call,) = final.output
    assert isinstance(call, responses.ResponseFunctionToolCall)
    assert json.loads(call.arguments) == value and call.call_id == "call_1"
    assert final.status == ("in_progress" if completed == "none" else "completed")


def test_text_is_assembled_from_parts_when_the_final_response_has_no_output() -> None:
    events = [
        {"type": "response.created", "response": {"id": "r"}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"type": "message", "id": "m"},
        },
        {
            "type": "response.content_part.added",
            "output_index": 0,
            "content_index": 0,
            "part": {"type": "output_text", "text": ""},
        },
        {
            "type": "response.output_text.delta",
            "output_index": 0,
            "content_index": 0,
            "delta": "Hel",
        },
        {
            "type": "response.output_text.delta",
            "output_index": 0,
            "content_index": 0,
            "delta": "lo",
        },
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {"type": "reasoning", "id": "rs"},
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 1,
            "summary_index": 0,
            "delta": "why",
        },
        {
            "type": "response.completed",
            "response": {"id": "r", "status": "completed", "output": []},
        },
    ]
    accumulator = ResponseAccumulator()
    for event in events:
        accumulator.add(decode_event(event))
    final = accumulator.result()
    assert final.output_text == "Hello" and accumulator.text() == "Hello"
    reasoning = final.output[1]
    assert isinstance(reasoning, responses.ResponseReasoningItem)
    assert isinstance(reasoning.summary, list) and reasoning.summary[0].text == "why"


def test_done_text_wins_over_the_deltas() -> None:
    events = [
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"type": "message", "id": "m"},
        },
        {
            "type": "response.output_text.delta",
            "output_index": 0,
            "content_index": 0,
            "delta": "Hel",
        },
        {
            "type": "response.output_text.done",
            "output_index": 0,
            "content_index": 0,
            "text": "Hello",
        },
    ]
    accumulator = ResponseAccumulator()
    for event in events:
        accumulator.add(decode_event(event))
    assert accumulator.result().output_text == "Hello"


def test_a_response_stream_without_its_terminal_event_or_done_is_incomplete() -> None:
    body = sse(function_call_events(["{}"], completed="none"))
    with pytest.raises(errors.IncompleteStreamError):
        decode_stream(RESPONSE_SPEC, body)
