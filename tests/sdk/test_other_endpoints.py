"""Moderations, search and proxy against the local server, sync and async."""

from __future__ import annotations

import pytest

from r9s.testing import LocalServer
from tests.support.twins import Twin

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
