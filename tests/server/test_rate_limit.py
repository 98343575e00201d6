"""The local server's rate limits: token buckets, 429 with Retry-After, ``r9s mock``'s flag."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from r9s import R9S
from r9s.testing import LocalServer
from r9s.testing._ratelimit import RateLimit, RateLimiter, estimate_tokens
from r9s.utils import BackoffStrategy, RetryConfig
from tests.server.conftest import KEY, http
from tests.server.test_mock_command import mock, stop
from tests.support.models import ChatArgs

CHAT: ChatArgs = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
AUTH = {"authorization": f"Bearer {KEY}"}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("600", RateLimit(600)),
        ("600,90000", RateLimit(600, 90000)),
        (" 1.5 , 2 ", RateLimit(1.5, 2)),
    ],
)
def test_rate_limits_parse(text: str, expected: RateLimit) -> None:
    assert RateLimit.parse(text) == expected


@pytest.mark.parametrize("text", ["", "0", "-5", "600,", "a,b", "1,2,3", "nan", "inf"])
def test_bad_rate_limits_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError, match="RPM|positive|numbers"):
        RateLimit.parse(text)


def test_the_request_bucket_holds_one_second_and_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(600), clock)  # 10 a second
    verdicts = [limiter.check(1) for _ in range(11)]
    assert [v.allowed for v in verdicts] == [True] * 10 + [False]
    refused = verdicts[-1]
    assert refused.which == "requests" and refused.retry_after == pytest.approx(0.1)
    headers = dict(refused.headers)
    assert headers["retry-after"] == "1" and headers["retry-after-ms"] == "100"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    clock.now += 0.1
    assert limiter.check(1).allowed
    assert not limiter.check(1).allowed
    assert limiter.stats() == {"rpm": 600, "tpm": None, "allowed": 11, "limited": 2}


def test_the_token_bucket_refuses_big_requests_and_lets_an_oversized_one_pass_when_full() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(6000, 600), clock)  # 10 tokens a second
    assert limiter.check(8).allowed
    refused = limiter.check(8)
    assert not refused.allowed and refused.which == "tokens"
    assert refused.retry_after == pytest.approx(0.6)
    clock.now += 10
    # Bigger than the bucket: passes once it is full, leaving it in debt.
    assert limiter.check(50).allowed
    later = limiter.check(1)
    assert not later.allowed and later.retry_after == pytest.approx(4.1)


def test_tokens_are_estimated_from_the_body_and_the_output_asked_for() -> None:
    assert estimate_tokens(400, {"max_tokens": 50}) == 150
    assert estimate_tokens(401, {"max_output_tokens": 7}) == 108
    assert estimate_tokens(8, {"max_tokens": True}) == 2
    assert estimate_tokens(8, None) == 2


def test_the_server_answers_429_with_retry_after_in_each_family() -> None:
    with LocalServer(rate_limit="120") as server:  # 2 a second
        url = server.url
        statuses = [http.post(url + "/chat/completions", json=CHAT, headers=AUTH) for _ in range(3)]
        assert [r.status_code for r in statuses] == [200, 200, 429]
        refused = statuses[-1]
        assert refused.json()["error"]["code"] == "rate_limit_exceeded"
        assert "requests per min" in refused.json()["error"]["message"]
        assert 0 < int(refused.headers["retry-after-ms"]) <= 500
        assert refused.headers["retry-after"] == "1"
        assert statuses[0].headers["x-ratelimit-limit-requests"] == "120"
        anthropic = http.post(
            server.root_url + "/v1/messages",
            json={"model": "claude-haiku-4-5", "max_tokens": 5, "messages": CHAT["messages"]},
            headers={"x-api-key": KEY},
        )
        assert anthropic.status_code == 429
        assert anthropic.json()["error"]["type"] == "rate_limit_error"
        time.sleep(int(refused.headers["retry-after-ms"]) / 1000 + 0.05)
        assert http.post(url + "/chat/completions", json=CHAT, headers=AUTH).status_code == 200
        stats = server.rate_limit_stats
        assert stats["limited"] == 2 and stats["allowed"] == 3
        admin = http.get(server.root_url + "/__r9s/rate-limit").json()
        assert admin == {"rpm": 120, "tpm": None, "allowed": 3, "limited": 2}
        http.delete(server.root_url + "/__r9s/rate-limit")
        assert server.rate_limit_stats["limited"] == 0


def test_the_sdk_waits_out_the_servers_retry_after_and_succeeds() -> None:
    retry = RetryConfig("backoff", BackoffStrategy(10, 50, 2.0, 10_000), True, max_retries=10)
    with LocalServer(rate_limit="600") as server:
        with R9S(api_key=KEY, server_url=server.url, retry_config=retry) as client:
            answers = [client.chat.create(**CHAT) for _ in range(15)]
        assert all(a.choices[0].message.content for a in answers)
        assert server.rate_limit_stats["allowed"] == 15


def test_without_a_limit_nothing_is_refused() -> None:
    with LocalServer() as server:
        answers = [http.post(server.url + "/chat/completions", json=CHAT, headers=AUTH)]
        answers += [http.post(server.url + "/chat/completions", json=CHAT, headers=AUTH)]
        assert all(a.status_code == 200 for a in answers)
        assert "x-ratelimit-limit-requests" not in answers[0].headers
        assert server.rate_limit_stats["limited"] == 0


def test_r9s_mock_rate_limit() -> None:
    with mock("--port", "0", "--quiet", "--rate-limit", "60,100000") as (process, url, banner):
        assert "rate limit: 60,100000" in banner
        first = http.post(url + "/chat/completions", json=CHAT, headers=AUTH)
        second = http.post(url + "/chat/completions", json=CHAT, headers=AUTH)
        assert (first.status_code, second.status_code) == (200, 429)
        assert second.headers["retry-after"] == "1"
        stats = http.get(url.removesuffix("/v1") + "/__r9s/rate-limit").json()
        assert stats == {"rpm": 60, "tpm": 100000, "allowed": 1, "limited": 1}
        code, _, _ = stop(process, signal.SIGTERM)
    assert code == 0


def test_r9s_mock_refuses_a_bad_rate_limit_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "r9s.cli", "mock", "--rate-limit", "fast"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--rate-limit: expected numbers in RPM[,TPM], not 'fast'" in result.stderr
