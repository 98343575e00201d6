"""The benchmark's own pieces answer correctly and catch wrong answers (no timing here:
the benchmark itself runs by hand, with ``make bench``)."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


MODULES = ("payloads", "workloads", "benchserver", "bench_client", "startup", "run", "bench_batch")
"""The benchmark's modules import each other by these plain names (they run as scripts)."""


@pytest.fixture(autouse=True, scope="module")
def bench_on_path() -> Iterator[None]:
    sys.path.insert(0, str(BENCH))
    try:
        yield
    finally:
        sys.path.remove(str(BENCH))
        for name in MODULES:
            sys.modules.pop(name, None)


def bench_module(name: str) -> ModuleType:
    assert name in MODULES
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = subprocess.Popen(
        [sys.executable, str(BENCH / "benchserver.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("READY "), line
        yield line.split()[1]
    finally:
        server.terminate()
        server.wait(10)
        assert server.stdout is not None
        server.stdout.close()


def small_run(**overrides: Any) -> argparse.Namespace:
    values = {"calls": 3, "events": 300, "repeats": 1, "embeds": 2, "concurrency": 3, "waves": 1}
    return argparse.Namespace(**{**values, **overrides})


@pytest.mark.parametrize(
    "client", ["raw", "httpx", "r9s", "r9s-httpx", "openai-aiohttp", "anthropic-aiohttp"]
)
def test_every_workload_passes_its_check(url: str, client: str) -> None:
    runner = bench_module("bench_client")
    workloads = bench_module("workloads")
    for scenario in runner.SCENARIOS:
        if not runner.supports(workloads.ADAPTERS[client], scenario):
            continue
        adapter = workloads.make(client, url)  # a fresh one, as each benchmark process has
        try:
            result = runner.run(adapter, scenario, small_run())
        finally:
            adapter.close()
        assert all(value > 0 for value in result.values()), (scenario, result)


def test_the_server_answers_what_payloads_describe(url: str) -> None:
    payloads = bench_module("payloads")
    adapter = bench_module("workloads").make("raw", url)
    try:
        assert adapter.chat() == payloads.ANSWER
        count, text = adapter.chat_stream(7)
        assert (count, text) == (7, "w0 w1 w2 w3 w4 w5 w6 ")
        assert adapter.message_stream(1001) == (1001, payloads.stream_text(1001))
        assert adapter.embed("base64") == adapter.embed("float") == list(payloads.vector())
    finally:
        adapter.close()


def test_wrong_answers_are_caught() -> None:
    runner = bench_module("bench_client")
    payloads = bench_module("payloads")
    vector = list(payloads.vector())
    with pytest.raises(runner.WrongAnswer):
        runner.check_stream(10, (9, payloads.stream_text(9)))
    with pytest.raises(runner.WrongAnswer):
        runner.check_stream(10, (10, payloads.stream_text(9)))
    with pytest.raises(runner.WrongAnswer):
        runner.check_vector(vector[:-1])
    with pytest.raises(runner.WrongAnswer):
        runner.check_vector([*vector[:-1], vector[-1] + 1e-9])
    with pytest.raises(runner.WrongAnswer):
        runner.check_text(payloads.ANSWER[:-1])


def test_ratios_are_taken_within_a_round_and_targets_judged_on_them() -> None:
    run = bench_module("run")
    call = next(m for m in run.METRICS if m.key == "chat_call.us")
    stream = next(m for m in run.METRICS if m.key == "chat_stream.per_s")
    samples = {
        "chat_call.us": {"httpx": [100.0, 200.0, 300.0], "r9s": [105.0, 210.0, 300.0]},
        "chat_stream.per_s": {
            "httpx": [30_000.0, 24_000.0],
            "r9s": [20_000.0, 20_000.0],
            "openai": [3_000.0, 4_000.0],
        },
    }
    assert run.ratios(samples, call, "r9s") == [1.05, 1.05, 1.0]
    assert run.verdict(samples, call).endswith(": met")
    assert run.ratios(samples, stream, "r9s") == [1.5, 1.2]
    assert "not met" in run.verdict(samples, stream)  # within x1.7, but only 20,000/s
    samples["chat_stream.per_s"]["r9s"] = [26_000.0, 26_000.0]
    assert run.verdict(samples, stream).endswith("met (7.6x openai)")
    samples["chat_stream.per_s"]["openai"] = [6_000.0, 6_000.0]
    assert "not met" in run.verdict(samples, stream)  # only 4.3x openai
    assert "x1.05 (105–300)" in run.cell(samples, call, "r9s")
    samples["chat_call.us"]["r9s"] = [120.0, 260.0, 300.0]
    assert "not met" in run.verdict(samples, call)  # x1.2: sync calls must stay within x1.1


def test_the_batch_rows_send_count_and_report(url: str) -> None:
    import asyncio

    batch = bench_module("bench_batch")
    run = bench_module("run")
    mine = asyncio.run(batch.send_r9s(url + "/v1", 40, 4))
    theirs = asyncio.run(batch.send_openai(url + "/v1", 40, 4))
    assert (mine["ok"], mine["failed"], mine["missing"]) == (40, 0, 0)
    assert (theirs["ok"], theirs["failed"]) == (40, 0)
    memory = batch.memory(300)
    assert memory["rss_mib"] > 0 and memory["rows_per_s"] > 0
    settings = run.QUICK
    found = {"limited.r9s": {**mine, "throttled": 3}, "limited.openai": {**theirs, "throttled": 9},
             f"memory.{settings.memory_rows[1]}": memory}  # fmt: skip
    table = run.batch_table(found, settings)
    assert "| 429 answers sent by the mock | 3 | 9 | |" in table
    assert "| failed rows (of 2,000) | 0 | 0 | |" in table


def test_the_async_target_compares_with_openai_on_aiohttp() -> None:
    run = bench_module("run")
    calls = next(m for m in run.METRICS if m.key == "async_chat.per_s")
    samples = {
        "async_chat.per_s": {
            "httpx": [500.0, 520.0],
            "r9s": [3_000.0, 3_100.0],
            "openai-aiohttp": [1_000.0, 1_100.0],
        }
    }
    assert run.verdict(samples, calls).endswith("met (2.9x openai-aiohttp)")
    samples["async_chat.per_s"]["openai-aiohttp"] = [2_000.0, 2_000.0]
    assert "not met" in run.verdict(samples, calls)  # only 1.5x openai on aiohttp
    samples["async_chat.per_s"]["openai-aiohttp"] = [1_000.0, 1_100.0]
    samples["async_chat.per_s"]["r9s"] = [1_000.0, 1_100.0]
    assert "not met" in run.verdict(samples, calls)  # only 2x plain httpx


def test_the_pydantic_floor_probe_makes_its_call_and_is_reported(url: str) -> None:
    startup = bench_module("startup")
    run = bench_module("run")

    def probe(at: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, str(BENCH / "startup.py"), "first", startup.PYDANTIC_FLOOR, at]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120)

    answered = probe(url)
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout)["ms"] > 0
    broken = probe(url + "/x")  # a wrong answer fails: the model checks the reply it was given
    assert broken.returncode != 0
    assert "ValidationError" in broken.stderr
    samples = {"startup.first_ms": {startup.PYDANTIC_FLOOR: [150.0, 170.0], "httpx": [100.0],
                                    "r9s": [160.0]}}  # fmt: skip
    line = run.pydantic_floor(samples)
    assert line is not None
    assert "took 160.0 ms (150.0–170.0), x1.60 of plain httpx's" in line
    assert "r9s's first call is x1.00 of that floor" in line
    del samples["startup.first_ms"]["r9s"]
    assert run.pydantic_floor(samples) is None
