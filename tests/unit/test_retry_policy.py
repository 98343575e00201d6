"""The retry policy's pure decisions."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from r9s._retry import backoff_delay, next_delay, retry_after_seconds, should_retry_status
from r9s.utils import BackoffStrategy, RetryConfig, default_retry_config


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "1.5"}) == 1.5
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    in_five = retry_after_seconds({"retry-after": formatdate(time.time() + 5, usegmt=True)})
    assert in_five is not None and 3 <= in_five <= 5
    assert retry_after_seconds({"retry-after": formatdate(time.time() - 50, usegmt=True)}) == 0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


@pytest.mark.parametrize(
    "status", [408, 409, 429, 500, 502, 503, 504, 507, 520, 521, 522, 523, 524, 529, 599]
)
def test_retryable_statuses(status: int) -> None:
    assert should_retry_status(status, {})


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 422, 501, 505, 508, 511])
def test_other_statuses_are_not_retried(status: int) -> None:
    assert not should_retry_status(status, {})


def test_server_hint_decides_first() -> None:
    assert should_retry_status(400, {"x-should-retry": "true"})
    assert not should_retry_status(503, {"x-should-retry": "false"})


def test_backoff_grows_jittered_and_capped() -> None:
    config = RetryConfig("backoff", BackoffStrategy(100, 1_000, 2.0, 60_000))
    for retries_done, ceiling in [(0, 0.1), (1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (9, 1.0)]:
        delays = [backoff_delay(config, retries_done) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


def test_max_retries_and_disabled_configs() -> None:
    config = default_retry_config()
    assert next_delay(config, 0, 0.0) is not None
    assert next_delay(config, 1, 0.0) is not None
    assert next_delay(config, 2, 0.0) is None
    assert next_delay(None, 0, 0.0) is None
    assert next_delay(RetryConfig("none"), 0, 0.0) is None


def test_retry_after_is_used_as_given_but_never_past_the_deadline() -> None:
    config = RetryConfig("backoff", BackoffStrategy(10, 50, 1.1, 5_000))
    assert next_delay(config, 0, 0.0, headers={"retry-after": "2"}) == 2.0
    assert next_delay(config, 0, 3.5, headers={"retry-after": "2"}) is None
    assert next_delay(config, 0, 0.0, headers={"retry-after": "3600"}) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "0"},
        {"retry-after-ms": "0"},
        {"retry-after": "-3"},
        {"retry-after": "nan"},
        {"retry-after": "inf"},
        {"retry-after": formatdate(time.time() - 50, usegmt=True)},
    ],
)
def test_a_zero_past_or_senseless_retry_after_waits_the_backoff(headers: dict[str, str]) -> None:
    config = RetryConfig("backoff", BackoffStrategy(100, 1_000, 2.0, 60_000))
    for retries_done, floor in [(0, 0.05), (3, 0.4)]:
        delay = next_delay(config, retries_done, 0.0, headers=headers)
        assert delay is not None and floor <= delay <= 1.0


@pytest.mark.parametrize(
    "strategy",
    [BackoffStrategy(100, 1_000, 2.0, 60_000), BackoffStrategy(5_000, 1_000, 10.0, 60_000)],
)
def test_backoff_never_overflows(strategy: BackoffStrategy) -> None:
    config = RetryConfig("backoff", strategy)
    for retries_done in (1_100, 10**6):
        assert 0.5 <= backoff_delay(config, retries_done) <= 1.0


def test_elapsed_time_bounds_retries() -> None:
    config = RetryConfig("backoff", BackoffStrategy(1, 50, 1.1, 100), False)
    assert next_delay(config, 0, 0.05) is not None
    assert next_delay(config, 0, 0.2) is None
