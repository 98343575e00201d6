"""``parse`` is a drop-in for the official SDKs' ``parse``: for the same type, the request
body r9s sends equals (schema included) what ``openai``'s ``chat.completions.parse`` and
``responses.parse`` and ``anthropic``'s ``messages.parse`` send, both captured on the
local server, and the parsed objects are equal.

The one normalization: ``openai``'s chat ``parse`` writes ``"stream": false``, the
default, which r9s leaves out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

import anthropic
import openai
import pytest
from pydantic import BaseModel, Field

from r9s import R9S
from r9s.testing import LocalServer


class Color(StrEnum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    """Where someone lives."""

    street: str = Field(description="Street and number", min_length=3)
    city: str
    zip_code: str | None = Field(default=None, pattern=r"^\d{5}$")


class Person(BaseModel):
    """A person in the story."""

    name: str
    age: int = Field(ge=0, le=150, description="Age in years")
    nickname: str | None = None
    favourite: Color = Color.BLUE
    role: Literal["hero", "villain"]
    home: Address
    past_homes: list[Address] = Field(default_factory=list, min_length=1)
    born: date
    id: UUID
    scores: dict[str, float] = {}


class Flat(BaseModel):
    title: str
    done: bool


MODELS = [Person, Flat, Address]
PROMPT = "Tell me about Ada"


def body(server: LocalServer) -> dict[str, Any]:
    recorded = server.requests[-1].json
    assert isinstance(recorded, dict)
    if recorded.get("stream") is False:
        del recorded["stream"]
    return recorded


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture(scope="module")
def r9s(server: LocalServer) -> Iterator[R9S]:
    with R9S(api_key="sk-parity-0000000000000000", server_url=server.url) as client:
        yield client


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_chat_parse_sends_what_openai_sends(
    server: LocalServer, r9s: R9S, model: type[BaseModel]
) -> None:
    messages: Any = [{"role": "user", "content": PROMPT}]
    with openai.OpenAI(base_url=server.url, api_key="sk-openai", max_retries=0) as client:
        theirs = client.chat.completions.parse(
            model="gpt-4o", messages=messages, response_format=model
        )
    their_body = body(server)
    ours = r9s.chat.parse(model="gpt-4o", messages=messages, response_format=model)
    assert body(server) == their_body
    assert their_body["response_format"]["json_schema"]["strict"] is True
    assert ours.choices[0].message.parsed == theirs.choices[0].message.parsed
    assert isinstance(ours.choices[0].message.parsed, model)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_responses_parse_sends_what_openai_sends(
    server: LocalServer, r9s: R9S, model: type[BaseModel]
) -> None:
    with openai.OpenAI(base_url=server.url, api_key="sk-openai", max_retries=0) as client:
        theirs = client.responses.parse(model="gpt-4o", input=PROMPT, text_format=model)
    their_body = body(server)
    ours = r9s.responses.parse(model="gpt-4o", input=PROMPT, text_format=model)
    assert body(server) == their_body
    assert ours.output_parsed == theirs.output_parsed
    assert isinstance(ours.output_parsed, model)


def test_anthropic_has_messages_parse() -> None:
    # The parity below is only meaningful if the installed SDK has the method.
    assert callable(getattr(anthropic.Anthropic(api_key="x").messages, "parse", None))


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_messages_parse_sends_what_anthropic_sends(
    server: LocalServer, r9s: R9S, model: type[BaseModel]
) -> None:
    messages: Any = [{"role": "user", "content": PROMPT}]
    with anthropic.Anthropic(base_url=server.root_url, api_key="sk-ant", max_retries=0) as client:
        theirs = client.messages.parse(
            model="claude-sonnet-4-5", max_tokens=512, messages=messages, output_format=model
        )
    their_body = body(server)
    ours = r9s.messages.parse(
        model="claude-sonnet-4-5", max_tokens=512, messages=messages, output_format=model
    )
    assert body(server) == their_body
    assert ours.parsed_output == theirs.parsed_output
    assert isinstance(ours.parsed_output, model)


def test_async_twins_send_the_same(server: LocalServer) -> None:
    messages: Any = [{"role": "user", "content": PROMPT}]

    async def both() -> None:
        async with openai.AsyncOpenAI(
            base_url=server.url, api_key="sk-openai", max_retries=0
        ) as client:
            theirs = await client.chat.completions.parse(
                model="gpt-4o", messages=messages, response_format=Person
            )
        their_body = body(server)
        async with R9S(api_key="sk-parity-0000000000000000", server_url=server.url) as r9s:
            ours = await r9s.chat.parse_async(
                model="gpt-4o", messages=messages, response_format=Person
            )
        assert body(server) == their_body
        assert ours.choices[0].message.parsed == theirs.choices[0].message.parsed

    asyncio.run(both())


def test_streamed_chat_parse_sends_what_openais_stream_sends(server: LocalServer, r9s: R9S) -> None:
    messages: Any = [{"role": "user", "content": PROMPT}]
    with openai.OpenAI(base_url=server.url, api_key="sk-openai", max_retries=0) as client:
        with client.chat.completions.stream(
            model="gpt-4o", messages=messages, response_format=Person
        ) as stream:
            their_partials = [event.parsed for event in stream if event.type == "content.delta"]
            theirs = stream.get_final_completion()
    their_body = body(server)
    with r9s.chat.parse(
        model="gpt-4o", messages=messages, response_format=Person, stream=True
    ) as ours:
        our_partials = [event.partial for event in ours if event.delta]
        final = ours.get_final_completion()
    assert body(server) == their_body
    # r9s also shows a string as it grows (openai's partials show it once complete);
    # both end on the whole object.
    assert our_partials[-1] == their_partials[-1]
    assert final.choices[0].message.parsed == theirs.choices[0].message.parsed
    parsed = final.choices[0].message.parsed
    assert parsed is not None and our_partials[-1] == parsed.model_dump(mode="json")
