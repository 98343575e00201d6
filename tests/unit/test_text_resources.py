"""Corners of the text resources that need no server: how requests are built (proxy
paths, the stream flag, keep_base64) and the stream classes' helpers, over a transport
mock. The same operations run over real HTTP in tests/contract and tests/sdk."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from r9s import R9S
from r9s.resources.chat import AsyncChatCompletionStream, ChatCompletionStream
from r9s.resources.completions import AsyncCompletionStream, CompletionStream
from r9s.resources.proxy import proxy_operation
from tests.support.text_fixtures import fixture_bytes

Handler = Callable[[httpx.Request], httpx.Response]


def recording(response: httpx.Response) -> tuple[list[httpx.Request], Handler]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response

    return seen, handler


def sync_client(handler: Handler) -> R9S:
    transport = httpx.MockTransport(handler)
    return R9S(
        api_key="sk-unit",
        server_url="http://r9s.test/v1",
        client=httpx.Client(transport=transport),
        retry_config=None,
    )


def async_client(handler: Handler) -> R9S:
    transport = httpx.MockTransport(handler)
    return R9S(
        api_key="sk-unit",
        server_url="http://r9s.test/v1",
        async_client=httpx.AsyncClient(transport=transport),
        retry_config=None,
    )


def sse(name: str) -> httpx.Response:
    return httpx.Response(
        200, content=fixture_bytes(name), headers={"content-type": "text/event-stream"}
    )


# -- proxy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("chat/completions", "/v1/nextrouter/proxy/ch-7/chat/completions"),
        ("/v1/embeddings", "/v1/nextrouter/proxy/ch-7/v1/embeddings"),
        ("models/gpt 4o", "/v1/nextrouter/proxy/ch-7/models/gpt%204o"),
        ("a?b=1#c", "/v1/nextrouter/proxy/ch-7/a%3Fb%3D1%23c"),
        ("{channelid}/x", "/v1/nextrouter/proxy/ch-7/%7Bchannelid%7D/x"),
    ],
)
def test_proxy_target_is_a_raw_multi_segment_tail(target: str, path: str) -> None:
    seen, handler = recording(httpx.Response(200, json={"ok": True}))
    with sync_client(handler) as client:
        answer = client.proxy.request(channelid="ch-7", target=target, body={"model": "m"})
    assert answer == {"ok": True}
    assert seen[0].url.raw_path.decode() == path
    assert json.loads(seen[0].content) == {"model": "m"}


def test_proxy_channel_id_is_one_segment_and_body_keys_never_become_options() -> None:
    seen, handler = recording(httpx.Response(200, content=b""))
    with sync_client(handler) as client:
        answer = client.proxy.request(
            channelid="a/b",
            target="x",
            body={"timeout": 5, "retries": 2},
            request_body={"from_0x": True},
            extra_body={"extra": 1},
        )
    assert answer is None  # an empty answer
    assert seen[0].url.raw_path.decode() == "/v1/nextrouter/proxy/a%2Fb/x"
    assert json.loads(seen[0].content) == {"from_0x": True, "timeout": 5, "retries": 2, "extra": 1}


@pytest.mark.parametrize("target", ["", "/", "a/../b", "./x", ".."])
def test_proxy_rejects_targets_that_escape_the_channel(target: str) -> None:
    with pytest.raises(ValueError):
        proxy_operation(target)


# -- embeddings -------------------------------------------------------------------------


def test_keep_base64_asks_for_base64_and_returns_strings() -> None:
    seen, handler = recording(httpx.Response(200, content=fixture_bytes("embeddings_base64.json")))
    with sync_client(handler) as client:
        raw = client.embeddings.create(model="text-embedding-3-small", input="x", keep_base64=True)
        decoded = client.embeddings.create(
            model="text-embedding-3-small", input="x", encoding_format="base64"
        )
    assert isinstance(raw.data[0].embedding, str)
    assert decoded.data[0].embedding == raw.data[0].floats()
    assert [json.loads(r.content)["encoding_format"] for r in seen] == ["base64", "base64"]
    assert "keep_base64" not in json.loads(seen[0].content)


def test_keep_base64_with_float_format_is_refused() -> None:
    with sync_client(recording(httpx.Response(200))[1]) as client, pytest.raises(ValueError):
        client.embeddings.create(model="m", input="x", encoding_format="float", keep_base64=True)


def test_engine_embeddings_put_the_model_in_the_path() -> None:
    seen, handler = recording(httpx.Response(200, content=fixture_bytes("embeddings_float.json")))
    with sync_client(handler) as client:
        response = client.engine_embeddings.create(model="qwen-plus", input=[[1, 2], [3]])
    assert seen[0].url.path == "/v1/engines/qwen-plus/embeddings"
    assert json.loads(seen[0].content) == {"input": [[1, 2], [3]]}
    assert len(response.vectors) == 2


# -- streams ----------------------------------------------------------------------------


def test_chat_stream_sends_the_flag_and_offers_the_helpers() -> None:
    seen, handler = recording(sse("chat_stream_parallel_tools.sse"))
    with (
        sync_client(handler) as client,
        client.chat.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "weather?"}],
            stream=True,
            stream_options={"include_usage": True},
        ) as stream,
    ):
        assert isinstance(stream, ChatCompletionStream)
        first = next(stream)
        assert first.choices[0].delta.role == "assistant"
        assert stream.current_completion_snapshot.choices[0].message.tool_calls
        completion = stream.get_final_completion()
    body = json.loads(seen[0].content)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert seen[0].headers["accept"] == "text/event-stream"
    calls = completion.choices[0].message.tool_calls
    assert calls is not None and [json.loads(c.function.arguments)["location"] for c in calls] == [
        "San Francisco, CA",
        "Tokyo, Japan",
    ]
    assert completion.usage is not None and completion.usage.total_tokens == 138


def test_chat_text_stream_and_non_stream_body() -> None:
    seen, handler = recording(sse("chat_stream_openai_text.sse"))
    with sync_client(handler) as client:
        stream = client.chat.create(
            model="m", messages=[{"role": "user", "content": "?"}], stream=True
        )
        assert "".join(stream.text_stream) == "The capital of France is Paris."
    seen2, handler2 = recording(
        httpx.Response(200, content=fixture_bytes("chat_openai_basic.json"))
    )
    with sync_client(handler2) as client:
        completion = client.chat.create(model="m", messages=[{"role": "user", "content": "?"}])
    assert "stream" not in json.loads(seen2[0].content)
    assert completion.text == "The capital of France is Paris."


def test_completion_stream_helpers() -> None:
    _, handler = recording(sse("completions_stream.sse"))
    with sync_client(handler) as client:
        stream = client.completions.create(model="m", prompt="List", stream=True)
        assert isinstance(stream, CompletionStream)
        completion = stream.get_final_completion()
    assert completion.text == "\n\n1. Catches bugs early\n2. Documents behaviour"
    assert completion.usage is not None and completion.usage.total_tokens == 20


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_streams_offer_the_same_helpers() -> None:
    _, chat_handler = recording(sse("chat_stream_vendor_reasoning.sse"))
    client = async_client(chat_handler)
    async with (
        client,
        await client.chat.create_async(
            model="qwen-plus", messages=[{"role": "user", "content": "hi"}], stream=True
        ) as stream,
    ):
        assert isinstance(stream, AsyncChatCompletionStream)
        text = [delta async for delta in stream.text_stream]
        completion = await stream.get_final_completion()
    assert "".join(text) == "Hello! How can I help?"
    assert (
        completion.choices[0].message.reasoning_content
        == "The user wants a greeting. Keep it short."
    )

    _, handler = recording(sse("completions_stream.sse"))
    client = async_client(handler)
    async with client:
        stream2 = await client.completions.create_async(model="m", prompt="List", stream=True)
        assert isinstance(stream2, AsyncCompletionStream)
        assert (await stream2.get_final_text()).startswith("\n\n1. Catches")


def test_truncated_chat_stream_raises() -> None:
    from r9s import errors

    raw = fixture_bytes("chat_stream_openai_text.sse").replace(b"data: [DONE]\n\n", b"")
    _, handler = recording(httpx.Response(200, content=raw))
    with sync_client(handler) as client:
        stream = client.chat.create(
            model="m", messages=[{"role": "user", "content": "?"}], stream=True
        )
        with pytest.raises(errors.IncompleteStreamError):
            stream.get_final_completion()
