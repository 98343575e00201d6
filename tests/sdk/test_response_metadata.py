"""What a response says besides its body, over real HTTP, sync and async: the request id
on every result, stream and error, and ``with_raw_response`` for the status and headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from r9s import R9S, RawResponse, errors
from r9s.models import ChatCompletion, ChatCompletionChunk, ModelListResponse
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.support.twins import Twin, drain, read

USER = [{"role": "user", "content": "one two three"}]


def answering_with_id(header: str) -> dict[str, str]:
    return {"X-R9S-Fault": f"request_id={header}"}


@pytest.mark.parametrize("header", ["x-request-id", "request-id", "X-Onr-Request-Id"])
def test_every_result_carries_the_request_id(r9s: Twin, header: str) -> None:
    ids = answering_with_id(header)
    completion = r9s.chat.create(model="gpt-4o-mini", messages=USER, http_headers=ids)
    assert isinstance(completion, ChatCompletion)
    assert completion.request_id is not None and completion.request_id.startswith("req_")
    assert completion.choices[0].request_id is None  # a part of a result: no response
    assert r9s.models.list(http_headers=ids).request_id.startswith("req_")
    assert r9s.models.retrieve(model="gpt-4o-mini", http_headers=ids).request_id
    reply = r9s.messages.create(model="claude-sonnet-4-5", messages=USER, http_headers=ids)
    assert reply.request_id.startswith("req_")
    vectors = r9s.embeddings.create(model="text-embedding-3-small", input="hi", http_headers=ids)
    assert vectors.request_id.startswith("req_")


def test_a_result_without_an_id_header_has_none(r9s: Twin) -> None:
    assert r9s.models.list().request_id is None


def test_an_id_field_in_the_body_comes_first() -> None:
    # A vendor's own request_id field (Qwen's images) keeps its meaning.
    def answer(request: httpx.Request) -> httpx.Response:
        body = {"created": 1, "data": [], "request_id": "from-the-body"}
        return httpx.Response(200, json=body, headers={"x-request-id": "from-the-header"})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with R9S(api_key=API_KEY, server_url="http://r9s.test/v1", client=http) as client:
        assert client.images.create(prompt="a cat").request_id == "from-the-body"
        raw = client.with_raw_response.images.create(prompt="a cat")
        assert raw.request_id == "from-the-header"


def test_streams_and_binary_bodies_carry_the_request_id(r9s: Twin) -> None:
    ids = answering_with_id("x-request-id")

    def stream_id(stream: Any) -> Any:
        return stream.request_id

    chat = r9s.chat.create(
        model="gpt-4o-mini", messages=USER, stream=True, http_headers=ids, consume=stream_id
    )
    speech = r9s.audio.speech(
        model="tts-1", input="hi", voice="alloy", http_headers=ids, consume=stream_id
    )
    assert chat.startswith("req_") and speech.startswith("req_")


def test_errors_carry_the_request_id(r9s: Twin) -> None:
    with pytest.raises(errors.RateLimitError) as caught:
        r9s.models.list(
            retries=None, http_headers={"X-R9S-Fault": "status=429;request_id=X-Onr-Request-Id"}
        )
    assert caught.value.request_id is not None and caught.value.request_id.startswith("req_")
    assert f"(request id {caught.value.request_id})" in str(caught.value)


def test_raw_response_gives_status_headers_and_the_parsed_result(
    r9s: Twin, server: LocalServer
) -> None:
    raw = r9s.with_raw_response.chat.create(
        model="gpt-4o-mini", messages=USER, http_headers=answering_with_id("request-id")
    )
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/json")
    assert raw.request_id == raw.headers["request-id"]
    assert raw.url == httpx.URL(server.url + "/chat/completions")
    completion = raw.parse()
    assert isinstance(completion, ChatCompletion) and completion.text == "Echo: one two three"
    assert raw.parse() is completion  # parsed once
    assert completion.request_id == raw.request_id
    listed = r9s.with_raw_response.models.list()
    assert isinstance(listed.parse(), ModelListResponse)


def test_raw_response_of_a_stream_parses_to_the_stream(r9s: Twin) -> None:
    def read_on(raw: Any) -> Any:
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("text/event-stream")
        return drain(raw.parse())

    events, final, text = r9s.with_raw_response.chat.create(
        model="gpt-4o-mini", messages=USER, stream=True, consume=read_on
    )
    assert all(isinstance(event, ChatCompletionChunk) for event in events)
    assert text == final.text == "Echo: one two three"
    audio = r9s.with_raw_response.audio.speech(
        model="tts-1", input="hi", voice="alloy", consume=lambda raw: read(raw.parse())
    )
    assert audio[:3] == b"ID3"


def test_a_raw_stream_not_parsed_is_released_by_close(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        with client.with_raw_response.chat.create(
            model="gpt-4o-mini", messages=USER, stream=True
        ) as raw:
            assert raw.status_code == 200
        assert raw.http_response.is_closed


def test_raw_response_still_raises_errors(r9s: Twin) -> None:
    with pytest.raises(errors.NotFoundError):
        r9s.with_raw_response.models.retrieve(model="no-such-model", retries=None)


def test_raw_response_of_any_path_and_of_a_copy(r9s: Twin) -> None:
    raw = r9s.with_raw_response.get("/models", cast_to=ModelListResponse)
    assert raw.status_code == 200 and raw.parse().data
    posted = r9s.with_raw_response.post(
        "/chat/completions", body={"model": "gpt-4o-mini", "messages": USER}
    )
    assert posted.parse()["object"] == "chat.completion"
    copy = r9s.with_options(headers={"x-copy": "1"})
    assert copy.with_raw_response.models.list().status_code == 200
