"""Run workloads for one client in this process; print the results as one JSON line.

    python benchmarks/bench_client.py --client r9s --url http://127.0.0.1:PORT [--scenario S]

Each workload warms up first (connections, lazy imports, schema building), is timed with
``perf_counter`` (wall) and ``process_time`` (this process's CPU), and is checked against
``payloads`` afterwards: a wrong answer is reported as an error, never as a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import payloads
from workloads import Adapter, Stream, make

WARMUP_CALLS = 20
Result = dict[str, Any]


class WrongAnswer(Exception):
    """A client returned something other than what the server sent."""


def check_text(got: str) -> None:
    if got != payloads.ANSWER:
        raise WrongAnswer(f"answer {got[:60]!r} != {payloads.ANSWER[:60]!r}")


def check_stream(n: int, got: Stream) -> None:
    count, text = got
    if count != n:
        raise WrongAnswer(f"{count} text events, expected {n}")
    if text != payloads.stream_text(n):
        raise WrongAnswer(f"stream text differs (got {len(text)} chars)")


def check_vector(got: list[float]) -> None:
    expected = payloads.vector()
    if len(got) != len(expected):
        raise WrongAnswer(f"vector of {len(got)} values, expected {len(expected)}")
    if tuple(got) != expected or not all(type(v) is float for v in got):
        raise WrongAnswer("vector values differ")


def time_calls(call: Callable[[], Any], n: int, check: Callable[[Any], None]) -> Result:
    for _ in range(WARMUP_CALLS):
        check(call())
    results = []
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        results.append(call())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for result in results:
        check(result)
    return {"us": wall / n * 1e6, "cpu_us": cpu / n * 1e6}


def time_stream(run: Callable[[int], Stream], n: int, repeats: int) -> Result:
    """The median of ``repeats`` streams of ``n`` events (one stream lasts well under a
    second for the fast clients: one alone is at the mercy of a busy neighbour)."""
    check_stream(200, run(200))
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        got = run(n)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        check_stream(n, got)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return {"per_s": n / wall, "cpu_us": cpu / n * 1e6}


def time_astream(
    run: Callable[[int], Awaitable[Stream]], n: int, repeats: int
) -> Callable[[], Awaitable[Result]]:
    """``time_stream`` for an async stream (in one event loop)."""

    async def measure() -> Result:
        check_stream(200, await run(200))
        walls, cpus = [], []
        for _ in range(repeats):
            wall, cpu = time.perf_counter(), time.process_time()
            got = await run(n)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            check_stream(n, got)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        return {"per_s": n / wall, "cpu_us": cpu / n * 1e6}

    return measure


def time_gather(
    call: Callable[[], Awaitable[str]], concurrency: int, waves: int
) -> Callable[[], Awaitable[Result]]:
    async def measure() -> Result:
        for got in await asyncio.gather(*(call() for _ in range(concurrency))):
            check_text(got)
        results: list[str] = []
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(waves):
            results += await asyncio.gather(*(call() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        for got in results:
            check_text(got)
        n = concurrency * waves
        return {"per_s": n / wall, "us": wall / n * 1e6, "cpu_us": cpu / n * 1e6}

    return measure


def attempt(results: dict[str, Result], name: str, run: Callable[[], Result]) -> None:
    try:
        results[name] = run()
    except NotImplementedError:
        pass
    except Exception as exc:  # reported in the table, so one broken client never stops a run
        results[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}


SCENARIOS: dict[str, str] = {
    "chat_call": "chat",
    "message_call": "message",
    "chat_stream": "chat_stream",
    "message_stream": "message_stream",
    "embed_float": "embed",
    "embed_base64": "embed",
    "async_chat": "achat",
    "async_message": "amessage",
    "async_chat_stream": "achat_stream",
}
"""Each scenario, and the adapter method it needs."""


def supports(adapter: type[Adapter], scenario: str) -> bool:
    method = SCENARIOS[scenario]
    return getattr(adapter, method) is not getattr(Adapter, method)


def run(adapter: Adapter, scenario: str, args: argparse.Namespace) -> Result:
    """Measure one scenario (async ones in their own event loop)."""
    if scenario == "chat_call":
        return time_calls(adapter.chat, args.calls, check_text)
    if scenario == "message_call":
        return time_calls(adapter.message, args.calls, check_text)
    if scenario == "chat_stream":
        return time_stream(adapter.chat_stream, args.events, args.repeats)
    if scenario == "message_stream":
        return time_stream(adapter.message_stream, args.events, args.repeats)
    if scenario.startswith("embed_"):
        encoding = scenario.removeprefix("embed_")
        return time_calls(lambda: adapter.embed(encoding), args.embeds, check_vector)
    if scenario == "async_chat_stream":
        timed = time_astream(adapter.achat_stream, args.events, args.repeats)
    else:
        call = adapter.achat if scenario == "async_chat" else adapter.amessage
        timed = time_gather(call, args.concurrency, args.waves)

    async def measure() -> Result:
        try:
            return await timed()
        finally:
            await adapter.aclose()

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--events", type=int, default=payloads.STREAM_EVENTS)
    parser.add_argument("--repeats", type=int, default=3, help="streams per measurement")
    parser.add_argument("--embeds", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--waves", type=int, default=4)
    args = parser.parse_args()
    try:
        adapter = make(args.client, args.url)
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return
    results: dict[str, Result] = {}
    for scenario in args.scenario or SCENARIOS:
        if supports(type(adapter), scenario):
            attempt(results, scenario, lambda s=scenario: run(adapter, s, args))  # type: ignore[misc]
    adapter.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["peak_rss"] = {"mib": peak}
    json.dump(results, sys.stdout)
    print()


if __name__ == "__main__":
    main()
