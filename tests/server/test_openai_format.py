"""OpenAI-format endpoints, raw: exact shapes, SSE framing, validation errors."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import httpx
import pytest

from r9s.testing import DEFAULT_MODELS, LocalServer
from tests.server.conftest import chat_body, http, parse_sse

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer"},
            },
            "required": ["location", "unit", "days"],
        },
    },
}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {}}}


def stream_chunks(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["transfer-encoding"] == "chunked"
    events = parse_sse(response.text)
    assert events[-1].data == "[DONE]"
    return [event.json() for event in events[:-1]]


# -- models ---------------------------------------------------------------------------


def test_models_list_and_retrieve(client: httpx.Client) -> None:
    listed = client.get("/models").json()
    assert listed["object"] == "list"
    assert [m["id"] for m in listed["data"]] == list(DEFAULT_MODELS)
    assert listed["data"][0] == {
        "id": "gpt-4o-mini",
        "object": "model",
        "created": 1_700_000_000,
        "owned_by": "openai",
    }
    assert client.get("/models/claude-haiku-4-5").json()["owned_by"] == "anthropic"


def test_models_expand_and_filter_like_the_router(client: httpx.Client) -> None:
    plain = client.get("/models").json()["data"][0]
    assert set(plain) == {"id", "object", "created", "owned_by"}  # nothing unasked for

    expanded = client.get("/models", params={"expand": "context_length,endpoints"}).json()
    claude = next(m for m in expanded["data"] if m["id"] == "claude-sonnet-4-5")
    assert claude["context_length"] == 200000
    assert claude["endpoints"] == ["/v1/chat/completions", "/v1/messages"]
    assert "modality" not in claude
    every = client.get("/models", params={"expand": "all"}).json()["data"][0]
    assert {"context_length", "modality", "endpoints", "channels", "supported_parameters"} <= set(
        every
    )

    def ids(*rules: str) -> list[str]:
        listing = client.get("/models", params=[("filter", rule) for rule in rules])
        assert listing.status_code == 200, listing.text
        return [m["id"] for m in listing.json()["data"]]

    assert ids("id=claude-sonnet-4*") == [
        "claude-sonnet-4-5",
        "claude-sonnet-4.5",
        "claude-sonnet-4",
    ]
    assert ids("channel=*moonshot*") == ["kimi-k2"]
    assert ids("endpoint=/v1/embeddings") == [
        "text-embedding-3-small",
        "text-embedding-3-large",
        "text-embedding-ada-002",
    ]
    assert ids("modality=audio->text", "owned_by!=openai") == []
    assert ids("context_length>1000000", "owned_by=openai") == ["gpt-4.1", "gpt-4.1-mini"]
    assert "gpt-4o" in ids("supported_parameters=seed")
    assert "o3" not in ids("supported_parameters=temperature")

    for rule, message in (
        ("colour=red", "Unknown filter field 'colour'"),
        ("context_length", "expected FIELD=PATTERN"),
        ("context_length>=many", "'many' is not a number"),
    ):
        bad = client.get("/models", params={"filter": rule})
        assert bad.status_code == 400
        assert message in bad.json()["error"]["message"]
    one = client.get("/models/gpt-4o", params={"expand": "context_length"}).json()
    assert one["context_length"] == 128000


def test_model_ids_with_slashes_and_snapshots(client: httpx.Client) -> None:
    one = client.get("/models/meta-llama%2Fllama-3.3-70b-instruct").json()
    assert one["id"] == "meta-llama/llama-3.3-70b-instruct" and one["owned_by"] == "meta-llama"
    assert client.get("/models/meta-llama/llama-3.3-70b-instruct").status_code == 200
    assert client.get("/models/gpt-4o-mini-2024-07-18").status_code == 200
    assert client.get("/models/claude-haiku-4-5-20251001").status_code == 200


def test_unknown_model_is_404_model_not_found(client: httpx.Client) -> None:
    for response in (
        client.get("/models/nope-1"),
        client.post("/chat/completions", json={**chat_body(), "model": "nope-1"}),
    ):
        assert response.status_code == 404
        body = response.json()
        assert body["status"] == 404
        assert body["error"]["code"] == "model_not_found"
        assert "nope-1" in body["error"]["message"]


def test_custom_model_list() -> None:
    with LocalServer(models=["house-model", "org/other"]) as server:
        headers = {"authorization": "Bearer k"}
        listed = http.get(server.url + "/models", headers=headers).json()
        assert [m["id"] for m in listed["data"]] == ["house-model", "org/other"]
        body = {**chat_body(), "model": "gpt-4o-mini"}
        assert (
            http.post(server.url + "/chat/completions", json=body, headers=headers).status_code
            == 404
        )


def test_anthropic_style_model_listing(client: httpx.Client) -> None:
    listed = client.get("/models", headers={"anthropic-version": "2023-06-01"}).json()
    assert listed["has_more"] is False and listed["data"][0]["type"] == "model"


# -- chat completions -----------------------------------------------------------------


def test_chat_completion(client: httpx.Client) -> None:
    body = chat_body("What is the capital of France?")
    body["messages"].insert(0, {"role": "system", "content": "Be brief."})
    answer = client.post("/chat/completions", json=body).json()
    assert answer["object"] == "chat.completion"
    assert answer["model"] == "gpt-4o-mini"
    choice = answer["choices"][0]
    assert choice["message"]["content"] == "Echo: What is the capital of France?"
    assert choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] == "stop" and choice["logprobs"] is None
    assert answer["usage"]["prompt_tokens"] == 8  # every message's whitespace tokens
    assert answer["usage"]["completion_tokens"] == 7
    assert answer["usage"]["total_tokens"] == 15


def test_chat_content_parts_and_n(client: httpx.Client) -> None:
    parts = [{"type": "text", "text": "describe"}, {"type": "image_url", "image_url": {"url": "x"}}]
    body = {"model": "gpt-4o", "n": 3, "messages": [{"role": "user", "content": parts}]}
    answer = client.post("/chat/completions", json=body).json()
    assert [c["index"] for c in answer["choices"]] == [0, 1, 2]
    assert {c["message"]["content"] for c in answer["choices"]} == {"Echo: describe"}


def test_chat_max_tokens_truncates(client: httpx.Client) -> None:
    answer = client.post("/chat/completions", json=chat_body("a b c d e", max_tokens=3)).json()
    assert answer["choices"][0]["message"]["content"] == "Echo: a b"
    assert answer["choices"][0]["finish_reason"] == "length"


def test_chat_stream(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=chat_body("one two three", stream=True))
    chunks = stream_chunks(response)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    deltas = [c["choices"][0]["delta"].get("content") or "" for c in chunks]
    assert deltas[1:-1] == ["Echo:", " one", " two", " three"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert "usage" not in chunks[-1]


def test_chat_stream_include_usage(client: httpx.Client) -> None:
    body = chat_body("one two", stream=True, stream_options={"include_usage": True})
    chunks = stream_chunks(client.post("/chat/completions", json=body))
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 3


def test_chat_forced_tool_call(client: httpx.Client) -> None:
    body = chat_body("Paris", tools=[WEATHER, TIME], tool_choice="required")
    message = client.post("/chat/completions", json=body).json()["choices"][0]
    assert message["finish_reason"] == "tool_calls"
    assert message["message"]["content"] is None
    (call,) = message["message"]["tool_calls"]
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {
        "location": "Paris",
        "unit": "celsius",
        "days": 1,
    }


def test_chat_tool_choice_by_name_and_by_request(client: httpx.Client) -> None:
    named = {"type": "function", "function": {"name": "get_time"}}
    body = chat_body("now", tools=[WEATHER, TIME], tool_choice=named)
    calls = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert [c["function"]["name"] for c in calls["tool_calls"]] == ["get_time"]
    body = chat_body("call get_weather and call get_time", tools=[WEATHER, TIME])
    calls = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert [c["function"]["name"] for c in calls["tool_calls"]] == ["get_weather", "get_time"]
    body = chat_body("mentions get_weather only", tools=[WEATHER, TIME])
    text = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert text["content"] == "Echo: mentions get_weather only" and "tool_calls" not in text


def test_chat_after_a_tool_result_answers_with_text(client: httpx.Client) -> None:
    messages = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 18}'},
    ]
    body = {"model": "gpt-4o-mini", "messages": messages, "tools": [WEATHER], "tool_choice": "auto"}
    answer = client.post("/chat/completions", json=body).json()["choices"][0]
    assert answer["message"]["content"] == 'Echo: {"temp": 18}'
    assert answer["finish_reason"] == "stop"


def test_chat_stream_tool_call_deltas_carry_index(client: httpx.Client) -> None:
    body = chat_body("call get_weather, call get_time", tools=[WEATHER, TIME], stream=True)
    chunks = stream_chunks(client.post("/chat/completions", json=body))
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for delta in chunk["choices"][0]["delta"].get("tool_calls") or []:
            entry = calls.setdefault(delta["index"], {"id": "", "name": "", "arguments": ""})
            entry["id"] += delta.get("id", "")
            entry["name"] += delta.get("function", {}).get("name", "")
            entry["arguments"] += delta["function"].get("arguments", "")
    assert [calls[i]["name"] for i in sorted(calls)] == ["get_weather", "get_time"]
    assert json.loads(calls[0]["arguments"])["location"] == "call get_weather, call get_time"
    assert json.loads(calls[1]["arguments"]) == {}
    fragments = [c for c in chunks if c["choices"][0]["delta"].get("tool_calls")]
    assert len(fragments) > 3  # arguments arrive in pieces
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_chat_reasoning_content(client: httpx.Client) -> None:
    body = chat_body("think", reasoning_effort="high")
    message = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert message["reasoning_content"] == "Thinking about: think"
    chunks = stream_chunks(client.post("/chat/completions", json={**body, "stream": True}))
    reasoning = "".join(c["choices"][0]["delta"].get("reasoning_content", "") for c in chunks)
    assert reasoning == "Thinking about: think"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "gpt-4o-mini"}, "messages"),
        ({"model": "gpt-4o-mini", "messages": "hi"}, "messages"),
        ({"model": 5, "messages": [{"role": "user", "content": "x"}]}, "model"),
        ({**chat_body(), "n": 0}, "n"),
        ({**chat_body(), "max_tokens": 0}, "max_tokens"),
        ({**chat_body(), "tools": [{"type": "function"}]}, "tools"),
    ],
)
def test_chat_validation_errors_name_the_param(
    client: httpx.Client, body: dict[str, Any], param: str
) -> None:
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["status"] == 400
    assert error["error"]["param"] == param
    assert error["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_body_that_is_not_a_json_object(client: httpx.Client, raw: bytes) -> None:
    response = client.post(
        "/chat/completions", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"]


# -- completions and edits ------------------------------------------------------------


def test_completions(client: httpx.Client) -> None:
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a time"}
    answer = client.post("/completions", json=body).json()
    assert answer["object"] == "text_completion"
    assert answer["choices"] == [
        {"text": "Echo: Once upon a time", "index": 0, "logprobs": None, "finish_reason": "stop"}
    ]
    assert answer["usage"] == {"prompt_tokens": 4, "completion_tokens": 5, "total_tokens": 9}


def test_completions_prompt_list_and_n(client: httpx.Client) -> None:
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": ["a", "b c"], "n": 2}
    choices = client.post("/completions", json=body).json()["choices"]
    assert [(c["index"], c["text"]) for c in choices] == [
        (0, "Echo: a"),
        (1, "Echo: a"),
        (2, "Echo: b c"),
        (3, "Echo: b c"),
    ]
    tokens = client.post("/completions", json={**body, "prompt": [1, 2, 3], "n": 1}).json()
    assert tokens["choices"][0]["text"] == "Echo: 1 2 3"


def test_completions_stream(client: httpx.Client) -> None:
    body = {
        "model": "qwen-plus",
        "prompt": "x y",
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    chunks = stream_chunks(client.post("/completions", json=body))
    assert all(c["object"] == "text_completion" for c in chunks)
    assert "".join(c["choices"][0]["text"] for c in chunks[:-1]) == "Echo: x y"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["total_tokens"] == 5


def test_completions_missing_prompt(client: httpx.Client) -> None:
    response = client.post("/completions", json={"model": "qwen-plus"})
    assert response.status_code == 400 and response.json()["error"]["param"] == "prompt"


def test_edits(client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o-mini",
        "input": "What day of the wek is it?",
        "instruction": "Fix the spelling mistakes",
    }
    answer = client.post("/edits", json=body).json()
    assert answer["object"] == "edit"
    assert answer["choices"] == [{"text": "Echo: What day of the wek is it?", "index": 0}]
    assert answer["usage"]["prompt_tokens"] == 11
    missing = client.post("/edits", json={"model": "gpt-4o-mini", "input": "x"})
    assert missing.json()["error"]["param"] == "instruction"


# -- embeddings -----------------------------------------------------------------------


def test_embeddings_are_deterministic_unit_vectors(client: httpx.Client) -> None:
    body = {"model": "text-embedding-3-small", "input": ["hello", "world", "hello"]}
    answer = client.post("/embeddings", json=body).json()
    assert answer["object"] == "list" and answer["model"] == "text-embedding-3-small"
    vectors = [d["embedding"] for d in answer["data"]]
    assert [d["index"] for d in answer["data"]] == [0, 1, 2]
    assert len(vectors[0]) == 1536
    assert vectors[0] == vectors[2] != vectors[1]
    assert abs(sum(v * v for v in vectors[0]) - 1) < 1e-5
    assert answer["usage"] == {"prompt_tokens": 3, "total_tokens": 3}


def test_embeddings_dimensions_base64_and_tokens(client: httpx.Client) -> None:
    floats = client.post(
        "/embeddings", json={"model": "text-embedding-3-large", "input": "hi", "dimensions": 8}
    ).json()["data"][0]["embedding"]
    body = {
        "model": "text-embedding-3-large",
        "input": "hi",
        "dimensions": 8,
        "encoding_format": "base64",
    }
    encoded = client.post("/embeddings", json=body).json()["data"][0]["embedding"]
    assert list(struct.unpack("<8f", base64.b64decode(encoded))) == floats
    tokens = client.post(
        "/embeddings", json={"model": "text-embedding-3-small", "input": [[1, 2], [3]]}
    ).json()
    assert len(tokens["data"]) == 2 and tokens["usage"]["prompt_tokens"] == 3


def test_engine_embeddings_take_the_model_from_the_path(client: httpx.Client) -> None:
    answer = client.post("/engines/qwen-plus/embeddings", json={"input": "x"}).json()
    assert answer["model"] == "qwen-plus"
    assert client.post("/engines/nope/embeddings", json={"input": "x"}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"model": "text-embedding-3-small"},
        {"model": "text-embedding-3-small", "input": []},
        {"model": "text-embedding-3-small", "input": [{"x": 1}]},
        {"model": "text-embedding-3-small", "input": "x", "encoding_format": "hex"},
        {"model": "text-embedding-3-small", "input": "x", "dimensions": 0},
    ],
)
def test_embeddings_validation(client: httpx.Client, body: dict[str, Any]) -> None:
    response = client.post("/embeddings", json=body)
    assert response.status_code == 400 and response.json()["error"]["param"]


# -- moderations and search -----------------------------------------------------------


def test_moderations(client: httpx.Client) -> None:
    body = {"input": ["Hello, how are you?", "I want to hurt someone"]}
    answer = client.post("/moderations", json=body).json()
    assert answer["model"] == "omni-moderation-latest"
    first, second = answer["results"]
    assert not first["flagged"] and second["flagged"]
    assert second["categories"]["violence"] and not second["categories"]["hate/threatening"]
    assert second["category_scores"]["violence"] > 0.5


@pytest.mark.parametrize(
    ("engine", "key"), [("exa", "results"), ("tavily", "results"), ("google", "items")]
)
def test_search_engines(client: httpx.Client, engine: str, key: str) -> None:
    body = {"engine": engine, "extra": {"query": "llm routing", "num": 2, "max_results": 2}}
    answer = client.post("/search", json=body).json()
    assert answer["engine"] == engine
    assert len(answer["result"][key]) == 2


def test_search_default_engine_and_missing_query(client: httpx.Client) -> None:
    assert client.post("/search", json={"extra": {"query": "x"}}).json()["engine"] == "exa"
    response = client.post("/search", json={"extra": {}})
    assert response.status_code == 400 and response.json()["error"]["param"] == "extra.query"


# -- proxy ----------------------------------------------------------------------------


def test_proxy_dispatches_to_the_local_handler(client: httpx.Client) -> None:
    answer = client.post("/nextrouter/proxy/123/chat/completions", json=chat_body("via proxy"))
    assert answer.json()["choices"][0]["message"]["content"] == "Echo: via proxy"
    encoded = client.post("/nextrouter/proxy/123/chat%2Fcompletions", json=chat_body("enc"))
    assert encoded.json()["choices"][0]["message"]["content"] == "Echo: enc"
    stream = client.post("/nextrouter/proxy/7/chat/completions", json=chat_body("s", stream=True))
    assert stream_chunks(stream)[1]["choices"][0]["delta"]["content"] == "Echo:"


def test_proxy_echoes_unknown_targets(client: httpx.Client) -> None:
    answer = client.post("/nextrouter/proxy/abc/custom/thing?x=1", json={"custom_param": 1})
    assert answer.json() == {
        "object": "proxy.echo",
        "channel_id": "abc",
        "target": "custom/thing",
        "method": "POST",
        "query": {"x": "1"},
        "json": {"custom_param": 1},
        "body_size": 18,
    }
