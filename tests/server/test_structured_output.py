"""Structured output in every family: JSON built from the requested schema."""

from __future__ import annotations

import json

import httpx

from r9s.testing import LocalServer
from tests.server.conftest import KEY, chat_body, http

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "role": {"$ref": "#/$defs/Role"},
        "nickname": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        "skills": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "age", "role", "nickname", "skills"],
    "$defs": {"Role": {"type": "string", "enum": ["engineer", "manager"]}},
}
EXPECTED = {"name": "Alice", "age": 1, "role": "engineer", "nickname": "Alice", "skills": []}


def test_chat_json_schema_and_json_object(client: httpx.Client) -> None:
    response_format = {"type": "json_schema", "json_schema": {"name": "p", "schema": SCHEMA}}
    body = chat_body("Alice", response_format=response_format)
    content = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert json.loads(content["content"]) == EXPECTED
    body = chat_body("Alice", response_format={"type": "json_object"})
    content = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert json.loads(content["content"]) == {"echo": "Alice"}


def test_responses_text_format(client: httpx.Client) -> None:
    text = {"format": {"type": "json_schema", "name": "p", "schema": SCHEMA, "strict": True}}
    body = {"model": "gpt-4o-mini", "input": "Alice", "text": text}
    output = client.post("/responses", json=body).json()["output"][0]
    assert json.loads(output["content"][0]["text"]) == EXPECTED


def test_anthropic_output_config_format(server: LocalServer) -> None:
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "Alice"}],
        "output_config": {"format": {"type": "json_schema", "schema": SCHEMA}},
    }
    answer = http.post(server.root_url + "/v1/messages", json=body, headers={"x-api-key": KEY})
    assert json.loads(answer.json()["content"][0]["text"]) == EXPECTED


def test_gemini_response_schema(server: LocalServer) -> None:
    # Gemini CLI asks who speaks next this way; the first enum value ("user") ends its turn.
    schema = {
        "type": "object",
        "properties": {
            "reasoning": {"type": "string"},
            "next_speaker": {"type": "string", "enum": ["user", "model"]},
        },
        "required": ["reasoning", "next_speaker"],
    }
    body = {
        "contents": [{"role": "user", "parts": [{"text": "who next?"}]}],
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema},
    }
    url = server.root_url + "/v1beta/models/gemini-2.5-flash:generateContent"
    answer = http.post(url, json=body, headers={"x-goog-api-key": KEY}).json()
    text = answer["candidates"][0]["content"]["parts"][0]["text"]
    assert json.loads(text) == {"reasoning": "who next?", "next_speaker": "user"}
