"""The text operations over real HTTP against the local server, each test body run sync
and async: chat, completions, edits, embeddings, engine_embeddings, moderations, search
and proxy, with their streams and helpers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from r9s import R9S, errors
from r9s.models import ChatCompletion, ChatCompletionChunk, Completion, CompletionChunk
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY, FAST_RETRY, Caller

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
USER = {"role": "user", "content": "one two three"}


class Streamer:
    """Opens a stream with a fresh client (sync or async) and reads it whole, inside the
    client's lifetime: the items, ``text_stream`` of a second request, and the final result."""

    def __init__(self, mode: str, server: LocalServer) -> None:
        self.mode = mode
        self.kwargs = {"api_key": API_KEY, "server_url": server.url, "retry_config": FAST_RETRY}

    def __call__(self, operation: str, /, **params: Any) -> tuple[list[Any], str, Any]:
        resource, method = operation.split(".")
        if self.mode == "sync":
            with R9S(**self.kwargs) as client:
                create = getattr(getattr(client, resource), method)
                with create(stream=True, **params) as stream:
                    items = list(stream)
                    final = stream.get_final_completion()
                text = "".join(create(stream=True, **params).text_stream)
                return items, text, final

        async def run() -> tuple[list[Any], str, Any]:
            async with R9S(**self.kwargs) as client:
                create = getattr(getattr(client, resource), f"{method}_async")
                async with await create(stream=True, **params) as stream:
                    items = [item async for item in stream]
                    final = await stream.get_final_completion()
                again = await create(stream=True, **params)
                text = "".join([delta async for delta in again.text_stream])
                return items, text, final

        return asyncio.run(run())


@pytest.fixture
def stream(mode: str, server: LocalServer) -> Streamer:
    return Streamer(mode, server)


def essence(completion: Any) -> list[tuple[Any, ...]]:
    """What a streamed and a whole answer must agree on, choice by choice."""
    if isinstance(completion, Completion):
        return [(c.index, c.finish_reason, c.text) for c in completion.choices]
    return [
        (
            c.index,
            c.finish_reason,
            c.message.role,
            c.message.content,
            c.message.tool_calls,
            c.message.reasoning_content,
        )
        for c in completion.choices
    ]


# -- chat -------------------------------------------------------------------------------


def test_chat(call: Caller, server: LocalServer) -> None:
    completion = call("chat.create", model="gpt-4o-mini", messages=[USER], temperature=0.2)
    assert isinstance(completion, ChatCompletion)
    assert completion.text == "Echo: one two three"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens > 0
    sent = server.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.json == {"model": "gpt-4o-mini", "messages": [USER], "temperature": 0.2}


def test_chat_answer_sent_back_as_the_next_turn(call: Caller, server: LocalServer) -> None:
    first = call("chat.create", model="gpt-4o-mini", messages=[USER])
    follow = {"role": "user", "content": "four"}
    second = call(
        "chat.create", model="gpt-4o-mini", messages=[USER, first.choices[0].message, follow]
    )
    assert second.text == "Echo: four"
    assert server.requests[-1].json["messages"][1] == {
        "role": "assistant",
        "content": "Echo: one two three",
        "refusal": None,
        "annotations": [],
    }


def test_chat_tool_round_trip(call: Caller) -> None:
    asked = call(
        "chat.create",
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Paris"}],
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    message = asked.choices[0].message
    assert asked.choices[0].finish_reason == "tool_calls"
    assert message.content is None and message.tool_calls
    call_ = message.tool_calls[0]
    assert call_.function.name == "get_weather"
    assert isinstance(json.loads(call_.function.arguments), dict)
    answered = call(
        "chat.create",
        model="gpt-4o-mini",
        messages=[
            {"role": "user", "content": "Paris"},
            message,
            {"role": "tool", "tool_call_id": call_.id, "content": "sunny"},
        ],
        tools=[WEATHER],
    )
    assert "sunny" in answered.text


def test_chat_stream_adds_up_to_the_plain_answer(call: Caller, stream: Streamer) -> None:
    params: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [USER], "n": 2}
    plain = call("chat.create", **params)
    items, text, final = stream("chat.create", **params, stream_options={"include_usage": True})
    assert all(isinstance(item, ChatCompletionChunk) for item in items)
    assert items[-1].choices == [] and items[-1].usage is not None
    assert text == "Echo: one two three"
    assert len(final.choices) == 2
    assert essence(final) == essence(plain)
    assert final.usage == plain.usage


def test_chat_stream_reassembles_tool_calls(call: Caller, stream: Streamer) -> None:
    params: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Weather in Paris and Tokyo"}],
        "tools": [WEATHER],
        "tool_choice": "required",
    }
    plain = call("chat.create", **params)
    items, text, final = stream("chat.create", **params)
    assert text == ""
    pieces = [c for item in items for ch in item.choices for c in ch.delta.tool_calls or []]
    assert len(pieces) > len(plain.choices[0].message.tool_calls)  # really split
    assert final.choices[0].message.tool_calls == plain.choices[0].message.tool_calls
    assert final.choices[0].finish_reason == "tool_calls"


def test_chat_reasoning_content_streamed_and_whole(call: Caller, stream: Streamer) -> None:
    params: dict[str, Any] = {"model": "o3", "messages": [USER], "reasoning_effort": "high"}
    plain = call("chat.create", **params)
    _, _, final = stream("chat.create", **params)
    reasoning = plain.choices[0].message.reasoning_content
    assert reasoning
    assert final.choices[0].message.reasoning_content == reasoning
    assert final.text == plain.text


