"""``parse`` over real HTTP against the local server, in the three wire formats, sync and
async: every strategy (native, tool, auto and its fallback), every failure (invalid JSON,
an answer that does not fit, a truncated one, a refusal) and partial objects in streams.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field, TypeAdapter, field_validator
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from r9s import R9S, RawResponse, errors
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.support.twins import Twin, left_early, method, to_the_end


class Person(BaseModel):
    """Someone in the story."""

    name: str
    age: int = Field(ge=0)
    nickname: str | None = None


class Picky(BaseModel):
    """Valid JSON for its schema, but its validator rejects what the echo model writes."""

    name: str

    @field_validator("name")
    @classmethod
    def capitalized(cls, value: str) -> str:
        if not value[:1].isupper():
            raise ValueError("must start with a capital letter")
        return value


class PersonDict(TypedDict):
    name: str
    age: int


@dataclasses.dataclass
class PersonData:
    name: str
    age: int


Format = Literal["chat", "responses", "messages"]
FORMATS: list[Format] = ["chat", "responses", "messages"]
MODEL = {"chat": "gpt-4o-mini", "responses": "gpt-4o-mini", "messages": "claude-sonnet-4-5"}
NO_NATIVE = {"chat": "deepseek-chat", "responses": "deepseek-chat", "messages": "claude-3-5-haiku"}
ARGUMENT = {"chat": "response_format", "responses": "text_format", "messages": "output_format"}
PATH = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}


def request(fmt: Format, text: str, spec: Any, **extra: Any) -> dict[str, Any]:
    """The keyword arguments of ``<fmt>.parse`` asking ``text`` for ``spec``."""
    kwargs: dict[str, Any] = {"model": MODEL[fmt], ARGUMENT[fmt]: spec, **extra}
    if fmt == "responses":
        kwargs["input"] = text
    else:
        kwargs["messages"] = [{"role": "user", "content": text}]
    if fmt == "messages":
        kwargs.setdefault("max_tokens", 512)
    return kwargs


def parsed_of(fmt: Format, result: Any) -> Any:
    if fmt == "chat":
        return result.choices[0].message.parsed
    return result.output_parsed if fmt == "responses" else result.parsed_output


def refusal_of(fmt: Format, result: Any) -> str | None:
    if fmt == "chat":
        refusal: str | None = result.choices[0].message.refusal
        return refusal
    return result.refusal  # type: ignore[no-any-return]


class Parser:
    """``<fmt>.parse(...)`` on a client, sync or async."""

    def __init__(self, r9s: Twin) -> None:
        self.r9s = r9s

    def __call__(self, fmt: Format, **kwargs: Any) -> Any:
        return method(self.r9s, f"{fmt}.parse")(**kwargs)

    def stream(self, fmt: Format, **kwargs: Any) -> tuple[list[Any], Any]:
        """``(partial objects as they changed, the final parsed result)`` of a stream."""
        call = method(self.r9s, f"{fmt}.parse")
        events, final = call(stream=True, consume=to_the_end, **kwargs)
        return [event.partial for event in events if event.delta], final


@pytest.fixture
def parse(r9s: Twin) -> Parser:
    return Parser(r9s)


# -- strategies -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_native_sends_the_schema_and_parses_the_answer(
    parse: Parser, server: LocalServer, fmt: Format
) -> None:
    result = parse(fmt, **request(fmt, "Ada", Person))
    # strict mode (chat, responses) makes every field required; Anthropic's form does not
    nickname = None if fmt == "messages" else "Ada"
    assert parsed_of(fmt, result) == Person(name="Ada", age=1, nickname=nickname)
    sent = server.requests[-1].json
    assert "tools" not in sent and "tool_choice" not in sent
    if fmt == "chat":
        schema = sent["response_format"]["json_schema"]
        assert schema["name"] == "Person" and schema["strict"] is True
        assert schema["schema"]["required"] == ["name", "age", "nickname"]
    elif fmt == "responses":
        assert sent["text"]["format"]["type"] == "json_schema"
        assert sent["text"]["format"]["schema"]["additionalProperties"] is False
    else:
        assert sent["output_config"]["format"]["schema"]["required"] == ["name", "age"]
    # what parse adds is left out of the object's data (it goes back to a server as it came)
    assert "parsed" not in str(result.model_dump())


@pytest.mark.parametrize("fmt", FORMATS)
def test_tool_strategy_forces_one_tool_call(
    parse: Parser, server: LocalServer, fmt: Format
) -> None:
    result = parse(fmt, strategy="tool", **request(fmt, "Ada", Person))
    assert parsed_of(fmt, result).name == "Ada"
    sent = server.requests[-1].json
    assert "response_format" not in sent and "output_config" not in sent
    (tool,) = sent["tools"]
    if fmt == "chat":
        assert tool["function"]["name"] == "Person"
        assert sent["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    elif fmt == "responses":
        assert tool["name"] == "Person" and tool["strict"] is True
        assert sent["tool_choice"] == {"type": "function", "name": "Person"}
    else:
        assert tool["name"] == "Person" and "input_schema" in tool
        assert sent["tool_choice"] == {"type": "tool", "name": "Person"}
    assert tool.get("description") or tool.get("function", {}).get("description")


@pytest.mark.parametrize("fmt", FORMATS)
def test_auto_falls_back_once_to_the_tool_form_on_a_400_naming_the_field(
    mode: str, server: LocalServer, fmt: Format
) -> None:
    lines: list[str] = []
    logger = logging.getLogger(f"test.structured.{fmt}.{mode}")
    logger.setLevel(logging.DEBUG)
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    kwargs = request(fmt, "Ada", Person, model=NO_NATIVE[fmt])
    with R9S(api_key=API_KEY, server_url=server.url, debug_logger=logger) as client:
        result = Parser(Twin(client, mode))(fmt, **kwargs)
    assert parsed_of(fmt, result).name == "Ada"
    first, second = [r.json for r in server.requests]
    assert "tools" not in first and second["tools"][-1]
    assert any("rejected the native structured output" in line for line in lines)


@pytest.mark.parametrize("fmt", FORMATS)
def test_auto_falls_back_on_an_injected_rejection_too(
    parse: Parser, server: LocalServer, fmt: Format
) -> None:
    field = {"chat": "response_format", "responses": "text.format", "messages": "output_config"}
    server.inject(f"status=400;message=Unsupported parameter: '{field[fmt]}'", path=PATH[fmt])
    result = parse(fmt, **request(fmt, "Ada", Person))
    assert parsed_of(fmt, result).name == "Ada"
    assert len(server.requests) == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_fallback_for_other_400s_nor_for_native(
    parse: Parser, server: LocalServer, fmt: Format
) -> None:
    server.inject("status=400;message=The model is unavailable", path=PATH[fmt])
    with pytest.raises(errors.BadRequestError):
        parse(fmt, **request(fmt, "Ada", Person))
    assert len(server.requests) == 1
    server.clear()
    with pytest.raises(errors.BadRequestError, match="not supported"):
        parse(fmt, strategy="native", **request(fmt, "Ada", Person, model=NO_NATIVE[fmt]))
    assert len(server.requests) == 1


def test_an_unknown_strategy_is_refused_before_sending(parse: Parser, server: LocalServer) -> None:
    with pytest.raises(ValueError, match="strategy must be one of auto, native, tool"):
        parse("chat", strategy="json", **request("chat", "Ada", Person))
    assert server.requests == []


# -- failures ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["chat", "responses"])
def test_prose_instead_of_json_is_a_parse_error_with_the_raw_text(
    parse: Parser, fmt: Format
) -> None:
    # this model's channel drops the JSON-schema request and answers in prose
    model = "meta-llama/llama-3.3-70b-instruct"
    with pytest.raises(errors.ParseError, match="not valid JSON") as caught:
        parse(fmt, **request(fmt, "Ada", Person, model=model))
    assert caught.value.text == "Echo: Ada"
    assert caught.value.errors[0]["type"] == "json_invalid"
    assert caught.value.completion is not None
    assert isinstance(caught.value, errors.R9SError)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("strategy", ["native", "tool"])
def test_an_answer_that_does_not_fit_is_a_parse_error(
    parse: Parser, fmt: Format, strategy: str
) -> None:
    with pytest.raises(errors.ParseError, match="not a valid Picky") as caught:
        parse(fmt, strategy=strategy, **request(fmt, "lowercase ada", Picky))
    assert caught.value.errors[0]["loc"] == ("name",)
    assert "capital letter" in caught.value.errors[0]["msg"]
    assert "lowercase ada" in caught.value.text


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_truncated_answer_raises_length_finish_reason_error(parse: Parser, fmt: Format) -> None:
    limit = {"chat": "max_tokens", "responses": "max_output_tokens", "messages": "max_tokens"}
    kwargs = request(fmt, "a long name for someone", Person, **{limit[fmt]: 3})
    with pytest.raises(errors.LengthFinishReasonError, match="raise max") as caught:
        parse(fmt, **kwargs)
    assert caught.value.completion is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_refusal_is_none_with_the_reason(parse: Parser, fmt: Format) -> None:
    result = parse(fmt, **request(fmt, "how do I build a bomb", Person))
    assert parsed_of(fmt, result) is None
    assert refusal_of(fmt, result) == "I'm sorry, but I can't help with that."


def test_create_with_a_model_class_says_to_use_parse(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        with pytest.raises(TypeError, match=r"chat\.parse\(response_format=Person"):
            # the misuse this test is about: create's response_format takes no model class
            client.chat.create(  # type: ignore[call-overload]
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "Ada"}],
                response_format=Person,
            )
    assert server.requests == []


# -- types ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (list[Person], []),
        (TypeAdapter(list[int]), []),
        (PersonDict, {"name": "Ada", "age": 1}),
        (PersonData, PersonData(name="Ada", age=1)),
        (int, 1),
    ],
    ids=["list-of-models", "type-adapter", "typed-dict", "dataclass", "int"],
)
def test_any_type_a_type_adapter_takes(
    parse: Parser, server: LocalServer, fmt: Format, spec: Any, expected: Any
) -> None:
    result = parse(fmt, **request(fmt, "Ada", spec))
    assert parsed_of(fmt, result) == expected
    sent = server.requests[-1].json
    schema = {
        "chat": lambda: sent["response_format"]["json_schema"]["schema"],
        "responses": lambda: sent["text"]["format"]["schema"],
        "messages": lambda: sent["output_config"]["format"]["schema"],
    }[fmt]()
    assert schema["type"] == "object"  # both vendors want an object at the root


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_json_schema_dict_is_sent_as_given(
    parse: Parser, server: LocalServer, fmt: Format
) -> None:
    schema = {
        "title": "pet",
        "type": "object",
        "properties": {"kind": {"type": "string", "enum": ["cat", "dog"]}},
        "required": ["kind"],
    }
    result = parse(fmt, **request(fmt, "Ada", schema))
    assert parsed_of(fmt, result) == {"kind": "cat"}
    sent = server.requests[-1].json
    if fmt == "chat":
        assert sent["response_format"]["json_schema"] == {"schema": schema, "name": "pet"}
    elif fmt == "responses":
        assert sent["text"]["format"] == {"type": "json_schema", "name": "pet", "schema": schema}
    else:
        assert sent["output_config"]["format"] == {"type": "json_schema", "schema": schema}


# -- streams ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("strategy", ["native", "tool"])
def test_streams_carry_the_partial_object(parse: Parser, fmt: Format, strategy: str) -> None:
    partials, final = parse.stream(fmt, strategy=strategy, **request(fmt, "Ada Lovelace", Person))
    person = parsed_of(fmt, final)
    assert person.name == "Ada Lovelace"
    assert len(partials) >= 3
    assert partials[-1] == person.model_dump(exclude_unset=True)
    # the object grows: each partial's keys include the previous one's
    for before, after in zip(partials, partials[1:], strict=False):
        if before:
            assert set(before) <= set(after)
    if strategy == "native":  # text arrives word by word: a string shows as it grows
        assert any(p and p.get("name") == "Ada" for p in partials)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_stream_falls_back_too(parse: Parser, server: LocalServer, fmt: Format) -> None:
    partials, final = parse.stream(fmt, **request(fmt, "Ada", Person, model=NO_NATIVE[fmt]))
    assert parsed_of(fmt, final).name == "Ada"
    assert partials[-1]["name"] == "Ada"
    assert len(server.requests) == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_truncated_stream_raises_at_the_end(parse: Parser, fmt: Format) -> None:
    limit = {"chat": "max_tokens", "responses": "max_output_tokens", "messages": "max_tokens"}
    with pytest.raises(errors.LengthFinishReasonError):
        parse.stream(fmt, **request(fmt, "a long name", Person, **{limit[fmt]: 3}))


def test_a_list_streams_unwrapped(parse: Parser) -> None:
    schema = TypeAdapter(list[Person])
    partials, final = parse.stream("chat", **request("chat", "Ada", schema))
    assert final.choices[0].message.parsed == []
    assert partials[-1] == []


# -- what every call gives: raw responses, request ids, streams left early --------------

ANSWER_WITH_AN_ID = {"X-R9S-Fault": "request_id=x-request-id"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_results_carry_the_request_id(parse: Parser, fmt: Format) -> None:
    result = parse(fmt, http_headers=ANSWER_WITH_AN_ID, **request(fmt, "Ada", Person))
    assert result.request_id is not None and result.request_id.startswith("req_")
    fallback = request(fmt, "Ada", Person, model=NO_NATIVE[fmt], http_headers=ANSWER_WITH_AN_ID)
    assert parse(fmt, **fallback).request_id.startswith("req_")  # the second request's


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_raw_response_parses_on_parse(r9s: Twin, server: LocalServer, fmt: Format) -> None:
    raw_parse = method(r9s.with_raw_response, f"{fmt}.parse")
    raw = raw_parse(http_headers=ANSWER_WITH_AN_ID, **request(fmt, "Ada", Person))
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200 and raw.request_id is not None
    assert raw.headers["content-type"].startswith("application/json")
    result = raw.parse()
    assert parsed_of(fmt, result) == parsed_of(fmt, parse_answer(r9s, fmt))
    assert result.request_id == raw.request_id and raw.parse() is result
    # the fallback happens before the raw response: it is the second request's
    raw = raw_parse(**request(fmt, "Ada", Person, model=NO_NATIVE[fmt]))
    assert parsed_of(fmt, raw.parse()).name == "Ada"
    assert "tools" in server.requests[-1].json


def parse_answer(r9s: Twin, fmt: Format) -> Any:
    return method(r9s, f"{fmt}.parse")(**request(fmt, "Ada", Person))


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_raw_response_gives_a_parsed_stream_on_parse(r9s: Twin, fmt: Format) -> None:
    def read(raw: Any) -> Any:
        assert raw.headers["content-type"].startswith("text/event-stream")
        return to_the_end(raw.parse())

    raw_parse = method(r9s.with_raw_response, f"{fmt}.parse")
    events, final = raw_parse(stream=True, consume=read, **request(fmt, "Ada Lovelace", Person))
    assert type(final).__name__.startswith("Parsed")
    person = parsed_of(fmt, final)
    assert person.name == "Ada Lovelace"
    assert events[-1].partial == person.model_dump(exclude_unset=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_leaving_a_parsed_stream_early_closes_it(r9s: Twin, fmt: Format) -> None:
    streams: list[Any] = []

    def leave(stream: Any) -> Any:
        streams.append(stream)
        return left_early(stream)

    first, error = method(r9s, f"{fmt}.parse")(
        stream=True, consume=leave, **request(fmt, "Ada Lovelace", Person)
    )
    assert first.event is not None
    assert streams[0].response.is_closed  # at once, also after an async for
    assert isinstance(error, errors.IncompleteStreamError) and error.reason == "closed"
    assert "closed before its end" in str(error)


def test_a_typo_is_a_type_error_naming_parse_before_sending(
    parse: Parser, server: LocalServer
) -> None:
    for stream in (False, True):
        with pytest.raises(TypeError, match=r"chat\.parse\(\) got an unexpected .*'temprature'"):
            parse("chat", stream=stream, temprature=0.5, **request("chat", "Ada", Person))
    with pytest.raises(TypeError, match=r"messages\.parse\(\) missing .*'messages'"):
        parse("messages", model="claude-sonnet-4-5", output_format=Person)
    assert server.requests == []
