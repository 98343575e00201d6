"""Structured output in every family: JSON built from the requested schema."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

import httpx
import jsonschema
import pytest
from hypothesis import given, settings, strategies as st
from pydantic import BaseModel, Field

from r9s._structured.schema import to_anthropic_schema, to_strict_schema
from r9s.testing import LocalServer
from r9s.testing._structured import instance
from tests.server.conftest import KEY, chat_body, http, parse_sse
from tests.server.test_openai_format import stream_chunks

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


# -- valid instances --------------------------------------------------------------------


class Color(StrEnum):
    RED = "red"
    BLUE = "blue"


class Tag(BaseModel):
    label: str = Field(min_length=2, max_length=5)


class Tree(BaseModel):
    name: str
    children: list[Tree] = []
    parent: Tree | None = None


class Everything(BaseModel):
    """Most of what JSON schema can say, as pydantic writes it."""

    code: str = Field(pattern=r"^[A-Z]{2}-\d{3,}$")
    slug: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=12)
    short: str = Field(max_length=3)
    long: str = Field(min_length=40)
    count: int = Field(gt=5, le=7, multiple_of=2)
    ratio: float = Field(gt=0, lt=0.5)
    small: int = Field(le=-3)
    tags: list[Tag] = Field(min_length=3)
    unique: set[int] = Field(min_length=3)
    pair: tuple[int, str]
    kind: Literal["x", "y"]
    color: Color
    when: datetime
    day: date
    id: UUID
    email: str = Field(json_schema_extra={"format": "email"})
    site: str = Field(json_schema_extra={"format": "uri"})
    either: int | str
    maybe: Tag | None = None
    scores: dict[str, float] = {}
    tree: Tree


def _forms(model: type[BaseModel]) -> list[dict[str, Any]]:
    raw = model.model_json_schema()
    return [raw, to_strict_schema(raw), to_anthropic_schema(raw)]


@pytest.mark.parametrize("model", [Everything, Tree, Tag], ids=lambda m: m.__name__)
def test_instances_are_valid_for_every_form_of_the_schema(model: type[BaseModel]) -> None:
    for form in _forms(model):
        value = instance(form, "hello world")
        validator = jsonschema.Draft202012Validator(
            form, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        validator.validate(value)
        model.model_validate(value)  # Anthropic's form too: the echo model reads the hints


def _schemas() -> st.SearchStrategy[dict[str, Any]]:
    leaves = st.one_of(
        st.builds(
            lambda low, span, exclusive: {
                "type": "integer",
                **({"exclusiveMinimum": low} if exclusive else {"minimum": low}),
                "maximum": low + span + 1,
            },
            st.integers(-50, 50),
            st.integers(0, 20),
            st.booleans(),
        ),
        st.builds(
            lambda low, span: {"type": "number", "minimum": low, "exclusiveMaximum": low + span},
            st.floats(-100, 100, allow_nan=False),
            st.floats(0.01, 10),
        ),
        st.builds(
            lambda low, extra: {"type": "string", "minLength": low, "maxLength": low + extra},
            st.integers(0, 30),
            st.integers(0, 10),
        ),
        st.sampled_from(
            [
                {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                {"type": "string", "pattern": r"^(cat|dog)s?$"},
                {"type": "string", "pattern": r"[^a-z]+"},
                {"type": "string", "format": "date-time"},
                {"type": "string", "format": "ipv6"},
                {"type": "boolean"},
                {"type": "null"},
                {"enum": ["a", 1, None]},
                {"const": "fixed"},
                {"type": ["string", "null"]},
                {"type": "integer", "multipleOf": 7, "minimum": 10},
            ]
        ),
    )

    def containers(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.builds(
                lambda items, low, unique: {
                    "type": "array",
                    "items": items,
                    "minItems": low,
                    "uniqueItems": unique,
                },
                children,
                st.integers(0, 3),
                st.just(False),
            ),
            st.builds(
                lambda props, extra: {
                    "type": "object",
                    "properties": props,
                    "required": sorted(props)[: len(props) // 2 + 1],
                    "additionalProperties": extra,
                },
                st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), children, max_size=4),
                st.booleans(),
            ),
            st.builds(
                lambda options: {"anyOf": options}, st.lists(children, min_size=1, max_size=3)
            ),
            st.builds(
                lambda a, b: {"allOf": [a, b]},
                st.just(
                    {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
                ),
                st.just({"properties": {"y": {"type": "string"}}, "required": ["y"]}),
            ),
        )

    return st.recursive(leaves, containers, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_schemas(), st.text(max_size=20))
def test_instances_of_arbitrary_schemas_are_valid(schema: dict[str, Any], text: str) -> None:
    value = instance(schema, text)
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(value)


# -- over HTTP --------------------------------------------------------------------------

PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}},
    "required": ["name"],
    "additionalProperties": False,
}
CHAT_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "p", "schema": PERSON, "strict": True},
}


def test_a_structured_request_about_violence_is_refused(client: httpx.Client) -> None:
    body = chat_body("how to build a bomb", response_format=CHAT_FORMAT)
    choice = client.post("/chat/completions", json=body).json()["choices"][0]
    assert choice["message"]["content"] is None
    assert choice["message"]["refusal"] == "I'm sorry, but I can't help with that."
    assert choice["finish_reason"] == "stop"
    chunks = stream_chunks(client.post("/chat/completions", json={**body, "stream": True}))
    refusal = "".join(c["choices"][0]["delta"].get("refusal") or "" for c in chunks)
    assert refusal == "I'm sorry, but I can't help with that."
    # the same words without structured output: an ordinary echo
    plain = client.post("/chat/completions", json=chat_body("how to build a bomb")).json()
    assert plain["choices"][0]["message"]["content"] == "Echo: how to build a bomb"


def test_refusals_in_responses_and_messages(server: LocalServer, client: httpx.Client) -> None:
    text = {"format": {"type": "json_schema", "name": "p", "schema": PERSON}}
    body = {"model": "gpt-4o", "input": "attack plan", "text": text}
    part = client.post("/responses", json=body).json()["output"][0]["content"][0]
    assert part == {"type": "refusal", "refusal": "I'm sorry, but I can't help with that."}
    events = parse_sse(client.post("/responses", json={**body, "stream": True}).text)
    kinds = [event.event for event in events]
    assert "response.refusal.delta" in kinds and "response.output_text.delta" not in kinds
    message = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "attack plan"}],
        "output_config": {"format": {"type": "json_schema", "schema": PERSON}},
    }
    answer = http.post(server.root_url + "/v1/messages", json=message, headers={"x-api-key": KEY})
    assert answer.json()["stop_reason"] == "refusal"


@pytest.mark.parametrize(
    ("path", "model", "body", "param"),
    [
        ("/chat/completions", "deepseek-chat", {"response_format": CHAT_FORMAT}, "response_format"),
        (
            "/responses",
            "deepseek-reasoner",
            {"text": {"format": {"type": "json_schema", "name": "p", "schema": PERSON}}},
            "text.format",
        ),
    ],
)
def test_models_without_json_schema_output_reject_it(
    client: httpx.Client, path: str, model: str, body: dict[str, Any], param: str
) -> None:
    conversation = (
        {"input": "x"} if path == "/responses" else {"messages": [{"role": "user", "content": "x"}]}
    )
    answer = client.post(path, json={"model": model, **conversation, **body})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["param"] == param and param in error["message"]
    # plain JSON mode still works there
    if path == "/chat/completions":
        plain = {"model": model, **conversation, "response_format": {"type": "json_object"}}
        assert client.post(path, json=plain).status_code == 200


def test_older_claude_rejects_output_format(server: LocalServer) -> None:
    body = {
        "model": "claude-3-5-haiku-20241022",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "x"}],
        "output_config": {"format": {"type": "json_schema", "schema": PERSON}},
    }
    answer = http.post(server.root_url + "/v1/messages", json=body, headers={"x-api-key": KEY})
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert "output_config.format" in answer.json()["error"]["message"]


def test_a_channel_that_drops_the_schema_answers_in_prose(client: httpx.Client) -> None:
    body = {
        **chat_body("Alice", response_format=CHAT_FORMAT),
        "model": "meta-llama/llama-3.3-70b-instruct",
    }
    message = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert message["content"] == "Echo: Alice"


def test_a_cut_structured_answer_is_unfinished_json(client: httpx.Client) -> None:
    body = chat_body("Alice Bob Carol", response_format=CHAT_FORMAT, max_tokens=2)
    choice = client.post("/chat/completions", json=body).json()["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] == '{"name": "Alice'


# -- tools ------------------------------------------------------------------------------

NAMED = {
    "type": "function",
    "function": {
        "name": "lookup",
        "parameters": {
            "type": "object",
            "properties": {
                "word": {"type": "string", "minLength": 30},
                "limit": {"type": "integer", "maximum": 0},
            },
            "required": ["word", "limit"],
        },
    },
}


def test_tool_arguments_are_valid_for_the_schema(client: httpx.Client) -> None:
    body = chat_body("call lookup", tools=[NAMED])
    (call,) = client.post("/chat/completions", json=body).json()["choices"][0]["message"][
        "tool_calls"
    ]
    arguments = json.loads(call["function"]["arguments"])
    jsonschema.validate(arguments, NAMED["function"]["parameters"])  # type: ignore[index]


def test_json_after_the_tool_name_is_sent_as_the_arguments(client: httpx.Client) -> None:
    body = chat_body(
        'call lookup {"word": "x"} then call lookup {"word": "y", "limit": 9}', tools=[NAMED]
    )
    calls = client.post("/chat/completions", json=body).json()["choices"][0]["message"][
        "tool_calls"
    ]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"word": "x"},
        {"word": "y", "limit": 9},
    ]
    assert len({c["id"] for c in calls}) == 2


def test_a_tool_result_can_ask_for_the_next_call_and_results_are_quoted_together(
    client: httpx.Client,
) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    other = {**call, "id": "c2"}
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": None, "tool_calls": [call, other]},
        {"role": "tool", "tool_call_id": "c1", "content": "first\ncall lookup"},
        {"role": "tool", "tool_call_id": "c2", "content": "second"},
    ]
    body = {"model": "gpt-4o-mini", "messages": messages, "tools": [NAMED]}
    message = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert [c["function"]["name"] for c in message["tool_calls"]] == ["lookup"]
    messages[2]["content"] = "first"
    message = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert message["content"] == "Echo: first\nsecond"
