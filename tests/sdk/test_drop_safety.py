"""Streams, binary bodies and raw responses dropped without being closed (issue 17).

Freeze: a dropped sync stream was a reference cycle; a garbage collection that finalised
it while this thread held the HTTP pool's lock made it wait on that lock forever. The
freeze tests run in a fresh interpreter with a timeout, so that a regression fails here
instead of hanging the run. Async leak: an async stream never iterated kept its
connection, and after 100 of them every request waited the pool timeout.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from r9s import R9S
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.support.drop_streams import CASES, lookup

ROOT = Path(__file__).resolve().parents[2]
USER = [{"role": "user", "content": "one two three four five six"}]
FREEZE_TIMEOUT = 90  # seconds; a run takes 1-3


def busy(http: Any) -> int:
    """Connections of an httpx client's pool that are in use (the sync client's)."""
    return sum(not connection.is_idle() for connection in http._transport._pool.connections)


async def connections_drop_to(server: LocalServer, count: int) -> int:
    """The server's open connections, once they are down to ``count`` (or after 5 s).
    Counted on the server, whatever transport the async client uses: a connection
    released with its answer unread is closed."""
    for _ in range(500):
        if server.stats["connections"] <= count:
            break
        await asyncio.sleep(0.01)
    return server.stats["connections"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_freeze_dropped_sync_streams_never_freeze(case: str) -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.support.drop_streams", case],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=FREEZE_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"dropping {case} streams froze the process ({FREEZE_TIMEOUT} s): {exc}")
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["busy"] == 0  # every dropped stream released its connection
    if case == "text_stream_in_a_cycle":  # closed by its own loop's end, or dropped
        assert outcome["warnings"] > 0
    else:
        assert outcome["warnings"] == 280  # one ResourceWarning each


@pytest.fixture
def client(server: LocalServer) -> Iterator[R9S]:
    with R9S(api_key=API_KEY, server_url=server.url) as made:
        yield made


def first(stream: Any) -> Any:
    next(stream)
    return stream


def openers(client: R9S) -> dict[str, Any]:
    """How to open each kind of object that holds a connection (its first part read)."""
    return {
        "chat": lambda: first(client.chat.create(model="gpt-4o-mini", messages=USER, stream=True)),
        "parsed": lambda: first(
            client.chat.parse(
                model="gpt-4o-mini", messages=USER, stream=True, response_format={"type": "object"}
            )
        ),
        "tool run": lambda: first(
            client.chat.run_tools(model="gpt-4o-mini", messages=USER, tools=[lookup], stream=True)
        ),
        "raw": lambda: client.with_raw_response.chat.create(
            model="gpt-4o-mini", messages=USER, stream=True
        ),
        "speech": lambda: client.audio.speech(model="tts-1", input="hi " * 2000, voice="alloy"),
    }


def test_freeze_a_dropped_stream_is_no_reference_cycle(client: R9S) -> None:
    # With the collector off, only reference counting frees what is dropped: each object
    # is closed at once, where it was dropped, never later by a collection.
    gc.disable()
    try:
        for name, open_one in openers(client).items():
            held = open_one()
            assert busy(client.http_client) == 1, name
            with pytest.warns(ResourceWarning, match="unclosed"):
                del held
            assert busy(client.http_client) == 0, name
    finally:
        gc.enable()


def test_freeze_a_stream_collected_in_a_cycle_is_released_at_the_next_call(
    client: R9S,
) -> None:
    class Cycle:
        def __init__(self, held: Any) -> None:
            self.me = self
            self.held = held

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        holder: Any = Cycle([open_one() for open_one in openers(client).values()])
        assert busy(client.http_client) == 5
        holder = None
        gc.collect()  # may have queued the closes (as if it ran inside the pool's lock)
        client.models.list()
    assert holder is None and busy(client.http_client) == 0


def slow_streams(server: LocalServer, count: int) -> None:
    """Make the next ``count`` chat streams slow, so that each holds its connection until
    it is released: aiohttp hands a connection back to its pool (open, idle) once the
    whole answer is in its buffer, read or not, and a quick answer would leave nothing
    to release."""
    server.inject("chunk_delay=0.3", times=count, path="/v1/chat/completions")


async def _open_unread(client: R9S, count: int) -> None:
    for _ in range(count):
        await client.chat.create_async(model="gpt-4o-mini", messages=USER, stream=True)


def test_async_leak_streams_never_read_release_their_connections(server: LocalServer) -> None:
    # A pool timeout of 5 s instead of 600: a leak fails in seconds, not minutes.
    timeout = httpx.Timeout(60, pool=5)
    slow_streams(server, 120)

    async def main() -> None:
        async with R9S(api_key=API_KEY, server_url=server.url, timeout=timeout) as client:
            with pytest.warns(ResourceWarning, match="unclosed <AsyncChatCompletionStream"):
                await _open_unread(client, 120)  # more than the pool's 100 connections
            assert await connections_drop_to(server, 0) == 0
            models = await asyncio.wait_for(client.models.list_async(), 10)
            assert models.data

    asyncio.run(main())


def test_async_leak_dropped_async_objects_of_every_kind(server: LocalServer) -> None:
    slow_streams(server, 3)

    async def main() -> None:
        async with R9S(api_key=API_KEY, server_url=server.url) as client:
            chat = await client.chat.create_async(model="gpt-4o-mini", messages=USER, stream=True)
            await chat.__anext__()
            run = await client.chat.run_tools_async(
                model="gpt-4o-mini", messages=USER, tools=[lookup], stream=True
            )
            await run.__anext__()
            raw = await client.with_raw_response.chat.create_async(
                model="gpt-4o-mini", messages=USER, stream=True
            )
            speech = await client.audio.speech_async(
                model="tts-1", input="hi " * 2000, voice="alloy"
            )
            assert server.stats["connections"] == 4
            with pytest.warns(ResourceWarning) as caught:
                del chat, run, raw, speech
                gc.collect()
            assert len(caught) == 4
            assert await connections_drop_to(server, 0) == 0  # the loop ran the closes

    asyncio.run(main())


def test_async_leak_a_stream_dropped_in_another_thread_is_closed_on_its_loop(
    server: LocalServer,
) -> None:
    slow_streams(server, 1)

    async def main() -> None:
        async with R9S(api_key=API_KEY, server_url=server.url) as client:
            box = [await client.chat.create_async(model="gpt-4o-mini", messages=USER, stream=True)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                await asyncio.to_thread(box.clear)  # the last reference goes there
            assert await connections_drop_to(server, 0) == 0

    asyncio.run(main())
