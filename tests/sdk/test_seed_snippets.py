"""The seed's public API, written as its users write it, against the local server."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from r9s import R9S, errors
from r9s.testing import LocalServer
from r9s.utils import BackoffStrategy, RetryConfig
from tests.sdk.conftest import API_KEY


@pytest.fixture(autouse=True)
def environment(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("R9S_API_KEY", API_KEY)
    monkeypatch.setenv("R9S_BASE_URL", server.root_url)


def test_the_seed_snippets_run_as_written(caplog: pytest.LogCaptureFixture) -> None:
    with R9S(api_key=API_KEY) as r9_s:
        res = r9_s.models.list()
        one = r9_s.models.retrieve(model="gpt-4o-mini")
    assert res.data and one.id == "gpt-4o-mini"

    async def main() -> None:
        async with R9S(api_key=API_KEY) as r9_s:
            res = await r9_s.models.list_async()
            assert res.data

    asyncio.run(main())

    r9_s = R9S(
        retry_config=RetryConfig("backoff", BackoffStrategy(1, 50, 1.1, 100), False),
        api_key=API_KEY,
    )
    assert r9_s.models.list(
        retries=RetryConfig("backoff", BackoffStrategy(1, 50, 1.1, 100), False)
    ).data
    r9_s.close()

    custom = httpx.Client(headers={"x-custom-header": "v"})
    with R9S(client=custom) as r9_s:
        assert r9_s.models.list().data
    custom.close()  # r9s never closes a client it is given
    with (
        caplog.at_level(logging.DEBUG, logger="r9s"),
        R9S(debug_logger=logging.getLogger("r9s")) as r9_s,
    ):
        r9_s.models.list()
    assert any("/models -> 200" in record.getMessage() for record in caplog.records)
    with R9S.from_env() as r9_s:
        assert r9_s.models.list().data

    with R9S() as r9_s:
        try:
            r9_s.models.retrieve(model="missing")
        except errors.NotFoundError as e:
            assert e.status_code == 404 and e.data is not None and e.data.error is not None
        else:
            pytest.fail("retrieving a model the server lacks raised no NotFoundError")
