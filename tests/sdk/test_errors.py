"""Every error status maps to its class, with ``data`` parsed, whatever the body."""

from __future__ import annotations

import httpx
import pytest

from r9s import R9S, errors
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY, Caller

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
    call: Caller, status: int, cls: type[errors.APIStatusError], body: str
) -> None:
    with pytest.raises(cls) as caught:
        call(
            "models.list",
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


def test_json_body_fields_are_exposed(call: Caller) -> None:
    with pytest.raises(errors.RateLimitError) as caught:
        call("models.list", retries=None, http_headers={"X-R9S-Fault": "status=429;retry_after=7"})
    error = caught.value
    assert error.data is not None and error.data.error is not None
    assert error.data.error.type
    assert error.data.error.param is None
    assert error.retry_after == 7.0


def test_malformed_success_body_is_a_validation_error(call: Caller) -> None:
    with pytest.raises(errors.ResponseValidationError) as caught:
        call("models.list", retries=None, http_headers={"X-R9S-Fault": "malformed=json"})
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
