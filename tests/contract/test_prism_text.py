"""The text operations against Prism, sync and async: every request must satisfy the
spec (Prism answers 422/400 with ``sl-violations`` otherwise) and every answer decodes.
Streams go through Prism serving canned event streams (canned_streams_text.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from r9s import R9S, errors
from r9s.models import ChatCompletion, ChatCompletionChunk, Completion, CompletionChunk
from tests.support.text_fixtures import FIXTURES
from tests.support.twins import MODE_PARAMS, enter_mode

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=MODE_PARAMS)
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Sync, and async on each async transport."""
    return enter_mode(str(request.param), monkeypatch)


@pytest.fixture
async def client(prism_url: str, mode: str) -> AsyncIterator[R9S]:
    async with R9S(api_key="sk-contract", server_url=prism_url, retry_config=None) as r9s:
        yield r9s


@pytest.fixture
async def sse_client(prism_sse_url: str, mode: str) -> AsyncIterator[R9S]:
    async with R9S(api_key="sk-contract", server_url=prism_sse_url, retry_config=None) as r9s:
        yield r9s


async def call(mode: str, method: Callable[..., Any], **kwargs: Any) -> Any:
    """``method(**kwargs)``, or its ``_async`` twin awaited."""
    if mode == "sync":
        return method(**kwargs)
    twin = getattr(method.__self__, f"{method.__name__}_async")
    return await twin(**kwargs)


async def streamed(
    mode: str, method: Callable[..., Any], **kwargs: Any
) -> tuple[list[Any], str, Any]:
    """Open a stream: its items, the text from ``text_stream``... (read once: items and
    the final result come from one pass, the text from a second request)."""
    if mode == "sync":
        with method(stream=True, **kwargs) as stream:
            items = list(stream)
            final = stream.get_final_completion()
        text = "".join(method(stream=True, **kwargs).text_stream)
        return items, text, final
    twin = getattr(method.__self__, f"{method.__name__}_async")
    async with await twin(stream=True, **kwargs) as stream:
        items = [item async for item in stream]
        final = await stream.get_final_completion()
    text = "".join([delta async for delta in (await twin(stream=True, **kwargs)).text_stream])
    return items, text, final


# -- chat -------------------------------------------------------------------------------


async def test_chat_basic(client: R9S, mode: str) -> None:
    completion = await call(
        mode,
        client.chat.create,
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Hello, how are you?"}],
    )
    assert isinstance(completion, ChatCompletion)
    assert completion.text.startswith("Hello!")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens == 30


async def test_chat_every_request_field(client: R9S, mode: str) -> None:
    """One request using every field the spec declares, in its spec-valid forms."""
    completion = await call(
        mode,
        client.chat.create,
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You are terse.", "name": "setup"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What's in this image?"},
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://example.com/a.jpg", "detail": "high"},
                    },
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_abc123",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "content": '{"temperature": 18}', "tool_call_id": "call_abc123"},
        ],
        frequency_penalty=0.5,
        logit_bias={"50256": -100},
        logprobs=True,
        top_logprobs=2,
        max_tokens=100,
        n=1,
        modalities=["text", "audio"],
        audio={"voice": "alloy", "format": "mp3"},
        presence_penalty=0.1,
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "answer",
                "description": "An answer",
                "schema": {"type": "object"},
            },
        },
        seed=7,
        service_tier="auto",
        stop=["\n\n"],
        temperature=0.7,
        top_p=0.9,
        top_k=40,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        parallel_tool_calls=True,
        user="user_12345",
        reasoning_effort="high",
        max_completion_tokens=2000,
        store=True,
        metadata={"session_id": "s1"},
    )
    assert completion.choices[0].message.role == "assistant"


