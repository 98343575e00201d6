"""The Responses API, raw: the object, the event sequence Codex consumes, tool calls."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.server.conftest import parse_sse

CALCULATE = {
    "type": "function",
    "name": "calculate",
    "parameters": {
        "type": "object",
        "properties": {"expression": {"type": "string"}},
        "required": ["expression"],
    },
}


def events(client: httpx.Client, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    response = client.post("/responses", json={**body, "stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    parsed = parse_sse(response.text)
    assert all(event.data != "[DONE]" for event in parsed)  # no sentinel in this API
    result = []
    for event in parsed:
        payload = event.json()
        assert event.event == payload["type"]
        result.append((payload["type"], payload))
    assert [p["sequence_number"] for _, p in result] == list(range(len(result)))
    return result


def test_plain_response(client: httpx.Client) -> None:
    body = {"model": "gpt-5-codex", "input": "Tell me a joke", "instructions": "Be funny"}
    answer = client.post("/responses", json=body).json()
    assert answer["object"] == "response" and answer["status"] == "completed"
    assert answer["instructions"] == "Be funny"
    (message,) = answer["output"]
    assert message["type"] == "message" and message["role"] == "assistant"
    assert message["content"] == [
        {"type": "output_text", "text": "Echo: Tell me a joke", "annotations": [], "logprobs": []}
    ]
    assert answer["usage"] == {
        "input_tokens": 6,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 5,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 11,
    }


def test_input_items_as_codex_sends_them(client: httpx.Client) -> None:
    body = {
        "model": "gpt-5-codex",
        "input": [
            {
                "type": "message",
                "role": "developer",
                "content": [{"type": "input_text", "text": "rules"}],
            },
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "say hi"}],
            },
            {"type": "reasoning", "summary": []},
        ],
        "tools": [{"type": "web_search"}, CALCULATE],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "reasoning": {"effort": "medium"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "abc",
    }
    answer = client.post("/responses", json=body).json()
    reasoning, message = answer["output"]
    assert message["content"][0]["text"] == "Echo: say hi"
    # reasoning asked for: its item first, no summary unless asked, the encrypted content
    # since it is included
    assert reasoning["type"] == "reasoning" and reasoning["summary"] == []
    assert reasoning["encrypted_content"]


def test_stream_event_sequence(client: httpx.Client) -> None:
    seen = events(client, {"model": "gpt-4o-mini", "input": "one two"})
    names = [name for name, _ in seen]
    assert names == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    payloads = dict(seen)
    assert payloads["response.created"]["response"]["status"] == "in_progress"
    item_id = payloads["response.output_item.added"]["item"]["id"]
    deltas = [p for name, p in seen if name == "response.output_text.delta"]
    assert "".join(d["delta"] for d in deltas) == "Echo: one two"
    assert all(d["item_id"] == item_id and d["output_index"] == 0 for d in deltas)
    assert payloads["response.output_text.done"]["text"] == "Echo: one two"
    final = payloads["response.completed"]["response"]
    assert final["output"][0]["content"][0]["text"] == "Echo: one two"
    assert final["usage"]["output_tokens"] == 3


def test_function_call_output_and_stream(client: httpx.Client) -> None:
    body = {"model": "gpt-4o-mini", "input": "2+2", "tools": [CALCULATE], "tool_choice": "required"}
    (call,) = client.post("/responses", json=body).json()["output"]
    assert call["type"] == "function_call" and call["name"] == "calculate"
    assert json.loads(call["arguments"]) == {"expression": "2+2"}

    seen = events(client, body)
    names = [name for name, _ in seen]
    assert names[2] == "response.output_item.added"
    assert names.count("response.function_call_arguments.delta") >= 2
    arguments = "".join(
        p["delta"] for name, p in seen if name == "response.function_call_arguments.delta"
    )
    assert arguments == dict(seen)["response.function_call_arguments.done"]["arguments"]
    assert json.loads(arguments) == {"expression": "2+2"}

    follow_up = {
        "model": "gpt-4o-mini",
        "tools": [CALCULATE],
        "input": [
            {"role": "user", "content": "2+2"},
            {
                "type": "function_call",
                "call_id": call["call_id"],
                "name": "calculate",
                "arguments": call["arguments"],
            },
            {"type": "function_call_output", "call_id": call["call_id"], "output": "4"},
        ],
    }
    answer = client.post("/responses", json=follow_up).json()
    assert answer["output"][0]["content"][0]["text"] == "Echo: 4"


def test_flat_and_chat_shaped_tool_choice(client: httpx.Client) -> None:
    for choice in (
        {"type": "function", "name": "calculate"},
        {"type": "function", "function": {"name": "calculate"}},
    ):
        body = {"model": "gpt-4o-mini", "input": "x", "tools": [CALCULATE], "tool_choice": choice}
        assert client.post("/responses", json=body).json()["output"][0]["name"] == "calculate"


def test_max_output_tokens_gives_an_incomplete_response(client: httpx.Client) -> None:
    body = {"model": "gpt-4o-mini", "input": "a b c d", "max_output_tokens": 2}
    answer = client.post("/responses", json=body).json()
    assert answer["status"] == "incomplete"
    assert answer["incomplete_details"] == {"reason": "max_output_tokens"}
    assert events(client, body)[-1][0] == "response.incomplete"


def test_missing_input(client: httpx.Client) -> None:
    response = client.post("/responses", json={"model": "gpt-4o-mini"})
    assert response.status_code == 400 and response.json()["error"]["param"] == "input"


def test_reasoning_summary_streams_before_the_message(client: httpx.Client) -> None:
    body = {"model": "o4-mini", "input": "why", "reasoning": {"effort": "high", "summary": "auto"}}
    seen = events(client, body)
    names = [name for name, _ in seen]
    assert names[2:9] == [
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
    ]
    summary = "".join(p["delta"] for n, p in seen if n == "response.reasoning_summary_text.delta")
    assert summary == "Thinking about: why"
    final = seen[-1][1]["response"]
    reasoning, message = final["output"]
    assert reasoning["summary"] == [{"type": "summary_text", "text": "Thinking about: why"}]
    assert message["content"][0]["text"] == "Echo: why"
    text_events = [p for n, p in seen if n == "response.output_text.delta"]
    assert {p["output_index"] for p in text_events} == {1}
    assert final["reasoning"] == {"effort": "high", "summary": "auto"}
    assert final["usage"]["output_tokens_details"]["reasoning_tokens"] == 3


def test_a_failed_or_incomplete_response_from_a_fault(client: httpx.Client) -> None:
    body = {"model": "gpt-4o-mini", "input": "one two three four"}
    failed = client.post("/responses", json=body, headers={"X-R9S-Fault": "response_status=failed"})
    answer = failed.json()
    assert failed.status_code == 200 and answer["status"] == "failed"
    assert answer["error"] == {
        "code": "server_error",
        "message": "The upstream connection was cut (injected fault).",
    }
    assert answer["output"][0]["content"][0]["text"] == "Echo: one"  # half got out

    fault = {"X-R9S-Fault": "response_status=failed;message=reset by peer"}
    response = client.post("/responses", json={**body, "stream": True}, headers=fault)
    seen = [(e.event, e.json()) for e in parse_sse(response.text)]
    names = [name for name, _ in seen]
    assert names[-1] == "response.failed"
    assert "response.output_text.done" not in names  # cut in the middle of the text
    deltas = "".join(p["delta"] for n, p in seen if n == "response.output_text.delta")
    assert deltas == "Echo: one"
    assert seen[-1][1]["response"]["error"]["message"] == "reset by peer"

    incomplete = client.post(
        "/responses", json=body, headers={"X-R9S-Fault": "response_status=incomplete"}
    ).json()
    assert incomplete["status"] == "incomplete"
    assert incomplete["incomplete_details"] == {"reason": "content_filter"}
