"""Moderations, search, proxy, and ``get``/``post`` to any path, against the local
server, sync and async."""

from __future__ import annotations

import json
from typing import Any

import pytest

from r9s import errors
from r9s.models import ChatCompletion, Model, ModelListResponse
from r9s.testing import LocalServer
from tests.support.twins import Twin, items

USER = {"role": "user", "content": "one two three"}


def test_moderation(r9s: Twin) -> None:
    response = r9s.moderations.create(input=["hello there", "I will hurt you"])
    calm, violent = response.results
    assert (calm.flagged, violent.flagged) == (False, True)
    assert violent.categories.violence is True and violent.categories.self_harm_intent is False
    assert violent.category_scores.violence == pytest.approx(0.91)
    assert violent.categories.to_dict()["self-harm/intent"] is False


@pytest.mark.parametrize(
    ("engine", "key"), [("exa", "results"), ("tavily", "results"), ("google", "items")]
)
def test_search(r9s: Twin, engine: str, key: str) -> None:
    found = r9s.search.create(engine=engine, extra={"query": "llm routing", "num": 2})
    assert found.engine == engine
    assert found.result[key]


def test_proxy_multi_segment_target(r9s: Twin, server: LocalServer) -> None:
    answer = r9s.proxy.request(
        channelid="ch-1",
        target="chat/completions",
        body={"model": "gpt-4o-mini", "messages": [USER]},
    )
    assert server.requests[-1].path == "/v1/nextrouter/proxy/ch-1/chat/completions"
    assert answer["choices"][0]["message"]["content"] == "Echo: one two three"


def test_proxy_unknown_target_echoes(r9s: Twin) -> None:
    answer = r9s.proxy.request(
        channelid="42",
        target="custom/endpoint",
        body={"custom_param": "value", "timeout": 3},
        extra_query={"a": "1"},
    )
    assert answer["target"] == "custom/endpoint"
    assert answer["json"] == {"custom_param": "value", "timeout": 3}


# -- any path: get and post -------------------------------------------------------------


def test_get_any_path_as_a_model_a_type_or_json(r9s: Twin, server: LocalServer) -> None:
    listed = r9s.get("/models", cast_to=ModelListResponse)
    assert isinstance(listed, ModelListResponse) and "gpt-4o-mini" in [m.id for m in listed.data]
    one = r9s.get("models/gpt-4o-mini", cast_to=Model, query={"expand": "1"})
    assert one.id == "gpt-4o-mini"
    assert (server.requests[-1].path, server.requests[-1].query) == (
        "/v1/models/gpt-4o-mini",
        {"expand": "1"},
    )
    plain = r9s.get("/models")
    assert isinstance(plain, dict) and plain["object"] == "list"
    typed = r9s.get("/models", cast_to=dict[str, Any])
    assert typed == plain
    text = r9s.get("/models", cast_to=str)
    assert json.loads(text) == plain
    assert json.loads(r9s.get("/models", cast_to=bytes)) == plain


def test_post_any_path(r9s: Twin, server: LocalServer) -> None:
    body = {"model": "gpt-4o-mini", "messages": [USER]}
    completion = r9s.post("/chat/completions", body=body, cast_to=ChatCompletion)
    assert isinstance(completion, ChatCompletion) and completion.text == "Echo: one two three"
    assert server.requests[-1].json == body
    counted = r9s.post(
        server.root_url + "/v1/messages/count_tokens",  # an absolute URL is used as it is
        body={"model": "claude-sonnet-4-5", "messages": [USER]},
    )
    assert counted["input_tokens"] > 0


def test_post_any_path_streamed(r9s: Twin, server: LocalServer) -> None:
    body = {"model": "gpt-4o-mini", "messages": [USER]}
    events = r9s.post("/chat/completions", body=body, stream=True, consume=items)
    assert server.requests[-1].json == {**body, "stream": True}
    assert events and all(event["object"] == "chat.completion.chunk" for event in events)
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
    assert text == "Echo: one two three"
    # A stream that ends without [DONE] is not an error here: the SDK does not know its end.
    answer = {"model": "claude-sonnet-4-5", "max_tokens": 9, "messages": [USER]}
    anthropic = r9s.post("/messages", body=answer, stream=True, consume=items)
    assert anthropic[-1]["type"] == "message_stop"


def test_any_path_gets_retries_errors_and_checked_options(r9s: Twin, server: LocalServer) -> None:
    server.inject("status=503", times=1)
    assert r9s.get("/models")["data"]
    with pytest.raises(errors.NotFoundError):
        r9s.get("/no/such/path")
    with pytest.raises(TypeError, match="timout"):
        r9s.get("/models", timout=3)