async def test_chat_answer_goes_back_as_the_next_turn(client: R9S, mode: str) -> None:
    question = {"role": "user", "content": "Hello"}
    first = await call(mode, client.chat.create, model="gpt-4o-mini", messages=[question])
    again = await call(
        mode,
        client.chat.create,
        model="gpt-4o-mini",
        messages=[question, first.choices[0].message, {"role": "user", "content": "And?"}],
        tools=[WEATHER_TOOL],
        tool_choice="auto",
    )
    assert again.id == "chatcmpl-123"


async def test_chat_stream(sse_client: R9S, mode: str) -> None:
    items, text, final = await streamed(
        mode,
        sse_client.chat.create,
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Weather in Paris and Berlin?"}],
        stream_options={"include_usage": True},
    )
    assert all(isinstance(item, ChatCompletionChunk) for item in items)
    assert items[-1].choices == [] and items[-1].usage is not None
    assert text == "I'll check the weather in both cities."
    expected = json.loads((FIXTURES / "chat_stream_text_then_tools.final.json").read_text())
    assert final.to_dict()["choices"] == expected["choices"]
    assert final.usage.prompt_tokens_details.cached_tokens == 384


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (409, errors.ConflictError),
        (422, errors.UnprocessableEntityError),
        (429, errors.RateLimitError),
    ],
)
async def test_chat_declared_errors(client: R9S, mode: str, status: int, cls: type) -> None:
    with pytest.raises(cls) as caught:
        await call(
            mode,
            client.chat.create,
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Hi"}],
            http_headers={"Prefer": f"code={status}"},
        )
    assert caught.value.status_code == status


async def test_a_request_breaking_the_spec_is_refused_by_prism(client: R9S, mode: str) -> None:
    """Guards the guard: Prism really validates what we send (here D6's developer role,
    which real servers accept and the spec does not)."""
    with pytest.raises(errors.UnprocessableEntityError) as caught:
        await call(
            mode,
            client.chat.create,
            model="gpt-4o-mini",
            messages=[{"role": "developer", "content": "Be brief."}],
        )
    assert caught.value.headers is not None and "sl-violations" in caught.value.headers


# -- completions and edits --------------------------------------------------------------


async def test_completion(client: R9S, mode: str) -> None:
    completion = await call(
        mode,
        client.completions.create,
        model="qwen-plus",
        prompt="Write a haiku about coding",
        best_of=1,
        echo=False,
        frequency_penalty=0,
        logit_bias={"50256": -100},
        max_tokens=100,
        n=1,
        presence_penalty=0,
        seed=3,
        stop=["\n\n"],
        temperature=0.8,
        top_p=1.0,
        user="u1",
    )
    assert isinstance(completion, Completion)
    assert completion.object == "completion"  # the spec's example (D7: OpenAI says text_completion)
    assert completion.text.startswith(", there was")


async def test_completion_stream(sse_client: R9S, mode: str) -> None:
    items, text, final = await streamed(
        mode,
        sse_client.completions.create,
        model="gpt-4o-mini",
        prompt="List 3 benefits of unit testing",
        max_tokens=64,
        stop=["\n\n"],
    )
    assert all(isinstance(item, CompletionChunk) for item in items)
    assert text == "\n\n1. Catches bugs early\n2. Documents behaviour"
    assert final.text == text and final.choices[0].finish_reason == "length"
    assert final.usage.total_tokens == 20


async def test_edit(client: R9S, mode: str) -> None:
    edit = await call(
        mode,
        client.edits.create,
        model="gpt-4o-mini",
        input="What day of the wek is it?",
        instruction="Fix the spelling mistakes",
        n=1,
        temperature=0.2,
        top_p=1.0,
    )
    assert edit.text == "What day of the week is it?"
    assert edit.usage is not None and edit.usage.total_tokens == 18


