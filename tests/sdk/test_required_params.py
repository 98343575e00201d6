"""Parameters are checked before anything is sent: a missing required one or an unknown
keyword is a ``TypeError`` naming it (with the close name, and ``extra_body`` as the
way to send fields the SDK does not know), not a round trip ending in a 400."""

from __future__ import annotations

import pytest

from r9s import R9S
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.support.twins import Twin, method

MESSAGES = [{"role": "user", "content": "hi"}]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(8)
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(8)

MISSING = [
    ("chat.create", {"messages": MESSAGES}, "model"),
    ("chat.create", {"model": "gpt-4o-mini"}, "messages"),
    ("completions.create", {"model": "gpt-3.5-turbo-instruct"}, "prompt"),
    ("embeddings.create", {"model": "text-embedding-3-small"}, "input"),
    ("engine_embeddings.create", {"model": "text-embedding-3-small"}, "input"),
    ("edits.create", {"model": "m", "input": "x"}, "instruction"),
    ("moderations.create", {"model": "omni-moderation-latest"}, "input"),
    ("responses.create", {"model": "gpt-4o-mini"}, "input"),
    ("messages.create", {"model": "claude-sonnet-4.5", "max_tokens": 16}, "messages"),
    ("images.create", {"model": "gpt-image-1"}, "prompt"),
    ("images.edit", {"prompt": "a hat"}, "image"),
    ("audio.speech", {"model": "tts-1", "input": "hi"}, "voice"),
    ("audio.transcribe", {"model": "whisper-1"}, "file"),
    ("audio.translate", {"file": WAV}, "model"),
    ("search.create", {"engine": "exa"}, "extra"),
]


@pytest.mark.parametrize(("operation", "params", "missing"), MISSING)
def test_a_missing_required_parameter_is_named_before_sending(
    r9s: Twin, server: LocalServer, operation: str, params: dict[str, object], missing: str
) -> None:
    with pytest.raises(TypeError, match=rf"{operation}\(\) missing .*'{missing}'"):
        method(r9s, operation)(**params)
    assert server.requests == []


def test_several_missing_parameters_are_all_named(r9s: Twin, server: LocalServer) -> None:
    with pytest.raises(TypeError, match="missing 2 required keyword arguments: 'messages'"):
        r9s.chat.create()
    assert server.requests == []


TYPOS = [
    ("chat.create", {"model": "gpt-4o-mini", "mesages": MESSAGES}, "mesages", "messages"),
    ("chat.create", {"model": "m", "messages": MESSAGES, "temprature": 1}, "temprature", None),
    ("embeddings.create", {"model": "m", "inputs": ["a"]}, "inputs", "input"),
    ("models.list", {"limit": 5}, "limit", None),
    ("images.edit", {"image": PNG, "prompt": "x", "masks": PNG}, "masks", "mask"),
    ("audio.transcribe", {"file": WAV, "model": "whisper-1", "languge": "en"}, "languge", None),
]


@pytest.mark.parametrize(("operation", "params", "wrong", "meant"), TYPOS)
def test_an_unknown_keyword_is_refused_with_the_close_name(
    r9s: Twin,
    server: LocalServer,
    operation: str,
    params: dict[str, object],
    wrong: str,
    meant: str | None,
) -> None:
    with pytest.raises(TypeError) as caught:
        method(r9s, operation)(**params)
    message = str(caught.value)
    assert f"{operation}() got an unexpected keyword argument '{wrong}'" in message
    assert "extra_body" in message
    if meant is not None:
        assert f"did you mean '{meant}'?" in message
    if wrong == "temprature":
        assert "'temperature'" in message
    if wrong == "languge":
        assert "'language'" in message
    assert server.requests == []


def test_unknown_fields_still_go_through_extra_body(r9s: Twin, server: LocalServer) -> None:
    r9s.chat.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        extra_body={"cache_control": {"type": "ephemeral"}, "mesages": "kept"},
    )
    body = server.requests[-1].json
    assert isinstance(body, dict)
    assert body["cache_control"] == {"type": "ephemeral"} and body["mesages"] == "kept"


def test_max_tokens_stays_optional_on_messages(r9s: Twin, server: LocalServer) -> None:
    # Anthropic requires it and the types say so, but the router applies a default:
    # the SDK does not refuse the call (the documented exception).
    reply = r9s.messages.create(model="claude-sonnet-4.5", messages=MESSAGES)
    assert reply.text
    body = server.requests[-1].json
    assert isinstance(body, dict) and "max_tokens" not in body


def test_streams_and_per_call_options_are_known(r9s: Twin, server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        stream = client.chat.create(
            model="gpt-4o-mini",
            messages=MESSAGES,
            stream=True,
            timeout=30,
            retries=None,
            http_headers={"x-a": "1"},
        )
        assert stream.get_final_text()
    assert r9s.audio.transcribe(file=WAV, model="whisper-1", response_format="text")
