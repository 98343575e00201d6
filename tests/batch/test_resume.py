"""Resuming, refusing an output that is not this input's, budgets, retry-failed, status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import r9s.batch as batch
from r9s import R9S
from r9s.testing import LocalServer
from tests.batch.conftest import KEY, by_id, chat_input, chat_row, records, sent_ids, write_jsonl


def run(input: Path, output: Path, client: R9S, **options: Any) -> batch.Summary:
    return batch.run(input, output, client=client, progress="off", **options)


def test_running_again_resumes_and_sends_only_what_is_missing(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 30), tmp_path / "out.jsonl"
    run(source, output, client)
    # Lose the last ten records (as if the run had been killed before them).
    lines = output.read_text().splitlines(keepends=True)
    kept = {json.loads(line)["custom_id"] for line in lines[:20]}
    output.write_text("".join(lines[:20]))
    server.clear()
    summary = run(source, output, client)
    assert summary.written == 10 and summary.done == 30 and summary.state == "finished"
    assert set(sent_ids(server)).isdisjoint(kept) and len(sent_ids(server)) == 10
    assert len(by_id(output)) == 30
    server.clear()
    again = run(source, output, client, resume=True)
    assert again.written == 0 and server.requests == []


def test_a_torn_last_line_is_cut_and_its_row_sent_again(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 5), tmp_path / "out.jsonl"
    run(source, output, client)
    data = output.read_bytes()
    last = json.loads(data.splitlines()[-1])["custom_id"]
    output.write_bytes(data[:-40])  # a write cut short by kill -9
    server.clear()
    summary = run(source, output, client)
    assert sent_ids(server) == [last] and summary.written == 1
    assert len(by_id(output)) == 5


def test_an_output_of_another_input_is_refused_and_left_untouched(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    output = tmp_path / "out.jsonl"
    run(chat_input(tmp_path / "a.jsonl", 3), output, client)
    before = output.read_bytes()
    other = write_jsonl(tmp_path / "b.jsonl", [chat_row("row-0", "different")])
    server.clear()
    with pytest.raises(
        batch.OutputConflictError, match=r"made from another input .*a\.jsonl: its content differs"
    ):
        run(other, output, client)
    assert output.read_bytes() == before and server.requests == []
    prompts = tmp_path / "p.txt"
    prompts.write_text("x\n")
    run(prompts, tmp_path / "p.jsonl", client, model="gpt-4o")
    with pytest.raises(batch.OutputConflictError, match="model was 'gpt-4o', now 'gpt-4o-mini'"):
        run(prompts, tmp_path / "p.jsonl", client, model="gpt-4o-mini")


def test_a_file_not_written_by_r9s_batch_is_refused(tmp_path: Path, client: R9S) -> None:
    output = tmp_path / "notes.jsonl"
    output.write_text('{"mine": true}\n')
    with pytest.raises(batch.OutputConflictError, match="was not written by r9s batch"):
        run(chat_input(tmp_path / "in.jsonl", 2), output, client)
    assert output.read_text() == '{"mine": true}\n'


def test_resume_insists_on_an_output(tmp_path: Path, client: R9S) -> None:
    with pytest.raises(batch.OutputConflictError, match="nothing to resume"):
        run(chat_input(tmp_path / "in.jsonl", 2), tmp_path / "typo.jsonl", client, resume=True)
    assert not (tmp_path / "typo.jsonl").exists()


def test_overwrite_sets_the_old_output_aside(tmp_path: Path, client: R9S) -> None:
    output = tmp_path / "out.jsonl"
    run(chat_input(tmp_path / "a.jsonl", 2), output, client)
    old = output.read_bytes()
    summary = run(chat_input(tmp_path / "b.jsonl", 4), output, client, overwrite=True)
    assert summary.written == 4
    assert (tmp_path / "out.jsonl.bak").read_bytes() == old
    assert (tmp_path / "out.jsonl.bak.r9s.json").exists()
    run(chat_input(tmp_path / "c.jsonl", 1), output, client, overwrite=True)
    assert (tmp_path / "out.jsonl.bak.1").exists()


def test_allow_changed_input_keeps_what_was_answered(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 4), tmp_path / "out.jsonl"
    run(source, output, client)
    with open(source, "a") as more:
        more.write(json.dumps(chat_row("row-new")) + "\n")
    server.clear()
    summary = run(source, output, client, allow_changed_input=True)
    assert sent_ids(server) == ["row-new"] and summary.done == 5 and summary.rows == 5


def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 200), tmp_path / "out.jsonl"
    with LocalServer() as server:
        server.inject("delay=0.2", times=200)
        env = {**os.environ, "R9S_API_KEY": KEY, "R9S_BASE_URL": server.url}
        first = subprocess.Popen(
            [sys.executable, "-m", "r9s.cli", "batch", "run", str(source), "-o", str(output),
             "--concurrency", "2", "--max-concurrency", "2", "-q"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while not output.exists() or not output.read_text():
                assert time.monotonic() < deadline and first.poll() is None
                time.sleep(0.05)
            with R9S(api_key=KEY, server_url=server.url) as client:
                with pytest.raises(
                    batch.OutputConflictError,
                    match=r"being written by another r9s batch run \(pid \d+\)",
                ):
                    run(source, output, client)
            assert batch.status(output).state == "running"
        finally:
            first.kill()
            first.communicate()  # also closes its stderr pipe
    assert batch.status(output).state == "interrupted"


def test_a_token_budget_stops_cleanly_and_a_bigger_one_goes_on(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 100), tmp_path / "out.jsonl"
    stopped = run(source, output, client, max_tokens=150)
    assert stopped.state == "stopped" and "token budget reached" in (stopped.reason or "")
    assert 0 < stopped.done < 100
    assert stopped.input_tokens + stopped.output_tokens <= 150
    status = batch.status(output)
    assert (status.state, status.done) == ("stopped", stopped.done)
    # The same budget again: nothing more fits, nothing is sent.
    server.clear()
    again = run(source, output, client, max_tokens=150)
    assert again.state == "stopped" and again.written <= 1
    server.clear()
    finished = run(source, output, client, max_tokens=100_000)
    assert finished.state == "finished" and len(by_id(output)) == 100
    assert len(sent_ids(server)) == 100 - again.done


def test_a_cost_budget_needs_prices_and_counts_them(tmp_path: Path, client: R9S) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 50), tmp_path / "out.jsonl"
    with pytest.raises(batch.BatchInputError, match="needs prices"):
        run(source, output, client, max_cost=1.0)
    # 1,000,000 $ per million tokens: a dollar a token, so $40 is 40 tokens.
    stopped = run(source, output, client, max_cost=40, prices="1000000,1000000")
    assert stopped.state == "stopped" and stopped.cost is not None and stopped.cost <= 40
    assert stopped.cost == stopped.input_tokens + stopped.output_tokens
    assert batch.status(output).cost == stopped.cost


def test_retry_failed_sends_only_the_failed_rows_and_replaces_their_records(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 20), tmp_path / "out.jsonl"
    server.inject("status=400;message=try me later", times=5)
    first = run(source, output, client, concurrency=1)
    failed = {k for k, r in by_id(output).items() if r["response"]["status_code"] == 400}
    assert first.failed == 5 and len(failed) == 5
    server.clear()
    summary = batch.retry_failed(output, client=client, progress="off")
    assert sorted(sent_ids(server)) == sorted(failed)
    assert (summary.state, summary.rows, summary.written) == ("finished", 20, 5)
    assert (summary.ok, summary.failed, summary.done) == (20, 0, 20)
    found = by_id(output)
    assert len(found) == 20 and all(r["response"]["status_code"] == 200 for r in found.values())
    assert not (tmp_path / "out.jsonl.retry").exists()
    server.clear()
    assert batch.retry_failed(output, client=client, progress="off").written == 0
    assert server.requests == []


def test_an_interrupted_retry_failed_resumes_and_merges_once(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 10), tmp_path / "out.jsonl"
    server.inject("status=422", times=4)
    run(source, output, client, concurrency=1)
    failed = sorted(k for k, r in by_id(output).items() if r["response"]["status_code"] == 422)
    # As if a retry-failed had answered two of them and then been killed.
    side = tmp_path / "out.jsonl.retry"
    write_jsonl(side, [{"id": "batch_req_x", "custom_id": key, "error": None,
                        "response": {"status_code": 200, "request_id": None, "body": {}}}
                       for key in failed[:2]])  # fmt: skip
    assert batch.status(output).retry_pending == 2
    server.clear()
    summary = batch.retry_failed(output, client=client, progress="off")
    assert sorted(sent_ids(server)) == failed[2:]
    assert summary.failed == 0 and len(by_id(output)) == 10
    assert {r["response"]["body"].get("object") for r in by_id(output).values()} == {
        "chat.completion",
        None,
    }


def test_retry_failed_refuses_an_input_that_changed(tmp_path: Path, client: R9S) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl"
    run(source, output, client)
    source.write_text(source.read_text().replace("prompt of row-1", "fixed"))
    with pytest.raises(batch.OutputConflictError, match="allow-changed-input"):
        batch.retry_failed(output, client=client, progress="off")
    batch.retry_failed(output, client=client, progress="off", allow_changed_input=True)


def test_status_reads_an_output(tmp_path: Path, server: LocalServer, client: R9S) -> None:
    source, output = chat_input(tmp_path / "in.jsonl", 6), tmp_path / "out.jsonl"
    server.inject("status=404", times=1)
    run(source, output, client, concurrency=1, prices="1,2")
    status = batch.status(output)
    assert (status.state, status.rows, status.done, status.ok, status.failed) == (
        "finished",
        6,
        6,
        5,
        1,
    )
    assert status.statuses == {"200": 5, "404": 1} and status.remaining == 0
    assert status.input == str(source.resolve())
    assert status.cost == pytest.approx((status.input_tokens + 2 * status.output_tokens) / 1e6)
    with pytest.raises(batch.OutputConflictError, match="not the output of an r9s batch run"):
        batch.status(source)


def test_records_survive_as_whole_lines_only(tmp_path: Path, client: R9S) -> None:
    output = tmp_path / "out.jsonl"
    run(chat_input(tmp_path / "in.jsonl", 50), output, client)
    assert all(line.endswith("}") for line in output.read_text().split("\n")[:-1])
    assert len(records(output)) == 50