# -- embeddings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "input_",
    ["The quick brown fox", ["Hello world", "Goodbye world"], [1, 2, 3], [[1, 2], [3, 4]]],
    ids=["string", "strings", "tokens", "token-lists"],
)
async def test_embeddings_inputs(client: R9S, mode: str, input_: Any) -> None:
    response = await call(
        mode, client.embeddings.create, model="text-embedding-3-small", input=input_, user="u1"
    )
    assert response.data[0].embedding == [0.0023064255, -0.009327292, -0.0028842222]
    assert response.usage is not None and response.usage.prompt_tokens == 8


async def test_embeddings_base64_formats(client: R9S, mode: str) -> None:
    decoded = await call(
        mode,
        client.embeddings.create,
        model="gpt-4o-mini",
        input="Convert this to an embedding.",
        encoding_format="base64",
        dimensions=256,
    )
    assert isinstance(decoded.data[0].embedding, list)
    raw = await call(
        mode, client.embeddings.create, model="gpt-4o-mini", input="x", keep_base64=True
    )
    # Prism answers floats whatever we ask: the caller who wanted base64 still gets it.
    assert raw.data[0].floats() == pytest.approx(decoded.data[0].embedding, rel=1e-6)


async def test_engine_embeddings(client: R9S, mode: str) -> None:
    response = await call(
        mode,
        client.engine_embeddings.create,
        model="qwen-plus",
        input=["First text", "Second text"],
        encoding_format="float",
        dimensions=512,
        user="u1",
    )
    # D12: the spec has no example here; Prism builds one from the schema.
    assert response.object == "list"


async def test_engine_embeddings_unknown_model(client: R9S, mode: str) -> None:
    with pytest.raises(errors.NotFoundError):
        await call(
            mode,
            client.engine_embeddings.create,
            model="nope",
            input="x",
            http_headers={"Prefer": "code=404"},
        )


# -- moderations, search, proxy ---------------------------------------------------------


async def test_moderation(client: R9S, mode: str) -> None:
    response = await call(
        mode,
        client.moderations.create,
        input=["Hello, how are you?", "This is a violent message"],
        model="gpt-4o-mini",
    )
    result = response.results[0]
    assert result.flagged is True
    assert result.categories.violence is True
    assert result.categories.self_harm_intent is False
    assert result.category_scores.violence == pytest.approx(0.89)
    assert result.categories.to_dict()["hate/threatening"] is False


async def test_search(client: R9S, mode: str) -> None:
    exa = await call(
        mode,
        client.search.create,
        engine="exa",
        extra={"query": "What is artificial intelligence?", "num": 5, "contents": {"text": True}},
        http_headers={"Prefer": "example=exa_response"},
    )
    assert exa.engine == "exa"
    assert exa.result["results"][0]["title"].startswith("Artificial Intelligence")
    tavily = await call(
        mode,
        client.search.create,
        extra={"query": "quantum computing", "max_results": 10},
        http_headers={"Prefer": "example=tavily_response"},
    )
    assert tavily.result["answer"].startswith("Recent advances")


async def test_search_without_query_is_refused(client: R9S, mode: str) -> None:
    # D3: /search declares no 422, so Prism's validation failure is a 400.
    with pytest.raises(errors.BadRequestError):
        await call(mode, client.search.create, extra={"num": 3})


async def test_proxy_single_segment_target(client: R9S, mode: str) -> None:
    answer = await call(
        mode,
        client.proxy.request,
        channelid="123",
        target="embeddings",
        body={"model": "qwen-plus", "prompt": "Write a tagline", "max_tokens": 60},
    )
    assert isinstance(answer, dict)


async def test_proxy_multi_segment_target_is_sent_raw(client: R9S, mode: str) -> None:
    """D8: the target is a raw path tail ("chat/completions", not "chat%2Fcompletions").
    Prism, routing by the spec's single-segment parameter, cannot match it: a 404 here
    shows the slash went out unencoded."""
    with pytest.raises(errors.NotFoundError):
        await call(
            mode,
            client.proxy.request,
            channelid="123",
            target="chat/completions",
            body={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]},
        )
