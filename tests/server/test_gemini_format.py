"""Gemini-native API under /v1beta, raw: what Gemini CLI calls."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from r9s.testing import LocalServer
from tests.server.conftest import KEY, TLS, http, parse_sse


@pytest.fixture
def gemini(server: LocalServer) -> Any:
    with httpx.Client(
        base_url=server.root_url + "/v1beta",
        headers={"x-goog-api-key": KEY},
        timeout=10,
        verify=TLS,
    ) as api:
        yield api


def body(text: str = "hello gemini", **extra: Any) -> dict[str, Any]:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}], **extra}


def test_generate_content(gemini: httpx.Client) -> None:
    payload = body(systemInstruction={"parts": [{"text": "be nice"}]})
    answer = gemini.post("/models/gemini-2.5-flash:generateContent", json=payload).json()
    assert answer["candidates"] == [
        {
            "content": {"role": "model", "parts": [{"text": "Echo: hello gemini"}]},
            "index": 0,
            "finishReason": "STOP",
        }
    ]
    assert answer["usageMetadata"] == {
        "promptTokenCount": 4,
        "candidatesTokenCount": 3,
        "totalTokenCount": 7,
    }
    assert answer["modelVersion"] == "gemini-2.5-flash"


def test_stream_generate_content_sse(gemini: httpx.Client, server: LocalServer) -> None:
    response = gemini.post(
        "/models/gemini-2.5-pro:streamGenerateContent", params={"alt": "sse"}, json=body("a b")
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    assert all(event.event is None for event in events)
    chunks = [event.json() for event in events]
    text = "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks)
    assert text == "Echo: a b"
    assert all("finishReason" not in c["candidates"][0] for c in chunks[:-1])
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == 3
    assert server.requests[-1].api_key == KEY


def test_stream_without_alt_sse_is_a_json_array(gemini: httpx.Client) -> None:
    chunks = gemini.post("/models/gemini-2.5-pro:streamGenerateContent", json=body("x")).json()
    assert isinstance(chunks, list) and chunks[-1]["candidates"][0]["finishReason"] == "STOP"


def test_key_in_the_query_string(server: LocalServer) -> None:
    url = server.root_url + "/v1beta/models/gemini-2.5-flash:generateContent"
    assert http.post(url, params={"key": "k"}, json=body()).status_code == 200
    missing = http.post(url, json=body())
    assert missing.status_code == 401
    assert missing.json()["error"]["status"] == "UNAUTHENTICATED"


def test_function_calling(gemini: httpx.Client) -> None:
    declaration = {
        "name": "lookup",
        "parameters": {
            "type": "object",
            "properties": {"term": {"type": "string"}},
            "required": ["term"],
        },
    }
    payload = body(
        "cats",
        tools=[{"functionDeclarations": [declaration]}],
        toolConfig={"functionCallingConfig": {"mode": "ANY"}},
    )
    answer = gemini.post("/models/gemini-2.5-flash:generateContent", json=payload).json()
    parts = answer["candidates"][0]["content"]["parts"]
    assert parts == [{"functionCall": {"name": "lookup", "args": {"term": "cats"}}}]
    payload["contents"] += [
        {"role": "model", "parts": parts},
        {"role": "user", "parts": [{"functionResponse": {"name": "lookup", "response": {"n": 9}}}]},
    ]
    answer = gemini.post("/models/gemini-2.5-flash:generateContent", json=payload).json()
    assert answer["candidates"][0]["content"]["parts"] == [{"text": 'Echo: {"n": 9}'}]


def test_thoughts_and_max_tokens(gemini: httpx.Client) -> None:
    config = {"thinkingConfig": {"includeThoughts": True}, "maxOutputTokens": 2}
    answer = gemini.post(
        "/models/gemini-2.5-flash:generateContent", json=body("a b c", generationConfig=config)
    ).json()
    candidate = answer["candidates"][0]
    assert candidate["content"]["parts"] == [
        {"text": "Thinking about: a b c", "thought": True},
        {"text": "Echo: a"},
    ]
    assert candidate["finishReason"] == "MAX_TOKENS"


def test_models_count_tokens_and_embed(gemini: httpx.Client) -> None:
    names = [m["name"] for m in gemini.get("/models").json()["models"]]
    assert "models/gemini-2.5-flash" in names
    assert gemini.get("/models/gemini-2.5-flash").json()["name"] == "models/gemini-2.5-flash"
    counted = gemini.post("/models/gemini-2.5-flash:countTokens", json=body("a b c")).json()
    assert counted == {"totalTokens": 3}
    embedded = gemini.post(
        "/models/gemini-2.5-flash:embedContent",
        json={"content": {"parts": [{"text": "x"}]}, "outputDimensionality": 4},
    ).json()
    assert len(embedded["embedding"]["values"]) == 4


def test_unknown_model_is_google_not_found(gemini: httpx.Client) -> None:
    response = gemini.post("/models/gemini-0:generateContent", json=body())
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": 404,
        "message": "models/gemini-0 is not found for API version v1beta.",
        "status": "NOT_FOUND",
    }
