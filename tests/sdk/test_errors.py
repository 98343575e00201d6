"""Every error status maps to its class, with ``data`` parsed, whatever the body."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
import pytest

from r9s import R9S, errors
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.support.twins import Twin, method, read

STATUS_CLASSES = [
    (400, errors.BadRequestError),
    (401, errors.AuthenticationError),
    (403, errors.PermissionDeniedError),
    (404, errors.NotFoundError),
    (409, errors.ConflictError),
    (422, errors.UnprocessableEntityError),
    (429, errors.RateLimitError),
    (500, errors.InternalServerError),
    (502, errors.ServiceUnavailableError),
    (503, errors.ServiceUnavailableError),
    (529, errors.ServiceUnavailableError),
    (402, errors.R9SDefaultError),
    (413, errors.R9SDefaultError),
    (418, errors.R9SDefaultError),
    (504, errors.R9SDefaultError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
@pytest.mark.parametrize("body", ["json", "anthropic", "empty", "text", "html"])
def test_status_maps_to_class_with_data(
    r9s: Twin, status: int, cls: type[errors.APIStatusError], body: str
) -> None:
    with pytest.raises(cls) as caught:
        r9s.models.list(
            retries=None,
            http_headers={"X-R9S-Fault": f"status={status};body={body}"},
        )
    error = caught.value
    assert isinstance(error, errors.APIStatusError) and isinstance(error, errors.R9SError)
    assert error.status_code == status
    assert error.raw_response is not None and error.headers is not None
    assert error.data is not None and error.data.status == status
    assert error.data.error is not None and error.data.error.message
    assert error.message == error.data.error.message
    assert str(status) in str(error)
    if body == "empty":
        assert error.body == ""


def test_json_body_fields_are_exposed(r9s: Twin) -> None:
    with pytest.raises(errors.RateLimitError) as caught:
        r9s.models.list(retries=None, http_headers={"X-R9S-Fault": "status=429;retry_after=7"})
    error = caught.value
    assert error.data is not None and error.data.error is not None
    assert error.data.error.type
    assert error.data.error.param is None
    assert error.retry_after == 7.0


def test_malformed_success_body_is_a_validation_error(r9s: Twin) -> None:
    with pytest.raises(errors.ResponseValidationError) as caught:
        r9s.models.list(retries=None, http_headers={"X-R9S-Fault": "malformed=json"})
    assert caught.value.cause is not None
    assert caught.value.status_code == 200


def test_connection_errors_are_both_r9s_and_httpx_errors() -> None:
    with LocalServer() as server:
        url = server.url
    with R9S(api_key=API_KEY, server_url=url, retry_config=None) as client:
        with pytest.raises(httpx.ConnectError) as caught:
            client.models.list()
    assert isinstance(caught.value, errors.APIConnectionError)
    assert isinstance(caught.value, httpx.RequestError)
    assert caught.value.request.url.path == "/v1/models"


def test_a_key_echoed_by_the_server_is_masked_in_errors() -> None:
    def echo_key(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"].removeprefix("Bearer ")
        return httpx.Response(
            401, json={"error": {"message": f"Incorrect API key provided: {key}"}}
        )

    http = httpx.Client(transport=httpx.MockTransport(echo_key))
    with R9S(api_key=API_KEY, server_url="http://r9s.test/v1", client=http) as client:
        with pytest.raises(errors.AuthenticationError) as caught:
            client.models.list()
    error = caught.value
    assert "Incorrect API key provided" in error.message
    for text in (error.message, str(error), repr(error), error.body):
        assert API_KEY not in text


CALLABLE_KEY = "sk-from-a-callable-0123456789"


class _EchoKey:
    """A server that puts the key it received into every kind of failure: an error
    status, an error event inside a stream, a transport error, a cut binary body."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @staticmethod
    def key(request: httpx.Request) -> str:
        return request.headers["authorization"].removeprefix("Bearer ")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = self.key(request)
        if self.kind == "status":
            return httpx.Response(401, json={"error": {"message": f"Incorrect API key: {key}"}})
        if self.kind == "transport":
            raise httpx.ConnectError(f"refused for {key}", request=request)
        if self.kind == "stream":
            event = f'data: {{"error": {{"message": "bad key {key}", "code": 401}}}}\n\n'
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=event.encode()
            )
        return httpx.Response(200, stream=_CutBody(f"cut for {key}"))


class _CutBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, message: str) -> None:
        self.message = message

    def __iter__(self) -> Iterator[bytes]:
        yield b"RIFF"
        raise httpx.ReadError(self.message)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"RIFF"
        raise httpx.ReadError(self.message)


