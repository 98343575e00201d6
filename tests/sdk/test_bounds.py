"""Bounds (issue 17): a whole-call deadline, and caps on what a response may make the
SDK hold in memory, against the local server's faults.

A deadline of ``d`` seconds must end the call after about ``d`` (it really waited) and
well before the server would have let it end (a body trickled at 5 bytes/s, a server
that never answers: minutes). Memory is measured in a fresh interpreter (peak RSS).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from r9s import R9S, errors
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.support.twins import Twin, items

ROOT = Path(__file__).resolve().parents[2]
EARLY = 0.02
USER = [{"role": "user", "content": "one two three four five six"}]
TRICKLE = {"X-R9S-Fault": "trickle=0.2"}  # the models list at 5 bytes/s: minutes
NEVER = {"X-R9S-Fault": "delay=60"}


@contextmanager
def ends_at_the_deadline(
    deadline: float, error: type[BaseException] = errors.APITimeoutError
) -> Iterator[pytest.ExceptionInfo[Any]]:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        yield caught
    elapsed = time.monotonic() - started
    assert deadline - EARLY <= elapsed < deadline * 2 + 1, f"{elapsed:.2f} s for {deadline} s"


def test_bounds_a_deadline_ends_a_trickled_body(r9s: Twin) -> None:
    # A byte every 0.2 s: the 3 s timeout between bytes never fires.
    with ends_at_the_deadline(1.5) as caught:
        r9s.models.list(http_headers=TRICKLE, timeout=3, deadline=1.5)
    error = caught.value
    assert isinstance(error, httpx.TimeoutException)
    assert "the deadline of 1.5 s for this call passed" in str(error)


def test_bounds_a_deadline_ends_a_call_to_a_server_that_never_answers(r9s: Twin) -> None:
    with ends_at_the_deadline(1.0):
        r9s.models.list(http_headers=NEVER, deadline=1.0)


def test_bounds_a_deadline_covers_the_attempts_and_the_waits_between_them(
    r9s: Twin, server: LocalServer
) -> None:
    # Each attempt takes 0.4 s and fails: the third is cut short when the second ends.
    fault = {"X-R9S-Fault": "status=503;delay=0.4"}
    with ends_at_the_deadline(1.0):
        r9s.models.list(http_headers=fault, deadline=1.0)
    assert 2 <= len(server.requests) <= 3
    # A wait the server asks for that would end past the deadline is not started: its
    # error is the answer, at once.
    server.clear()
    started = time.monotonic()
    with pytest.raises(errors.ServiceUnavailableError) as caught:
        r9s.models.list(http_headers={"X-R9S-Fault": "status=503;retry_after=5"}, deadline=2)
    assert time.monotonic() - started < 1.5 and len(server.requests) == 1
    assert caught.value.retry_after == 5


def test_bounds_a_deadline_on_the_client_and_on_a_copy(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, deadline=0.5) as client:
        with ends_at_the_deadline(0.5):
            client.models.list(http_headers=NEVER)
        with ends_at_the_deadline(0.8):
            client.with_options(deadline=0.8).models.list(http_headers=NEVER)
        assert client.with_options(deadline=None).models.list(deadline=None).data
    with pytest.raises(errors.ConfigurationError, match="deadline must be positive seconds"):
        R9S(api_key=API_KEY, deadline=0)


def test_bounds_a_deadline_reaches_the_stream_not_its_end(r9s: Twin) -> None:
    # Events 0.4 s apart, more than the whole deadline: the stream is read with the
    # call's own timeouts (600 s between bytes), not ones the deadline shortened.
    slow = {"X-R9S-Fault": "chunk_delay=0.4"}
    hello = [{"role": "user", "content": "hi"}]
    chunks = r9s.chat.create(
        model="gpt-4o-mini", messages=hello, stream=True, http_headers=slow, deadline=0.3,
        consume=items,
    )  # fmt: skip
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "Echo: hi"
    with ends_at_the_deadline(0.5):  # a stream whose headers are late: cut as any call
        r9s.chat.create(
            model="gpt-4o-mini", messages=USER, stream=True, http_headers=NEVER, deadline=0.5,
            consume=items,
        )  # fmt: skip


def test_bounds_a_deadline_that_includes_the_stream_cuts_it(r9s: Twin) -> None:
    slow = {"X-R9S-Fault": "chunk_delay=0.2"}
    with ends_at_the_deadline(0.5, errors.IncompleteStreamError) as caught:
        r9s.chat.create(
            model="gpt-4o-mini", messages=USER, stream=True, http_headers=slow, deadline=0.5,
            deadline_includes_stream=True, consume=items,
        )  # fmt: skip
    error = caught.value
    assert isinstance(error, errors.IncompleteStreamError)
    assert isinstance(error, errors.APITimeoutError) and isinstance(error, httpx.TimeoutException)
    assert error.reason == "connection_lost" and 1 <= error.events < 5
    assert "deadline of 0.5 s" in str(error)


@pytest.mark.parametrize("case", ["line", "bomb"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_bounds_a_huge_line_or_a_gzip_bomb_is_refused_in_bounded_memory(
    server: LocalServer, case: str, mode: str
) -> None:
    # line: one stream event of 100 MB (it cost +290 MiB); bomb: a gzip body of 1 GiB
    # decompressed (+2 GiB, or MemoryError). The default max_response_size is 64 MiB.
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.bounded_memory", server.url, case, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["error"] == "ResponseTooLargeError", outcome
    assert outcome["limit"] == 64 * 1024 * 1024
    assert "larger than 67108864 bytes" in outcome["message"]
    assert "max_response_size" in outcome["message"]
    # The cap, plus at most one network read's worth decompressed (a 64 KiB read of a
    # gzip body can be 64 MiB), plus the decompressor's own buffers.
    assert outcome["growth_mib"] < 256, outcome


def test_bounds_max_response_size_is_the_clients_to_set(server: LocalServer) -> None:
    bomb = {"X-R9S-Fault": "gzip_bomb=3000000"}  # 3 MB of zeros, not JSON
    with R9S(api_key=API_KEY, server_url=server.url, max_response_size=1_000_000) as client:
        with pytest.raises(errors.ResponseTooLargeError) as caught:
            client.models.list(http_headers=bomb)
        assert caught.value.limit == 1_000_000
        huge = {"X-R9S-Fault": "huge_event=2000000"}
        with pytest.raises(errors.ResponseTooLargeError, match="an event of the chat"):
            with client.chat.create(
                model="gpt-4o-mini", messages=USER, stream=True, http_headers=huge
            ) as stream:
                list(stream)
        # Allowed more, the same answers get through the cap (and fail as what they are).
        roomy = client.with_options(max_response_size=None)
        with pytest.raises(errors.ResponseValidationError):
            roomy.models.list(http_headers=bomb)
    with pytest.raises(errors.ConfigurationError, match="max_response_size"):
        R9S(api_key=API_KEY, max_response_size=-1)
