"""Corners of reading a structured answer that the local server does not produce: a
content filter, a model that ignores the forced tool, a streamed tool call whose pieces
have no index."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from r9s import errors
from r9s._structured.schema import output_type
from r9s._structured.wire import CHAT, MESSAGES, RESPONSES, JsonTrack
from r9s.models.chat import ChatCompletion, ChatCompletionChunk
from r9s.models.messages import AnthropicMessage
from r9s.models.responses import Response


class Person(BaseModel):
    name: str


PERSON = output_type(Person)


def chat(message: dict[str, Any], finish_reason: str = "stop") -> ChatCompletion:
    return ChatCompletion.model_validate(
        {"choices": [{"index": 0, "message": message, "finish_reason": finish_reason}]}
    )


def test_a_content_filter_stop_is_its_own_error() -> None:
    with pytest.raises(errors.ContentFilterFinishReasonError):
        CHAT.parsed(chat({"content": '{"name'}, "content_filter"), PERSON, None)
    incomplete = Response.model_validate(
        {"status": "incomplete", "incomplete_details": {"reason": "content_filter"}}
    )
    with pytest.raises(errors.ContentFilterFinishReasonError):
        RESPONSES.parsed(incomplete, PERSON, None)


def test_text_instead_of_the_forced_tool_call_is_a_parse_error() -> None:
    with pytest.raises(errors.ParseError, match="no call of the tool 'Person'"):
        CHAT.parsed(chat({"content": "I'd rather chat"}), PERSON, "Person")
    message = AnthropicMessage.model_validate(
        {"content": [{"type": "text", "text": "no"}], "stop_reason": "end_turn"}
    )
    with pytest.raises(errors.ParseError, match="no call of the tool"):
        MESSAGES.parsed(message, PERSON, "Person")


def test_an_empty_answer_is_a_parse_error_not_none() -> None:
    with pytest.raises(errors.ParseError, match="no text to parse"):
        CHAT.parsed(chat({"content": None}), PERSON, None)


def test_every_choice_is_parsed() -> None:
    completion = ChatCompletion.model_validate(
        {
            "choices": [
                {"index": 0, "message": {"content": '{"name": "a"}'}, "finish_reason": "stop"},
                {"index": 1, "message": {"content": '{"name": "b"}'}, "finish_reason": "stop"},
            ]
        }
    )
    parsed = CHAT.parsed(completion, PERSON, None)
    assert [choice.message.parsed for choice in parsed.choices] == [
        Person(name="a"),
        Person(name="b"),
    ]
    assert parsed.model_dump() == completion.model_dump()  # nothing added to the data


def test_tool_call_pieces_without_an_index_are_followed() -> None:
    track = JsonTrack("Person")
    pieces = [
        {"tool_calls": [{"id": "c", "function": {"name": "Person", "arguments": '{"na'}}]},
        {"tool_calls": [{"function": {"arguments": 'me": "x"}'}}]},
    ]
    text = "".join(
        CHAT.json_delta(
            track, ChatCompletionChunk.model_validate({"choices": [{"index": 0, "delta": piece}]})
        )
        for piece in pieces
    )
    assert text == '{"name": "x"}'
