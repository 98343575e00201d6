"""Anthropic Messages, raw: what Claude Code and the Anthropic SDK send and expect."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from r9s.testing import LocalServer
from tests.server.conftest import KEY, TLS, http, parse_sse

WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


@pytest.fixture
def anthropic(server: LocalServer) -> Any:
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    with httpx.Client(base_url=server.root_url, headers=headers, timeout=10, verify=TLS) as api:
        yield api


def body(text: str = "hello claude", **extra: Any) -> dict[str, Any]:
    messages = [{"role": "user", "content": text}]
    return {"model": "claude-haiku-4-5", "max_tokens": 1024, "messages": messages, **extra}


def stream(http: httpx.Client, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    response = http.post("/v1/messages", json={**payload, "stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    result = []
    for event in parse_sse(response.text):
        data = event.json()
        assert event.event == data["type"]
        result.append((data["type"], data))
    return result


def test_plain_message(anthropic: httpx.Client) -> None:
    answer = anthropic.post("/v1/messages", json=body(system="Be brief")).json()
    assert answer["type"] == "message" and answer["role"] == "assistant"
    assert answer["content"] == [{"type": "text", "text": "Echo: hello claude"}]
    assert answer["stop_reason"] == "end_turn" and answer["stop_sequence"] is None
    assert answer["usage"]["input_tokens"] == 4 and answer["usage"]["output_tokens"] == 3


def test_claude_code_shaped_request(server: LocalServer) -> None:
    payload = body(
        "say hi",
        system=[{"type": "text", "text": "You are Claude Code", "cache_control": {"type": "x"}}],
        tools=[{**WEATHER, "name": "Bash"}],
        thinking={"type": "adaptive"},
        metadata={"user_id": "u"},
        context_management={"edits": []},
        output_config={"effort": "high"},
        max_tokens=32000,
    )
    headers = {
        "authorization": f"Bearer {KEY}",
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
    }
    response = http.post(
        server.root_url + "/v1/messages?beta=true",
        json={**payload, "stream": True},
        headers=headers,
    )
    names = [event.event for event in parse_sse(response.text)]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    texts = [
        e.json()["delta"].get("text", "")
        for e in parse_sse(response.text)
        if e.event == "content_block_delta"
    ]
    assert "".join(texts) == "Echo: say hi"
    assert server.requests[-1].query == {"beta": "true"}


def test_stream_event_order(anthropic: httpx.Client) -> None:
    seen = stream(anthropic, body("one two"))
    names = [name for name, _ in seen]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    start = dict(seen)["message_start"]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert "".join(p["delta"]["text"] for n, p in seen if n == "content_block_delta") == (
        "Echo: one two"
    )
    delta = dict(seen)["message_delta"]
    assert delta["delta"]["stop_reason"] == "end_turn" and delta["usage"]["output_tokens"] == 3


def test_thinking_then_text(anthropic: httpx.Client) -> None:
    payload = body("ponder", thinking={"type": "enabled", "budget_tokens": 2048})
    answer = anthropic.post("/v1/messages", json=payload).json()
    thinking, text = answer["content"]
    assert thinking["type"] == "thinking" and thinking["thinking"] == "Thinking about: ponder"
    assert thinking["signature"]
    assert text == {"type": "text", "text": "Echo: ponder"}

    seen = stream(anthropic, payload)
    deltas = [p["delta"] for n, p in seen if n == "content_block_delta" and p["index"] == 0]
    assert {d["type"] for d in deltas} == {"thinking_delta", "signature_delta"}
    assert deltas[-1] == {"type": "signature_delta", "signature": thinking["signature"]}
    assert "".join(d.get("thinking", "") for d in deltas) == "Thinking about: ponder"


def test_tool_use_interleaved_with_text(anthropic: httpx.Client) -> None:
    payload = body("Oslo", tools=[WEATHER], tool_choice={"type": "tool", "name": "get_weather"})
    answer = anthropic.post("/v1/messages", json=payload).json()
    assert answer["stop_reason"] == "tool_use"
    text, tool_use = answer["content"]
    assert text == {"type": "text", "text": "Calling get_weather."}
    assert tool_use["type"] == "tool_use" and tool_use["id"].startswith("toolu_")
    assert tool_use["input"] == {"city": "Oslo"}

    seen = stream(anthropic, payload)
    starts = [p["content_block"]["type"] for n, p in seen if n == "content_block_start"]
    assert starts == ["text", "tool_use"]
    partial = [
        p["delta"]["partial_json"]
        for n, p in seen
        if n == "content_block_delta" and p["delta"]["type"] == "input_json_delta"
    ]
    assert len(partial) >= 2 and json.loads("".join(partial)) == {"city": "Oslo"}
    assert dict(seen)["message_delta"]["delta"]["stop_reason"] == "tool_use"


def test_tool_choice_any_and_tool_result(anthropic: httpx.Client) -> None:
    payload = body("x", tools=[WEATHER], tool_choice={"type": "any"})
    tool_use = anthropic.post("/v1/messages", json=payload).json()["content"][1]
    follow_up = body(tools=[WEATHER])
    follow_up["messages"] = [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": [tool_use]},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": tool_use["id"],
                    "content": [{"type": "text", "text": "sunny"}],
                }
            ],
        },
    ]
    answer = anthropic.post("/v1/messages", json=follow_up).json()
    assert answer["content"] == [{"type": "text", "text": "Echo: sunny"}]


def test_count_tokens(anthropic: httpx.Client) -> None:
    payload = {
        "model": "claude-haiku-4-5",
        "system": "a b",
        "messages": [{"role": "user", "content": "c d e"}],
    }
    assert anthropic.post("/v1/messages/count_tokens", json=payload).json() == {"input_tokens": 5}


def test_errors_have_the_anthropic_shape(anthropic: httpx.Client, server: LocalServer) -> None:
    unknown = anthropic.post("/v1/messages", json={**body(), "model": "claude-nope"})
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "error"
    assert unknown.json()["error"]["type"] == "not_found_error"
    invalid = anthropic.post("/v1/messages", json={"model": "claude-haiku-4-5"})
    assert invalid.status_code == 400
    assert invalid.json()["error"] == {
        "type": "invalid_request_error",
        "message": "Missing required parameter: 'messages'.",
    }
    no_key = http.post(server.root_url + "/v1/messages", json=body())
    assert no_key.status_code == 401
    assert no_key.json() == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "x-api-key header is required"},
    }


def test_wrong_key_is_401_in_anthropic_shape() -> None:
    with LocalServer(api_key=["sk-a", "sk-b"]) as server:
        url = server.root_url + "/v1/messages"
        wrong = http.post(url, json=body(), headers={"x-api-key": "sk-c"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["type"] == "authentication_error"
        assert wrong.json()["error"]["message"] == "Incorrect API key provided: ****."
        assert http.post(url, json=body(), headers={"x-api-key": "sk-b"}).status_code == 200
