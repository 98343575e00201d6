"""The parts of the Ray integration that need no cluster: the sender on one batch, and the
shared limiter spreading one worker's 429 to the others (the actor is a plain class; here
its calls are scheduled on one event loop instead of sent to a Ray actor)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from r9s.batch._limiter import AdaptiveLimiter
from r9s.integrations.ray import RequestSender, SharedLimiter, _Link, rows_of
from r9s.testing import LocalServer
from tests.batch.conftest import KEY, chat_row, embedding_row


class Remote:
    def __init__(self, method: Callable[..., Awaitable[Any]]) -> None:
        self.method = method

    def remote(self, *args: Any) -> asyncio.Future[Any]:
        return asyncio.ensure_future(self.method(*args))


class Actor:
    """What a Ray actor handle offers (``handle.method.remote(...)``, awaitable)."""

    def __init__(self, target: Any) -> None:
        self.target = target

    def __getattr__(self, name: str) -> Remote:
        return Remote(getattr(self.target, name))


def test_one_workers_429_cuts_and_pauses_every_worker() -> None:
    async def main() -> None:
        shared = SharedLimiter(rpm=600, tpm=None)
        actor = Actor(shared)
        first, second = AdaptiveLimiter(16), AdaptiveLimiter(16)
        links = [_Link(actor, first, "first"), _Link(actor, second, "second")]
        following = [asyncio.ensure_future(link.follow()) for link in links]
        await asyncio.sleep(0.05)
        assert shared.snapshot()["workers"] == 2
        assert second._requests is not None and second._requests.rate == 300 / 60  # a share
        first.throttled(time.monotonic(), 0.5)  # a 429 with Retry-After: 0.5, seen by one
        await asyncio.sleep(0.05)
        assert first.limit == 12 and second.limit == 12  # both cut, the first only once
        assert second.pause_until - time.monotonic() > 0.3
        started = time.monotonic()
        assert await second.acquire() - started > 0.3  # the other worker waits it out too
        second.release()
        first.throttled(time.monotonic(), None)  # the same burst: no second cut anywhere
        await asyncio.sleep(0.05)
        assert (first.limit, second.limit, shared.cuts) == (12, 12, 1)
        await shared.stop("budget reached")
        await asyncio.sleep(0.05)
        assert links[1].stopped == "budget reached"
        for task in following:
            task.cancel()
        await asyncio.gather(*following, return_exceptions=True)

    asyncio.run(main())


def test_the_sender_answers_a_batch_one_record_per_row(tmp_path: Any) -> None:
    lines = [json.dumps(chat_row(f"c{n}")) for n in range(20)]
    lines += [json.dumps(embedding_row(f"e{n}", f"text {n}")) for n in range(10)]
    lines += ["{broken"]
    with LocalServer() as server:
        sender = RequestSender(api_key=KEY, server_url=server.url, concurrency=4)
        out = sender({"text": lines})
        embedding_requests = [r for r in server.requests if r.path == "/v1/embeddings"]
    assert len(out["custom_id"]) == len(out["record"]) == len(out["status_code"]) == 31
    by_key = dict(zip(out["custom_id"], out["record"], strict=True))
    assert json.loads(by_key["c3"])["response"]["body"]["choices"][0]["message"]["content"] == (
        "Echo: prompt of c3"
    )
    assert sorted(set(out["status_code"])) == [0, 200]
    assert json.loads(by_key["#line:31"])["error"]["code"] == "invalid_input"
    assert len(embedding_requests) == 1  # packed, as on one machine


def test_rows_from_custom_id_and_body_columns() -> None:
    rows = rows_of({"custom_id": ["a", "b"], "body": ['{"model": "m"}', {"model": "n"}]})
    assert [row.custom_id for row in rows] == ["a", "b"]  # type: ignore[union-attr]
    assert [row.url for row in rows] == ["/v1/chat/completions"] * 2  # type: ignore[union-attr]
