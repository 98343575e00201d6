"""Anthropic's Messages API against the local server, sync and async: answers, streams and
their helpers, tool use, faults."""

from __future__ import annotations

from typing import Any

import pytest

from r9s import errors
from r9s.models import (
    AnthropicMessage,
    MessageStartEvent,
    MessageStopEvent,
    MessageTokensCount,
    ThinkingBlock,
    ToolUseBlock,
)
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY, WEATHER
from tests.support.twins import Twin, drain, text_only

CLAUDE = "claude-sonnet-4-5"


def test_messages_create(r9s: Twin, server: LocalServer) -> None:
    message = r9s.messages.create(
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
    assert sent.headers["authorization"] == f"Bearer {API_KEY}" and "stream" not in sent.json


def test_count_tokens(r9s: Twin, server: LocalServer) -> None:
    turn = [{"role": "user", "content": "one two three"}]
    counted = r9s.messages.count_tokens(
        model=CLAUDE, messages=turn, system="Be brief.", tools=[WEATHER]
    )
    assert isinstance(counted, MessageTokensCount) and counted.input_tokens > 3  # with system
    sent = server.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/v1/messages/count_tokens")
    assert sent.json == {
        "model": CLAUDE,
        "messages": turn,
        "system": "Be brief.",
        "tools": [WEATHER],
    }
    assert r9s.messages.count_tokens(model=CLAUDE, messages=turn).input_tokens == 3
    # what the same messages take as input when sent
    reply = r9s.messages.create(
        model=CLAUDE, max_tokens=16, messages=turn, system="Be brief.", tools=[WEATHER]
    )
    assert reply.usage.input_tokens == counted.input_tokens
    with pytest.raises(TypeError, match="max_tokens"):  # not a count_tokens parameter
        r9s.messages.count_tokens(model=CLAUDE, messages=turn, max_tokens=16)
    with pytest.raises(errors.NotFoundError):
        r9s.messages.count_tokens(model="claude-nope", messages=turn)


def test_messages_stream_matches_the_plain_answer(r9s: Twin, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": CLAUDE,
        "max_tokens": 256,
        "thinking": {"type": "enabled", "budget_tokens": 20000},  # no 10000 cap
        "messages": [{"role": "user", "content": "the quick brown fox"}],
    }
    plain = r9s.messages.create(**params)
    events, final, text = r9s.messages.create(stream=True, consume=drain, **params)
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
    pieces = r9s.messages.create(stream=True, consume=text_only, **params)
    assert "".join(pieces) == plain.text and len(pieces) > 1


def test_messages_tool_use_round_trip(r9s: Twin, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": CLAUDE,
        "max_tokens": 256,
        "tools": [WEATHER],
        "tool_choice": {"type": "tool", "name": "get_weather"},
        "messages": [{"role": "user", "content": "weather in Paris"}],
    }
    plain = r9s.messages.create(**params)
    _, streamed, _ = r9s.messages.create(stream=True, consume=drain, **params)
    (call,) = [b for b in plain.content if isinstance(b, ToolUseBlock)]
    (streamed_call,) = [b for b in streamed.content if isinstance(b, ToolUseBlock)]
    assert plain.stop_reason == streamed.stop_reason == "tool_use"
    assert streamed_call.input == call.input and "city" in call.input
    assert streamed_call.id == call.id and streamed_call.name == "get_weather"
    answer = r9s.messages.create(
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


def test_messages_stream_faults(r9s: Twin, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": CLAUDE,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "one two three four five"}],
    }
    with pytest.raises(errors.APIStatusError):
        r9s.messages.create(
            stream=True,
            consume=drain,
            http_headers={"X-R9S-Fault": "stream_error=2"},
            **params,
        )
    with pytest.raises((errors.IncompleteStreamError, errors.APIConnectionError)):
        r9s.messages.create(
            stream=True,
            consume=drain,
            http_headers={"X-R9S-Fault": "drop=mid_stream;after=3"},
            **params,
        )
    server.inject("status=529;retry_after=0", times=1)
    _, final, _ = r9s.messages.create(stream=True, consume=drain, **params)
    assert final.text == "Echo: one two three four five"
