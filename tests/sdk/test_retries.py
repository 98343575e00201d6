"""Retries against the local server's fault injection."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from r9s import R9S, errors
from r9s.testing import LocalServer
from r9s.utils import BackoffStrategy, RetryConfig
from tests.sdk.conftest import API_KEY
from tests.support.twins import Twin


def fail(spec: str, times: int) -> dict[str, str]:
    """A fault for the first ``times`` attempts of one logical request."""
    return {"X-R9S-Fault": f"{spec};times={times};key={uuid.uuid4().hex}"}


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 520, 524])
def test_retryable_statuses_are_retried(r9s: Twin, server: LocalServer, status: int) -> None:
    assert r9s.models.list(http_headers=fail(f"status={status}", 2)).data
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 501, 505])
def test_other_statuses_are_not_retried(r9s: Twin, server: LocalServer, status: int) -> None:
    with pytest.raises(errors.APIStatusError):
        r9s.models.list(http_headers=fail(f"status={status}", 1))
    assert len(server.requests) == 1


def test_retries_give_up_with_the_last_error(r9s: Twin, server: LocalServer) -> None:
    with pytest.raises(errors.ServiceUnavailableError):
        r9s.models.list(http_headers=fail("status=503", 10))
    assert len(server.requests) == 4  # FAST_RETRY allows 3 retries


def test_retry_after_seconds_is_honoured(r9s: Twin) -> None:
    started = time.monotonic()
    r9s.models.list(http_headers=fail("status=429;retry_after=1", 1))
    assert time.monotonic() - started >= 0.95


def test_retry_after_ms_is_honoured(r9s: Twin, server: LocalServer) -> None:
    started = time.monotonic()
    r9s.models.list(http_headers=fail("status=503;retry_after_ms=400", 1))
    assert time.monotonic() - started >= 0.38
    assert len(server.requests) == 2


def test_retry_after_http_date_is_honoured(r9s: Twin, server: LocalServer) -> None:
    # The server sends "now + 2 s" as an HTTP date, whole seconds: the wait it asks for
    # is between 1 and 2 s. FAST_RETRY's own backoff is at most 10 ms, so a wait of a
    # second or more proves the date was read, not ignored.
    started = time.monotonic()
    r9s.models.list(http_headers=fail("status=503;retry_after_date=2", 1))
    elapsed = time.monotonic() - started
    assert len(server.requests) == 2
    assert 1.0 <= elapsed < 6, f"waited {elapsed:.2f} s for a date 2 s ahead"


def test_max_elapsed_time_bounds_the_total(server: LocalServer) -> None:
    config = RetryConfig("backoff", BackoffStrategy(1, 50, 1.1, 300), False)
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=config) as client:
        started = time.monotonic()
        with pytest.raises(errors.ServiceUnavailableError):
            client.models.list(http_headers=fail("status=503", 1000))
        elapsed = time.monotonic() - started
    assert len(server.requests) > 2
    assert elapsed < 5  # generous: 0.3 s of budget plus the last attempt


def test_a_retry_after_beyond_the_budget_is_not_waited_for(server: LocalServer) -> None:
    config = RetryConfig("backoff", BackoffStrategy(10, 50, 2, 2_000), False)
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=config) as client:
        started = time.monotonic()
        with pytest.raises(errors.RateLimitError) as caught:
            client.models.list(http_headers=fail("status=429;retry_after=60", 5))
    assert time.monotonic() - started < 5
    assert caught.value.retry_after == 60
    assert len(server.requests) == 1


@pytest.mark.parametrize("hint", ["retry_after=0", "retry_after_ms=0", "retry_after_date=0"])
def test_a_zero_or_past_retry_after_waits_the_backoff(server: LocalServer, hint: str) -> None:
    # The r9s 0.x four-argument form: no max_retries, only the 1 s budget bounds them.
    config = RetryConfig("backoff", BackoffStrategy(100, 200, 2.0, 1_000), False)
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=config) as client:
        with pytest.raises(errors.ServiceUnavailableError):
            client.models.list(http_headers=fail(f"status=503;{hint}", 10_000))
    # waits of at least 50, 100, 100... ms: about ten attempts fit in the budget
    assert 2 <= len(server.requests) <= 12


def test_seed_style_per_call_retries_override_the_client(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=None) as client:
        with pytest.raises(errors.ServiceUnavailableError):
            client.models.list(http_headers=fail("status=503", 1))
        retries = RetryConfig("backoff", BackoffStrategy(1, 50, 1.1, 100), False)
        assert client.models.list(retries=retries, http_headers=fail("status=503", 1)).data
    assert len(server.requests) == 3


def test_x_should_retry_header_decides(r9s: Twin, server: LocalServer) -> None:
    with pytest.raises(errors.ServiceUnavailableError):
        r9s.models.list(http_headers=fail("status=503;should_retry=false", 1))
    assert r9s.models.list(http_headers=fail("status=400;should_retry=true", 1)).data
    assert len(server.requests) == 3


@pytest.mark.parametrize("drop", ["before_headers", "mid_body"])
def test_connection_errors_are_retried_only_when_enabled(server: LocalServer, drop: str) -> None:
    enabled = RetryConfig("backoff", BackoffStrategy(10, 50, 2, 5_000), True)
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=enabled) as client:
        assert client.models.list(http_headers=fail(f"drop={drop}", 1)).data
    assert len(server.requests) == 2

    disabled = RetryConfig("backoff", BackoffStrategy(10, 50, 2, 5_000), False)
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=disabled) as client:
        with pytest.raises(errors.APIConnectionError) as caught:
            client.models.list(http_headers=fail(f"drop={drop}", 1))
    assert isinstance(caught.value, httpx.TransportError)
    assert len(server.requests) == 3


def test_default_policy_retries_twice(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        with pytest.raises(errors.InternalServerError):
            client.models.list(http_headers=fail("status=500;retry_after_ms=1", 5))
    assert len(server.requests) == 3