def _failure(mode: str, kind: str, api_key: str | Callable[[], str]) -> BaseException:
    """The error one call of ``kind`` raises, sync or async, through a MockTransport."""
    transport = httpx.MockTransport(_EchoKey(kind))
    client = R9S(
        api_key=api_key,
        server_url="http://r9s.test/v1",
        retry_config=None,
        client=httpx.Client(transport=transport),
        async_client=httpx.AsyncClient(transport=transport),
    )
    r9s = Twin(client, mode)
    with pytest.raises(errors.R9SError) as caught:
        if kind == "stream":
            r9s.chat.create(model="m", messages=[], stream=True, consume=until_done)
        elif kind == "binary":
            r9s.audio.speech(model="tts-1", input="hi", voice="alloy", consume=read)
        else:
            r9s.models.list()
    return caught.value


def until_done(stream: Any) -> Any:
    return stream.until_done()


@pytest.mark.parametrize("kind", ["status", "stream", "transport", "binary"])
@pytest.mark.parametrize("how", ["string", "callable"])
def test_a_key_echoed_back_is_masked_on_every_error_path(mode: str, kind: str, how: str) -> None:
    api_key: str | Callable[[], str] = CALLABLE_KEY if how == "string" else lambda: CALLABLE_KEY
    error = _failure(mode, kind, api_key)
    assert isinstance(error, errors.R9SError)
    texts = [error.message, str(error), repr(error), error.body]
    assert any("sk-" in text for text in texts), texts  # the masked form is there
    for text in texts:
        assert CALLABLE_KEY not in text


def _raise_in_a_worker(url: str) -> None:
    with R9S(api_key=API_KEY, server_url=url, retry_config=None) as client:
        client.models.list(http_headers={"X-R9S-Fault": "status=429;retry_after=3"})


def _connect_in_a_worker(url: str) -> None:
    with R9S(api_key=API_KEY, server_url=url, retry_config=None) as client:
        client.models.list()


def _round_trip(error: BaseException) -> BaseException:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    return copy


def test_errors_survive_pickling(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=None) as client:
        with pytest.raises(errors.RateLimitError) as status:
            client.models.list(http_headers={"X-R9S-Fault": "status=429;retry_after=3"})
        with pytest.raises(errors.ResponseValidationError) as invalid:
            client.models.list(http_headers={"X-R9S-Fault": "malformed=json"})
        with pytest.raises(errors.APITimeoutError) as timeout:
            client.models.list(timeout=0.2, http_headers={"X-R9S-Fault": "delay=2"})
    copy = _round_trip(status.value)
    assert isinstance(copy, errors.RateLimitError) and copy.status_code == 429
    assert copy.retry_after == 3 and copy.body == status.value.body
    _round_trip(invalid.value)
    copy = _round_trip(timeout.value)
    assert isinstance(copy, httpx.TimeoutException) and isinstance(copy, errors.APITimeoutError)


def test_errors_raised_in_a_process_pool_reach_the_parent() -> None:
    with LocalServer() as server:
        url = server.url
        with ProcessPoolExecutor(1) as pool:
            with pytest.raises(errors.RateLimitError):
                pool.submit(_raise_in_a_worker, url).result()
    with ProcessPoolExecutor(1) as pool:  # the server has stopped: connection refused
        with pytest.raises(httpx.ConnectError) as caught:
            pool.submit(_connect_in_a_worker, url).result()
    assert isinstance(caught.value, errors.APIConnectionError)
    assert "Connection error" in str(caught.value)
    assert caught.value.request.url.path == "/v1/models"


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        (
            "messages.create",
            {"model": "nope", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]},
        ),
        ("responses.create", {"model": "nope", "input": "x"}),
        ("images.create", {"model": "nope", "prompt": "x"}),
        ("images.edit", {"model": "nope", "prompt": "x", "image": b"\x89PNG\r\n\x1a\n"}),
        ("audio.speech", {"model": "nope", "input": "x", "voice": "alloy"}),
        ("audio.transcribe", {"model": "nope", "file": b"ID3"}),
        ("audio.translate", {"model": "nope", "file": b"ID3"}),
    ],
)
def test_an_unknown_model_is_not_found(
    r9s: Twin, server: LocalServer, operation: str, params: dict[str, Any]
) -> None:
    with pytest.raises(errors.NotFoundError, match="nope"):
        method(r9s, operation)(**params)
