"""The chat stream accumulator: tool calls split anywhere reassemble exactly, parallel
calls interleave, and the final completion carries everything the chunks said."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings, strategies as st

from r9s._streams._choices import merge_extra
from r9s._streams.chat import CHAT_STREAM, ChatCompletionAccumulator, chunk_text
from r9s.models.chat import ChatCompletionChunk
from tests.support.text_fixtures import replay

HEAD = {"id": "chatcmpl-h", "object": "chat.completion.chunk", "created": 1, "model": "m"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
arguments = st.dictionaries(st.text(min_size=1), json_values, max_size=5).map(json.dumps)


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({0, len(text), *(cut % (len(text) + 1) for cut in cuts)})
    return [text[a:b] for a, b in zip(points, points[1:], strict=False)]


def chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0) -> dict[str, Any]:
    return {**HEAD, "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}


def tool_piece(index: int, arguments: str, *, first: bool, call_id: str, name: str) -> Any:
    piece: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if first:
        piece.update(id=call_id, type="function")
        piece["function"]["name"] = name
    return chunk({"tool_calls": [piece]})


def accumulate(chunks: list[dict[str, Any]]) -> Any:
    accumulator = ChatCompletionAccumulator()
    for item in chunks:
        accumulator.add(ChatCompletionChunk.model_validate(item))
    return accumulator.result()


@settings(max_examples=200, deadline=None)
@given(
    args0=arguments,
    args1=arguments,
    cuts0=st.lists(st.integers(min_value=0), max_size=30),
    cuts1=st.lists(st.integers(min_value=0), max_size=30),
    order=st.lists(st.booleans(), max_size=80),
)
def test_any_split_of_two_interleaved_calls_reassembles_exactly(
    args0: str, args1: str, cuts0: list[int], cuts1: list[int], order: list[bool]
) -> None:
    pieces = {0: split(args0, cuts0), 1: split(args1, cuts1)}
    sent = {0: 0, 1: 0}
    chunks = [chunk({"role": "assistant", "content": None})]

    def send(index: int) -> None:
        position = sent[index]
        name = "first_tool" if index == 0 else "second_tool"
        chunks.append(
            tool_piece(
                index,
                pieces[index][position],
                first=position == 0,
                call_id=f"call_{index}",
                name=name,
            )
        )
        sent[index] += 1

    # The first fragment of each call comes first (it carries the id); after that the
    # two calls' fragments alternate in any order, as parallel calls may.
    send(0)
    send(1)
    for pick in order:
        index = int(pick)
        if sent[index] < len(pieces[index]):
            send(index)
    for index in (0, 1):
        while sent[index] < len(pieces[index]):
            send(index)
    chunks.append(chunk({}, "tool_calls"))

    message = accumulate(chunks).choices[0].message
    calls = message.tool_calls
    assert [call.id for call in calls] == ["call_0", "call_1"]
    assert [call.function.name for call in calls] == ["first_tool", "second_tool"]
    assert calls[0].function.arguments == args0
    assert calls[1].function.arguments == args1
    assert json.loads(calls[1].function.arguments) == json.loads(args1)
    assert message.content is None


@settings(max_examples=100, deadline=None)
@given(
    args=arguments, cuts=st.lists(st.integers(min_value=0), max_size=40), step=st.integers(1, 64)
)
def test_the_same_through_the_event_stream_decoder(args: str, cuts: list[int], step: int) -> None:
    pieces = split(args, cuts)
    chunks = [
        tool_piece(0, piece, first=i == 0, call_id="call_x", name="f")
        for i, piece in enumerate(pieces)
    ]
    chunks.append(chunk({}, "tool_calls"))
    raw = "".join(f"data: {json.dumps(item)}\n\n" for item in chunks) + "data: [DONE]\n\n"
    items, final = replay(CHAT_STREAM, raw.encode(), step=step)
    assert len(items) == len(chunks)
    assert final.choices[0].message.tool_calls[0].function.arguments == args
    assert final.choices[0].finish_reason == "tool_calls"


def test_id_and_name_come_from_the_first_fragment_even_if_repeated() -> None:
    chunks = [
        chunk({"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f"}}]}),
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{}"}}
                ]
            }
        ),
    ]
    call = accumulate(chunks).choices[0].message.tool_calls[0]
    assert (call.id, call.type, call.function.name, call.function.arguments) == (
        "call_1",
        "function",
        "f",
        "{}",
    )


def test_usage_chunk_head_fields_and_unknown_finish_reason() -> None:
    chunks = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hi"}),
        chunk({}, "end_turn"),
        {
            **HEAD,
            "choices": [],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
        },
    ]
    final = accumulate(chunks)
    assert (final.id, final.model, final.created, final.object) == (
        "chatcmpl-h",
        "m",
        1,
        "chat.completion",
    )
    assert final.text == "Hi"
    assert final.choices[0].finish_reason == "end_turn"
    assert final.usage is not None and final.usage.total_tokens == 4


def test_empty_content_deltas_give_empty_string_not_none() -> None:
    final = accumulate([chunk({"role": "assistant", "content": ""}), chunk({}, "stop")])
    assert final.choices[0].message.content == ""


def test_vendor_delta_extras_are_folded() -> None:
    final = accumulate(
        [
            chunk({"content": "a", "reasoning": "thinking "}),
            chunk({"content": "b", "reasoning": "hard", "reasoning_details": [{"n": 1}]}),
            chunk({"reasoning_details": [{"n": 2}], "audio": {"id": "au_1", "transcript": "x"}}),
            chunk({"audio": {"transcript": "y", "data": "AAA"}}),
        ]
    )
    message = final.choices[0].message
    assert message.content == "ab"
    assert message.reasoning == "thinking hard"
    assert message.reasoning_details == [{"n": 1}, {"n": 2}]
    assert message.audio is not None and message.audio.transcript == "xy"


def test_logprobs_are_joined() -> None:
    def lp(token: str) -> dict[str, Any]:
        return {"content": [{"token": token, "logprob": -0.5, "bytes": None, "top_logprobs": []}]}

    chunks = [
        {**HEAD, "choices": [{"index": 0, "delta": {"content": t}, "logprobs": lp(t)}]}
        for t in ("a", "b")
    ]
    logprobs = accumulate(chunks).choices[0].logprobs
    assert [entry.token for entry in logprobs.content] == ["a", "b"]


def test_snapshot_can_be_taken_any_time() -> None:
    accumulator = ChatCompletionAccumulator()
    assert accumulator.result().choices == []
    assert accumulator.text() == ""
    accumulator.add(ChatCompletionChunk.model_validate(chunk({"content": "x"})))
    assert accumulator.result().text == "x"
    accumulator.add(ChatCompletionChunk.model_validate(chunk({"content": "y"})))
    assert accumulator.text() == "xy"


def test_text_of_a_chunk_is_the_first_choice_only() -> None:
    other = ChatCompletionChunk.model_validate(chunk({"content": "no"}, index=1))
    first = ChatCompletionChunk.model_validate(chunk({"content": "yes"}))
    assert chunk_text(other) is None
    assert chunk_text(first) == "yes"


def test_merge_extra_rules() -> None:
    target: dict[str, Any] = {}
    merge_extra(
        target, {"s": "a", "l": [1], "d": {"x": "1"}, "n": 1, "z": None, "obfuscation": "q"}
    )
    merge_extra(target, {"s": "b", "l": [2], "d": {"x": "2", "y": 3}, "n": 2})
    assert target == {"s": "ab", "l": [1, 2], "d": {"x": "12", "y": 3}, "n": 2}


def test_the_completion_accumulator_shares_head_usage_and_extras_handling() -> None:
    from r9s._streams.completions import CompletionAccumulator
    from r9s.models.completions import CompletionChunk

    chunks = [
        {"id": "", "model": "", "created": 0, "choices": [{"index": 0, "text": "Hel"}]},
        {
            "id": "cmpl-1",
            "model": "gpt-3.5-turbo-instruct",
            "created": 5,
            "provider": "vendor",
            "choices": [{"index": 0, "text": "lo", "finish_reason": "stop", "stop_reason": 7}],
        },
        {"id": "cmpl-1", "choices": [], "usage": {"prompt_tokens": 1, "total_tokens": 3}},
    ]
    accumulator = CompletionAccumulator()
    for chunk in chunks:
        accumulator.add(CompletionChunk.model_validate(chunk))
    final: dict[str, Any] = accumulator.result().to_dict()
    assert (final["id"], final["model"], final["created"]) == (
        "cmpl-1",
        "gpt-3.5-turbo-instruct",
        5,
    )
    assert final["provider"] == "vendor"  # vendor fields kept, as the chat accumulator does
    choice = final["choices"][0]
    assert (choice["text"], choice["finish_reason"], choice["stop_reason"]) == ("Hello", "stop", 7)
    assert final["usage"]["total_tokens"] == 3
    assert accumulator.text() == "Hello"
