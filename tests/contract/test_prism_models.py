"""The models resource against Prism: requests must satisfy the spec, responses decode."""

from __future__ import annotations

import pytest

from r9s import R9S, errors

pytestmark = pytest.mark.slow


@pytest.fixture
def client(prism_url: str) -> R9S:
    return R9S(api_key="sk-contract", server_url=prism_url, retry_config=None)


def test_list_and_retrieve(client: R9S) -> None:
    listed = client.models.list()
    assert [m.id for m in listed.data][:2] == ["gpt-4o-mini", "qwen-plus"]
    assert client.models.retrieve(model="gpt-4o-mini").owned_by == "openai"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (500, errors.InternalServerError),
    ],
)
def test_declared_errors_map_to_their_class(
    client: R9S, status: int, cls: type[errors.APIStatusError]
) -> None:
    with pytest.raises(cls) as caught:
        client.models.retrieve(model="gpt-4o-mini", http_headers={"Prefer": f"code={status}"})
    assert caught.value.status_code == status
    assert caught.value.data is not None and caught.value.data.status == status
