"""The official openai and anthropic SDKs against the local server: proof that it speaks
the real protocols (their parsers, stream accumulators and helpers are the judges)."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pydantic
import pytest
from anthropic.types import ToolParam
from openai.types.chat import ChatCompletionFunctionToolParam
from openai.types.responses import FunctionToolParam

from r9s.testing import LocalServer

WEATHER: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
}
LOOKUP: ToolParam = {
    "name": "lookup",
    "description": "Look a word up",
    "input_schema": {
        "type": "object",
        "properties": {"word": {"type": "string"}},
        "required": ["word"],
    },
}
CLAUDE = "claude-haiku-4-5"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture
def oai(server: LocalServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.url, api_key="sk-openai-test", max_retries=0) as client:
        yield client


@pytest.fixture
def claude(server: LocalServer) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(
        base_url=server.root_url, api_key="sk-ant-test", max_retries=0
    ) as client:
        yield client


def user(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


# -- openai ---------------------------------------------------------------------------


def test_openai_models(oai: openai.OpenAI) -> None:
    assert "gpt-4o-mini" in [model.id for model in oai.models.list()]
    assert oai.models.retrieve("gpt-4o").owned_by == "openai"
    with pytest.raises(openai.NotFoundError) as caught:
        oai.models.retrieve("no-such-model")
    assert caught.value.code == "model_not_found"


def test_openai_chat(oai: openai.OpenAI) -> None:
    completion = oai.chat.completions.create(model="gpt-4o-mini", messages=user("Hello there"))
    assert completion.choices[0].message.content == "Echo: Hello there"
    assert completion.usage is not None and completion.usage.total_tokens == 5


def test_openai_chat_stream_with_usage(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=user("stream me please"),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: stream me please"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 4


def test_openai_stream_helper_reassembles_tool_calls(oai: openai.OpenAI) -> None:
    with oai.chat.completions.stream(
        model="gpt-4o-mini",
        messages=user("Tokyo"),
        tools=[WEATHER],
        tool_choice="required",
    ) as stream:
        argument_deltas = [e for e in stream if e.type == "tool_calls.function.arguments.delta"]
        final = stream.get_final_completion()
    assert len(argument_deltas) >= 2
    choice = final.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls or []
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "Tokyo"}


def test_openai_embeddings_float_and_base64(oai: openai.OpenAI, server: LocalServer) -> None:
    floats = oai.embeddings.create(
        model="text-embedding-3-small", input=["a", "b"], encoding_format="float", dimensions=16
    )
    # Without encoding_format the SDK asks for base64 and decodes it itself.
    decoded = oai.embeddings.create(model="text-embedding-3-small", input=["a", "b"], dimensions=16)
    assert server.requests[-1].json["encoding_format"] == "base64"
    assert [d.embedding for d in decoded.data] == [d.embedding for d in floats.data]
    assert len(floats.data[0].embedding) == 16 and decoded.usage.prompt_tokens == 2


def test_openai_responses(oai: openai.OpenAI) -> None:
    response = oai.responses.create(model="gpt-5-codex", input="Tell me a joke")
    assert response.output_text == "Echo: Tell me a joke"
    assert response.usage is not None and response.usage.output_tokens == 5


def test_openai_responses_stream_helper(oai: openai.OpenAI) -> None:
    with oai.responses.stream(model="gpt-5-codex", input="one two three") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == "Echo: one two three"
    assert final.output_text == "Echo: one two three"


def test_openai_responses_function_call(oai: openai.OpenAI) -> None:
    tool: FunctionToolParam = {
        "type": "function",
        "name": "get_weather",
        "parameters": WEATHER["function"].get("parameters"),
        "strict": False,  # required by openai's type (the Responses API defaults it to true)
    }
    with oai.responses.stream(
        model="gpt-4o-mini",
        input="Lima",
        tools=[tool],
        tool_choice="required",
    ) as stream:
        final = stream.get_final_response()
    (call,) = final.output
    assert call.type == "function_call" and json.loads(call.arguments) == {"location": "Lima"}
    follow_up = oai.responses.create(
        model="gpt-4o-mini",
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
    )
    assert follow_up.output_text == "Echo: sunny"


class Person(pydantic.BaseModel):
    name: str
    age: int
    tags: list[str]
    nickname: str | None


def test_openai_structured_outputs(oai: openai.OpenAI) -> None:
    chat = oai.chat.completions.parse(
        model="gpt-4o-mini", messages=user("Ada"), response_format=Person
    )
    assert chat.choices[0].message.parsed == Person(name="Ada", age=1, tags=[], nickname="Ada")
    response = oai.responses.parse(model="gpt-4o-mini", input="Ada", text_format=Person)
    assert response.output_parsed == Person(name="Ada", age=1, tags=[], nickname="Ada")


def test_openai_completions(oai: openai.OpenAI) -> None:
    completion = oai.completions.create(model="gpt-3.5-turbo-instruct", prompt="Once upon")
    assert completion.object == "text_completion"
    assert completion.choices[0].text == "Echo: Once upon"
    streamed = oai.completions.create(model="gpt-3.5-turbo-instruct", prompt="x y", stream=True)
    assert "".join(c.choices[0].text for c in streamed if c.choices) == "Echo: x y"


def test_openai_images(oai: openai.OpenAI) -> None:
    generated = oai.images.generate(model="gpt-image-1", prompt="a red square")
    assert generated.data is not None and generated.data[0].b64_json is not None
    assert base64.b64decode(generated.data[0].b64_json).startswith(b"\x89PNG")
    linked = oai.images.generate(model="dall-e-2", prompt="x", response_format="url")
    assert linked.data is not None and linked.data[0].url is not None
    events = list(
        oai.images.generate(model="gpt-image-1", prompt="x", stream=True, partial_images=1)
    )
    assert [e.type for e in events] == [
        "image_generation.partial_image",
        "image_generation.completed",
    ]


def test_openai_image_edit(oai: openai.OpenAI) -> None:
    edited = oai.images.edit(
        model="gpt-image-1",
        image=[("a.png", b"\x89PNG-a"), ("b.png", b"\x89PNG-bb")],
        prompt="make it blue",
    )
    assert edited.data is not None
    assert edited.data[0].revised_prompt == (
        "Echo: make it blue [images: a.png (6 bytes), b.png (7 bytes)]"
    )


def test_openai_speech_and_transcription(oai: openai.OpenAI, tmp_path: Path) -> None:
    target = tmp_path / "hello.wav"
    with oai.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input="hello world", response_format="wav"
    ) as response:
        response.stream_to_file(target)
    audio = target.read_bytes()
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    transcript = oai.audio.transcriptions.create(model="whisper-1", file=("hello.wav", audio))
    assert transcript.text.startswith(f"Transcribed hello.wav: {len(audio)} bytes, sha256 ")
    words = oai.audio.transcriptions.create(
        model="whisper-1",
        file=target,
        response_format="verbose_json",
        timestamp_granularities=["word"],
    )
    assert words.words is not None and words.words[0].word == "Transcribed"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the SDK marks translations so
        text = oai.audio.translations.create(model="whisper-1", file=target, response_format="text")
    assert str(text).startswith("Translated hello.wav")


def test_openai_moderations(oai: openai.OpenAI) -> None:
    result = oai.moderations.create(input=["nice day", "I will hurt you"])
    assert [r.flagged for r in result.results] == [False, True]
    assert result.results[1].categories.violence


def test_openai_errors_and_retries(server: LocalServer) -> None:
    with openai.OpenAI(base_url=server.url, api_key="k", max_retries=2) as client:
        server.inject("status=503;retry_after_ms=10", times=2)
        assert client.models.list().data
        with pytest.raises(openai.RateLimitError):
            client.with_options(max_retries=0).models.list(
                extra_headers={"X-R9S-Fault": "status=429"}
            )
        with pytest.raises(openai.APIError, match="streaming"):
            list(
                client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=user("x"),
                    stream=True,
                    extra_headers={"X-R9S-Fault": "stream_error=2"},
                )
            )
    with LocalServer(api_key="sk-right") as strict:
        with openai.OpenAI(base_url=strict.url, api_key="sk-wrong", max_retries=0) as client:
            with pytest.raises(openai.AuthenticationError):
                client.models.list()


# -- anthropic ------------------------------------------------------------------------


def test_anthropic_message(claude: anthropic.Anthropic) -> None:
    message = claude.messages.create(
        model=CLAUDE, max_tokens=256, system="be brief", messages=user("hello claude")
    )
    assert message.content[0].type == "text" and message.content[0].text == "Echo: hello claude"
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (4, 3)


def test_anthropic_stream_text(claude: anthropic.Anthropic) -> None:
    with claude.messages.stream(model=CLAUDE, max_tokens=256, messages=user("a b c")) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert pieces == ["Echo:", " a", " b", " c"]
    assert final.content[0].type == "text" and final.content[0].text == "Echo: a b c"


def test_anthropic_stream_thinking_and_tool_use(claude: anthropic.Anthropic) -> None:
    with claude.messages.stream(
        model=CLAUDE,
        max_tokens=4096,
        thinking={"type": "enabled", "budget_tokens": 1024},
        tools=[LOOKUP],
        tool_choice={"type": "any"},
        messages=user("serendipity"),
    ) as stream:
        final = stream.get_final_message()
    thinking, text, tool_use = final.content
    assert thinking.type == "thinking" and thinking.thinking == "Thinking about: serendipity"
    assert thinking.signature
    assert text.type == "text" and text.text == "Calling lookup."
    assert tool_use.type == "tool_use" and tool_use.input == {"word": "serendipity"}
    assert final.stop_reason == "tool_use"

    follow_up = claude.messages.create(
        model=CLAUDE,
        max_tokens=256,
        tools=[LOOKUP],
        messages=[
            *user("serendipity"),
            {"role": "assistant", "content": final.content},
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": tool_use.id,
                        "content": "a happy accident",
                    }
                ],
            },
        ],
    )
    assert follow_up.content[0].type == "text"
    assert follow_up.content[0].text == "Echo: a happy accident"


def test_anthropic_structured_output(claude: anthropic.Anthropic) -> None:
    message = claude.messages.parse(
        model=CLAUDE, max_tokens=256, messages=user("Ada"), output_format=Person
    )
    assert message.parsed_output == Person(name="Ada", age=1, tags=[], nickname="Ada")


def test_anthropic_count_tokens_and_models(claude: anthropic.Anthropic) -> None:
    counted = claude.messages.count_tokens(model=CLAUDE, messages=user("one two three"))
    assert counted.input_tokens == 3
    assert CLAUDE in [model.id for model in claude.models.list()]


def test_r9s_counts_tokens_as_the_anthropic_sdk_does(
    server: LocalServer, claude: anthropic.Anthropic
) -> None:
    from r9s import R9S

    request: dict[str, Any] = {
        "model": CLAUDE,
        "messages": user("the quick brown fox"),
        "system": "Be brief.",
        "tools": [LOOKUP],
    }
    theirs = claude.messages.count_tokens(**request)
    with R9S(api_key="sk-r9s-test", server_url=server.url) as r9s:
        ours = r9s.messages.count_tokens(**request)
    assert ours.input_tokens == theirs.input_tokens > 0
    assert ours.to_dict() == theirs.model_dump()


def test_anthropic_errors(server: LocalServer, claude: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError):
        claude.messages.create(model="claude-nope", max_tokens=10, messages=user("x"))
    with pytest.raises(anthropic.APIStatusError) as caught:  # noqa: SIM117
        with claude.messages.stream(
            model=CLAUDE,
            max_tokens=10,
            messages=user("x y z"),
            extra_headers={"X-R9S-Fault": "stream_error=3"},
        ) as stream:
            stream.get_final_message()
    assert "overloaded_error" in str(caught.value)
    with LocalServer(api_key="sk-right") as strict:
        client = anthropic.Anthropic(base_url=strict.root_url, api_key="sk-wrong", max_retries=0)
        with pytest.raises(anthropic.AuthenticationError):
            client.messages.create(model=CLAUDE, max_tokens=10, messages=user("x"))
        client.close()
