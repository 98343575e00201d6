"""Chat and legacy completions (and edits) against the local server, each test body run sync
and async: answers, tool calls, streams that add up to the whole answer, faults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from r9s import errors
from r9s.models import ChatCompletion, ChatCompletionChunk, Completion, CompletionChunk
from r9s.testing import LocalServer
from tests.support.twins import Twin, streamed

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
USER = {"role": "user", "content": "one two three"}


def essence(completion: Any) -> list[tuple[Any, ...]]:
    """What a streamed and a whole answer must agree on, choice by choice."""
    if isinstance(completion, Completion):
        return [(c.index, c.finish_reason, c.text) for c in completion.choices]
    return [
        (
            c.index,
            c.finish_reason,
            c.message.role,
            c.message.content,
            c.message.tool_calls,
            c.message.reasoning_content,
        )
        for c in completion.choices
    ]


def test_chat(r9s: Twin, server: LocalServer) -> None:
    completion = r9s.chat.create(model="gpt-4o-mini", messages=[USER], temperature=0.2)
    assert isinstance(completion, ChatCompletion)
    assert completion.text == "Echo: one two three"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens > 0
    sent = server.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.json == {"model": "gpt-4o-mini", "messages": [USER], "temperature": 0.2}


def test_chat_answer_sent_back_as_the_next_turn(r9s: Twin, server: LocalServer) -> None:
    first = r9s.chat.create(model="gpt-4o-mini", messages=[USER])
    follow = {"role": "user", "content": "four"}
    second = r9s.chat.create(model="gpt-4o-mini", messages=[USER, first.choices[0].message, follow])
    assert second.text == "Echo: four"
    assert server.requests[-1].json["messages"][1] == {
        "role": "assistant",
        "content": "Echo: one two three",
        "refusal": None,
        "annotations": [],
    }


def test_chat_tool_round_trip(r9s: Twin) -> None:
    asked = r9s.chat.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Paris"}],
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    message = asked.choices[0].message
    assert asked.choices[0].finish_reason == "tool_calls"
    assert message.content is None and message.tool_calls
    call_ = message.tool_calls[0]
    assert call_.function.name == "get_weather"
    assert isinstance(json.loads(call_.function.arguments), dict)
    answered = r9s.chat.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "user", "content": "Paris"},
            message,
            {"role": "tool", "tool_call_id": call_.id, "content": "sunny"},
        ],
        tools=[WEATHER],
    )
    assert "sunny" in answered.text


def test_chat_stream_adds_up_to_the_plain_answer(r9s: Twin) -> None:
    params: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [USER], "n": 2}
    plain = r9s.chat.create(**params)
    items, text, final = streamed(r9s.chat.create, **params, stream_options={"include_usage": True})
    assert all(isinstance(item, ChatCompletionChunk) for item in items)
    assert items[-1].choices == [] and items[-1].usage is not None
    assert text == "Echo: one two three"
    assert len(final.choices) == 2
    assert essence(final) == essence(plain)
    assert final.usage == plain.usage


def test_chat_stream_reassembles_tool_calls(r9s: Twin) -> None:
    params: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Weather in Paris and Tokyo"}],
        "tools": [WEATHER],
        "tool_choice": "required",
    }
    plain = r9s.chat.create(**params)
    items, text, final = streamed(r9s.chat.create, **params)
    assert text == ""
    pieces = [c for item in items for ch in item.choices for c in ch.delta.tool_calls or []]
    assert len(pieces) > len(plain.choices[0].message.tool_calls)  # really split
    assert final.choices[0].message.tool_calls == plain.choices[0].message.tool_calls
    assert final.choices[0].finish_reason == "tool_calls"


def test_chat_reasoning_content_streamed_and_whole(r9s: Twin) -> None:
    params: dict[str, Any] = {"model": "o3", "messages": [USER], "reasoning_effort": "high"}
    plain = r9s.chat.create(**params)
    _, _, final = streamed(r9s.chat.create, **params)
    reasoning = plain.choices[0].message.reasoning_content
    assert reasoning
    assert final.choices[0].message.reasoning_content == reasoning
    assert final.text == plain.text


def test_chat_error_event_mid_stream(r9s: Twin) -> None:
    faulty = {"X-R9S-Fault": "stream_error=2"}
    with pytest.raises(errors.APIStatusError):
        streamed(r9s.chat.create, model="gpt-4o-mini", messages=[USER], http_headers=faulty)


def test_chat_connection_dropped_mid_stream(r9s: Twin) -> None:
    faulty = {"X-R9S-Fault": "drop=mid_stream;after=3"}
    with pytest.raises((errors.APIConnectionError, errors.IncompleteStreamError)):
        streamed(r9s.chat.create, model="gpt-4o-mini", messages=[USER], http_headers=faulty)


def test_chat_unknown_model(r9s: Twin) -> None:
    with pytest.raises(errors.NotFoundError):
        r9s.chat.create(model="no-such-model", messages=[USER])


@pytest.mark.parametrize(
    ("prompt", "texts"),
    [
        ("one two", ["Echo: one two"]),
        (["a b", "c d"], ["Echo: a b", "Echo: c d"]),
        ([1, 2, 3], ["Echo: 1 2 3"]),
        ([[1, 2], [3]], ["Echo: 1 2", "Echo: 3"]),
    ],
    ids=["string", "strings", "tokens", "token-lists"],
)
def test_completion_prompts(r9s: Twin, prompt: Any, texts: list[str]) -> None:
    completion = r9s.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt)
    assert isinstance(completion, Completion)
    assert completion.object == "text_completion"
    assert [choice.text for choice in completion.choices] == texts


def test_completion_stream(r9s: Twin) -> None:
    params: dict[str, Any] = {"model": "gpt-3.5-turbo-instruct", "prompt": ["a b", "c"]}
    plain = r9s.completions.create(**params)
    items, text, final = streamed(
        r9s.completions.create, **params, stream_options={"include_usage": True}
    )
    assert all(isinstance(item, CompletionChunk) for item in items)
    assert text == "Echo: a b"
    assert essence(final) == essence(plain)
    assert final.usage == plain.usage


def test_edit(r9s: Twin, server: LocalServer) -> None:
    edit = r9s.edits.create(
        model="gpt-4o-mini",
        input="What day of the wek is it?",
        instruction="Fix the spelling mistakes",
        n=2,
    )
    assert [choice.text for choice in edit.choices] == ["Echo: What day of the wek is it?"] * 2
    assert server.requests[-1].path == "/v1/edits"
