"""The Responses API against the local server, sync and async: answers, streams, function
calls."""

from __future__ import annotations

import json
from typing import Any

from r9s.models import (
    Response,
    ResponseCompletedEvent,
    ResponseFunctionToolCall,
)
from r9s.testing import LocalServer
from tests.sdk.conftest import WEATHER
from tests.support.twins import Twin, drain, text_only

GPT = "gpt-4o-mini"
FUNCTION = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": WEATHER["input_schema"],
}


def test_responses_create_and_stream(r9s: Twin, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": GPT,
        "instructions": "Be brief.",
        "input": "alpha beta gamma",
    }
    plain = r9s.responses.create(**params)
    assert isinstance(plain, Response) and plain.status == "completed"
    assert plain.output_text == "Echo: alpha beta gamma"
    events, final, text = r9s.responses.create(stream=True, consume=drain, **params)
    assert isinstance(events[-1], ResponseCompletedEvent)
    assert final.output_text == text == plain.output_text
    assert final.usage is not None and plain.usage is not None
    assert final.usage.total_tokens == plain.usage.total_tokens
    pieces = r9s.responses.create(stream=True, consume=text_only, **params)
    assert "".join(pieces) == plain.output_text


def test_responses_function_call_round_trip(r9s: Twin, server: LocalServer) -> None:
    question = {"role": "user", "content": "weather in Oslo"}
    params: dict[str, Any] = {
        "model": GPT,
        "input": [question],
        "tools": [FUNCTION],
        "tool_choice": {"type": "function", "name": "get_weather"},
    }
    plain = r9s.responses.create(**params)
    _, streamed, _ = r9s.responses.create(stream=True, consume=drain, **params)
    (call,) = [i for i in plain.output if isinstance(i, ResponseFunctionToolCall)]
    (streamed_call,) = [i for i in streamed.output if isinstance(i, ResponseFunctionToolCall)]
    assert json.loads(streamed_call.arguments) == json.loads(call.arguments)
    assert "city" in json.loads(call.arguments)
    output = {"type": "function_call_output", "call_id": call.call_id, "output": "4 degrees"}
    answer = r9s.responses.create(
        model=GPT,
        tools=[FUNCTION],
        input=[question, call, output],
    )
    assert answer.output_text == "Echo: 4 degrees"
    sent = server.requests[-1].json["input"]
    assert sent[1]["type"] == "function_call" and sent[1]["call_id"] == call.call_id