def test_chat_error_event_mid_stream(mode: str, server: LocalServer) -> None:
    faulty = {"X-R9S-Fault": "stream_error=2"}
    with pytest.raises(errors.APIStatusError):
        Streamer(mode, server)(
            "chat.create", model="gpt-4o-mini", messages=[USER], http_headers=faulty
        )


def test_chat_connection_dropped_mid_stream(mode: str, server: LocalServer) -> None:
    faulty = {"X-R9S-Fault": "drop=mid_stream;after=3"}
    with pytest.raises((errors.APIConnectionError, errors.IncompleteStreamError)):
        Streamer(mode, server)(
            "chat.create", model="gpt-4o-mini", messages=[USER], http_headers=faulty
        )


def test_chat_unknown_model(call: Caller) -> None:
    with pytest.raises(errors.NotFoundError):
        call("chat.create", model="no-such-model", messages=[USER])


# -- completions and edits --------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "texts"),
    [
        ("one two", ["Echo: one two"]),
        (["a b", "c d"], ["Echo: a b", "Echo: c d"]),
        ([1, 2, 3], ["Echo: 1 2 3"]),
        ([[1, 2], [3]], ["Echo: 1 2", "Echo: 3"]),
    ],
    ids=["string", "strings", "tokens", "token-lists"],
)
def test_completion_prompts(call: Caller, prompt: Any, texts: list[str]) -> None:
    completion = call("completions.create", model="gpt-3.5-turbo-instruct", prompt=prompt)
    assert isinstance(completion, Completion)
    assert completion.object == "text_completion"
    assert [choice.text for choice in completion.choices] == texts


def test_completion_stream(call: Caller, stream: Streamer) -> None:
    params: dict[str, Any] = {"model": "gpt-3.5-turbo-instruct", "prompt": ["a b", "c"]}
    plain = call("completions.create", **params)
    items, text, final = stream(
        "completions.create", **params, stream_options={"include_usage": True}
    )
    assert all(isinstance(item, CompletionChunk) for item in items)
    assert text == "Echo: a b"
    assert essence(final) == essence(plain)
    assert final.usage == plain.usage


def test_edit(call: Caller, server: LocalServer) -> None:
    edit = call(
        "edits.create",
        model="gpt-4o-mini",
        input="What day of the wek is it?",
        instruction="Fix the spelling mistakes",
        n=2,
    )
    assert [choice.text for choice in edit.choices] == ["Echo: What day of the wek is it?"] * 2
    assert server.requests[-1].path == "/v1/edits"


# -- embeddings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("input_", "count"),
    [("hello", 1), (["a", "b", "c"], 3), ([1, 2, 3], 1), ([[1, 2], [3]], 2)],
    ids=["string", "strings", "tokens", "token-lists"],
)
def test_embeddings_inputs(call: Caller, input_: Any, count: int) -> None:
    response = call("embeddings.create", model="text-embedding-3-small", input=input_)
    assert len(response.vectors) == count
    assert all(len(vector) == 1536 for vector in response.vectors)


def test_base64_embeddings_decode_to_the_same_floats(call: Caller, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": "text-embedding-3-small",
        "input": ["a", "b"],
        "dimensions": 64,
    }
    floats = call("embeddings.create", **params)
    decoded = call("embeddings.create", **params, encoding_format="base64")
    assert server.requests[-1].json["encoding_format"] == "base64"
    for got, want in zip(decoded.vectors, floats.vectors, strict=True):
        assert got == pytest.approx(want, rel=1e-6, abs=1e-7)
    raw = call("embeddings.create", **params, keep_base64=True)
    assert isinstance(raw.data[0].embedding, str)
    assert raw.data[0].floats() == decoded.vectors[0]


def test_engine_embeddings(call: Caller, server: LocalServer) -> None:
    response = call(
        "engine_embeddings.create", model="text-embedding-3-small", input="hi", dimensions=8
    )
    assert server.requests[-1].path == "/v1/engines/text-embedding-3-small/embeddings"
    assert "model" not in server.requests[-1].json
    assert len(response.data[0].embedding) == 8
    raw = call(
        "engine_embeddings.create", model="text-embedding-3-small", input="hi", keep_base64=True
    )
    assert isinstance(raw.data[0].embedding, str)


# -- moderations, search, proxy ---------------------------------------------------------


def test_moderation(call: Caller) -> None:
    response = call("moderations.create", input=["hello there", "I will hurt you"])
    calm, violent = response.results
    assert (calm.flagged, violent.flagged) == (False, True)
    assert violent.categories.violence is True and violent.categories.self_harm_intent is False
    assert violent.category_scores.violence == pytest.approx(0.91)
    assert violent.categories.to_dict()["self-harm/intent"] is False


@pytest.mark.parametrize(
    ("engine", "key"), [("exa", "results"), ("tavily", "results"), ("google", "items")]
)
def test_search(call: Caller, engine: str, key: str) -> None:
    found = call("search.create", engine=engine, extra={"query": "llm routing", "num": 2})
    assert found.engine == engine
    assert found.result[key]


def test_proxy_multi_segment_target(call: Caller, server: LocalServer) -> None:
    answer = call(
        "proxy.request",
        channelid="ch-1",
        target="chat/completions",
        body={"model": "gpt-4o-mini", "messages": [USER]},
    )
    assert server.requests[-1].path == "/v1/nextrouter/proxy/ch-1/chat/completions"
    assert answer["choices"][0]["message"]["content"] == "Echo: one two three"


def test_proxy_unknown_target_echoes(call: Caller) -> None:
    answer = call(
        "proxy.request",
        channelid="42",
        target="custom/endpoint",
        body={"custom_param": "value", "timeout": 3},
        extra_query={"a": "1"},
    )
    assert answer["target"] == "custom/endpoint"
    assert answer["json"] == {"custom_param": "value", "timeout": 3}
