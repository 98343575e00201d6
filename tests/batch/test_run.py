"""``r9s.batch.run`` against the local server: the forms, the output, what each answer does."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import r9s.batch as batch
from r9s import R9S, errors
from r9s.testing import LocalServer
from tests.batch.conftest import (
    CHAT,
    KEY,
    answer_text,
    by_id,
    chat_input,
    chat_row,
    embedding_row,
    records,
    sent_ids,
    write_jsonl,
)

WITH_IDS = {"X-R9S-Fault": "request_id=x-request-id"}
"""The local server answers with a request id when asked (as a real router always does)."""


def run(input: Path, output: Path, client: R9S, **options: Any) -> batch.Summary:
    return batch.run(input, output, client=client, progress="off", **options)


def test_openai_batch_rows_give_openai_batch_output_lines(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    source = chat_input(tmp_path / "in.jsonl", 40)
    summary = run(source, tmp_path / "out.jsonl", client.with_options(headers=WITH_IDS))
    assert (summary.state, summary.rows, summary.ok, summary.failed) == ("finished", 40, 40, 0)
    assert summary.written == 40 and summary.remaining == 0 and summary.requests == 40
    found = by_id(tmp_path / "out.jsonl")
    assert set(found) == {f"row-{n}" for n in range(40)}
    record = found["row-7"]
    assert set(record) == {"id", "custom_id", "response", "error"}
    assert record["id"].startswith("batch_req_") and record["error"] is None
    response = record["response"]
    assert response["status_code"] == 200
    assert response["request_id"].startswith("req_")
    assert len({r["response"]["request_id"] for r in found.values()}) == 40
    assert answer_text(record) == "Echo: prompt of row-7"
    assert response["body"]["object"] == "chat.completion"
    assert summary.input_tokens == sum(
        r["response"]["body"]["usage"]["prompt_tokens"] for r in found.values()
    )
    assert sorted(sent_ids(server)) == sorted(found)


def test_anthropic_message_batch_rows(tmp_path: Path, server: LocalServer, client: R9S) -> None:
    rows = [
        {"custom_id": f"m{n}", "params": {"model": "claude-haiku-4-5", "max_tokens": 50,
                                           "messages": [{"role": "user", "content": f"hi {n}"}]}}
        for n in range(5)
    ]  # fmt: skip
    run(write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl", client)
    found = by_id(tmp_path / "out.jsonl")
    assert found["m3"]["response"]["body"]["content"][0]["text"] == "Echo: hi 3"
    assert {r.path for r in server.requests} == {"/v1/messages"}


def test_every_endpoint_in_one_file(tmp_path: Path, client: R9S) -> None:
    rows = [
        chat_row("chat"),
        {"custom_id": "resp", "url": "/v1/responses",
         "body": {"model": "gpt-4o-mini", "input": "r"}},
        {"custom_id": "cmpl", "url": "/v1/completions",
         "body": {"model": "gpt-3.5-turbo-instruct", "prompt": "c"}},
        {"custom_id": "msg", "url": "/v1/messages",
         "body": {"model": "claude-haiku-4-5", "max_tokens": 9,
                  "messages": [{"role": "user", "content": "m"}]}},
        embedding_row("emb", "e"),
    ]  # fmt: skip
    run(write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl", client)
    found = by_id(tmp_path / "out.jsonl")
    objects = {key: record["response"]["body"].get("object", record["response"]["body"].get("type"))
               for key, record in found.items()}  # fmt: skip
    assert objects == {"chat": "chat.completion", "resp": "response", "cmpl": "text_completion",
                       "msg": "message", "emb": "list"}  # fmt: skip


def test_a_text_file_of_prompts(tmp_path: Path, server: LocalServer, client: R9S) -> None:
    source = tmp_path / "prompts.txt"
    source.write_text("first question\n\n  second, indented\r\nthird\n")
    run(source, tmp_path / "out.jsonl", client, model="gpt-4o", system="Be brief.",
        template="Q: {text} {{literal}}", params={"temperature": 0})  # fmt: skip
    found = by_id(tmp_path / "out.jsonl")
    assert set(found) == {"line-1", "line-3", "line-4"}
    assert answer_text(found["line-3"]) == "Echo: Q:   second, indented {literal}"
    sent = next(r.json for r in server.requests if "third" in json.dumps(r.json))
    assert sent == {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Q: third {literal}"},
        ],
        "temperature": 0,
    }


def test_a_csv_column_with_ids_and_a_template(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    source = tmp_path / "reviews.csv"
    source.write_text('id,text,stars\na1,"Great, really",5\na2,"multi\nline",2\n,,\na3,,1\n')
    summary = run(source, tmp_path / "out.jsonl", client, model="gpt-4o-mini", column="text",
                  id_column="id", template="{stars} stars: {text}")  # fmt: skip
    found = by_id(tmp_path / "out.jsonl")
    assert answer_text(found["a1"]) == "Echo: 5 stars: Great, really"
    assert answer_text(found["a2"]) == "Echo: 2 stars: multi\nline"
    # A row without a prompt is an error record naming its line; the blank row is skipped.
    assert found["a3"]["error"] == {"code": "invalid_input", "line": 6,
                                    "message": "line 6: no prompt in 'text'"}  # fmt: skip
    assert (summary.rows, summary.ok, summary.failed) == (3, 2, 1)
    assert len(server.requests) == 2


def test_a_jsonl_column_to_embeddings_and_responses(tmp_path: Path, client: R9S) -> None:
    source = write_jsonl(
        tmp_path / "docs.jsonl", [{"doc": "alpha beta"}, {"doc": "gamma"}, {"other": 1}]
    )
    run(source, tmp_path / "vec.jsonl", client, model="text-embedding-3-small", column="doc",
        url="/v1/embeddings", params={"dimensions": 3})  # fmt: skip
    found = by_id(tmp_path / "vec.jsonl")
    assert len(found["line-1"]["response"]["body"]["data"][0]["embedding"]) == 3
    assert found["line-3"]["error"]["message"] == "line 3: no prompt in 'doc'"
    run(source, tmp_path / "resp.jsonl", client, model="gpt-4o-mini", column="doc",
        url="/v1/responses", system="sys")  # fmt: skip
    body = by_id(tmp_path / "resp.jsonl")["line-2"]["response"]["body"]
    assert body["output"][0]["content"][0]["text"] == "Echo: gamma"


def test_a_malformed_line_is_an_error_record_naming_its_line_and_the_rest_goes_on(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    lines = [json.dumps(chat_row("a")).encode(), b"{not json", b"\xff\xfe",
             json.dumps({"custom_id": "s", "url": CHAT, "body": {"stream": True}}).encode(),
             json.dumps({"custom_id": 5, "url": CHAT, "body": {}}).encode(), b"[1, 2]",
             json.dumps({"custom_id": "nobody", "url": CHAT}).encode(),
             json.dumps(chat_row("b")).encode()]  # fmt: skip
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    summary = run(source, tmp_path / "out.jsonl", client)
    found = by_id(tmp_path / "out.jsonl")
    messages = {key: r["error"]["message"] for key, r in found.items() if r["error"]}
    assert messages["#line:2"].startswith("line 2: not JSON")
    assert messages["#line:3"] == "line 3: not UTF-8 (invalid start byte at byte 0)"
    assert messages["s"] == "line 4: stream=true cannot be batched"
    assert messages["#line:5"] == "line 5: custom_id 5 is not a string"
    assert messages["#line:6"] == "line 6: expected a JSON object"
    assert messages["nobody"] == "line 7: body must be a JSON object"
    assert answer_text(found["a"]) == "Echo: prompt of a" and answer_text(found["b"])
    assert summary.failed == len(messages) and sorted(sent_ids(server)) == ["a", "b"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([chat_row("x"), chat_row("y"), chat_row("x")], "duplicate custom_id 'x' on lines 1 and 3"),
        ([chat_row("x"), {**chat_row("y"), "url": "/v1/files"}], "line 2: unknown url '/v1/files'"),
        ([{**chat_row("x"), "method": "GET"}], "line 1: method 'GET' (batch rows are POST)"),
    ],
)
def test_duplicates_and_unknown_urls_are_refused_before_any_request(
    tmp_path: Path, server: LocalServer, client: R9S, rows: list[Any], expected: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    with pytest.raises(batch.BatchInputError, match="nothing was sent") as caught:
        run(source, tmp_path / "out.jsonl", client)
    assert expected in str(caught.value)
    assert server.requests == [] and not (tmp_path / "out.jsonl").exists()


def test_many_duplicates_are_summed_up(tmp_path: Path, client: R9S) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat_row("same") for _ in range(7)])
    with pytest.raises(batch.BatchInputError, match=r"lines 1 and 4.* \(and 3 more\)"):
        run(source, tmp_path / "out.jsonl", client)


def test_a_missing_key_fails_before_anything_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("R9S_API_KEY", raising=False)
    with pytest.raises(errors.ConfigurationError, match="no API key"):
        batch.run(tmp_path / "absent.jsonl", tmp_path / "out.jsonl", progress="off")
    assert not (tmp_path / "out.jsonl").exists()


def test_a_rejected_key_stops_the_run_at_once_and_writes_nothing(tmp_path: Path) -> None:
    source = chat_input(tmp_path / "in.jsonl", 500)
    with LocalServer(api_key="sk-the-right-one") as server:
        with R9S(api_key="sk-a-wrong-one", server_url=server.url) as client:
            with pytest.raises(errors.AuthenticationError):
                run(source, tmp_path / "out.jsonl", client, concurrency=8)
        assert len(server.requests) <= 8
    assert (tmp_path / "out.jsonl").read_text() == ""
    status = batch.status(tmp_path / "out.jsonl")
    assert status.state == "stopped" and "401" in (status.reason or "")
    assert status.remaining == 500


def test_answers_that_retrying_cannot_fix_are_written_not_retried(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    rows = [chat_row("ok"), chat_row("nomodel", model="no-such-model"),
            chat_row("bad", messages=[]), chat_row("ok2")]  # fmt: skip
    ids = client.with_options(headers=WITH_IDS)
    summary = run(write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl", ids)
    found = by_id(tmp_path / "out.jsonl")
    assert found["nomodel"]["response"]["status_code"] == 404
    assert found["nomodel"]["response"]["request_id"].startswith("req_")
    assert found["nomodel"]["response"]["body"]["error"]["code"] == "model_not_found"
    assert found["bad"]["response"]["status_code"] == 400
    assert found["nomodel"]["error"] is None  # an HTTP answer: OpenAI keeps it in "response"
    assert (summary.ok, summary.failed, summary.requests) == (2, 2, 4)
    assert summary.statuses == {"200": 2, "404": 1, "400": 1}


def test_server_errors_are_retried_then_written_when_retries_run_out(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    server.inject("status=500", times=2)
    summary = run(chat_input(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl", client)
    assert (summary.ok, summary.requests, summary.retries) == (3, 5, 2)
    assert len(sent_ids(server)) == 5  # the runner retries; the client's own retries are off
    server.clear()
    server.inject("status=500;retry_after=0.01", times=10)
    summary = run(chat_input(tmp_path / "one.jsonl", 1), tmp_path / "one-out.jsonl", client,
                  max_retries=2)  # fmt: skip
    record = by_id(tmp_path / "one-out.jsonl")["row-0"]
    assert record["response"]["status_code"] == 500 and summary.failed == 1
    assert summary.requests == 3


def test_network_failures_are_retried_then_written(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    server.inject("drop=before_headers", times=1)
    summary = run(chat_input(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl", client)
    assert summary.ok == 2 and summary.requests == 3
    server.clear()
    server.inject("drop=before_headers;retry_after=0", times=5)
    summary = run(
        chat_input(tmp_path / "b.jsonl", 1), tmp_path / "b-out.jsonl", client, max_retries=1
    )
    error = by_id(tmp_path / "b-out.jsonl")["row-0"]["error"]
    assert error["code"] == "connection_error" and "Connection error" in error["message"]
    assert summary.failed == 1


def test_429s_are_waited_out_and_never_failed(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    server.inject("status=429;retry_after_ms=50", times=30)
    summary = run(
        chat_input(tmp_path / "in.jsonl", 20), tmp_path / "out.jsonl", client, max_retries=0
    )
    assert (summary.ok, summary.failed, summary.throttled) == (20, 0, 30)
    assert summary.requests == 50


def test_an_exhausted_quota_stops_the_run(tmp_path: Path, server: LocalServer, client: R9S) -> None:
    server.inject("status=429;code=insufficient_quota;message=You exceeded your current quota")
    with pytest.raises(errors.RateLimitError, match="exceeded your current quota"):
        run(chat_input(tmp_path / "in.jsonl", 30), tmp_path / "out.jsonl", client, concurrency=1)
    status = batch.status(tmp_path / "out.jsonl")
    assert status.state == "stopped" and "quota exhausted" in (status.reason or "")
    assert status.done == 0 and len(server.requests) == 1


def test_a_retry_after_pauses_every_request(tmp_path: Path) -> None:
    arrivals: list[tuple[float, str]] = []

    def log(line: str) -> None:
        # "POST /v1/chat/completions -> 200 (3 ms)": the request came in 3 ms before now.
        took_ms = float(line.rsplit("(", 1)[1].split()[0])
        arrivals.append((time.monotonic() - took_ms / 1000, line))

    with LocalServer(log=log) as server:
        server.inject("status=429;retry_after=1", times=1)
        with R9S(api_key=KEY, server_url=server.url) as client:
            started = time.monotonic()
            run(
                chat_input(tmp_path / "in.jsonl", 60), tmp_path / "out.jsonl", client, concurrency=4
            )
            elapsed = time.monotonic() - started
    arrivals.sort()
    throttled_at = next(at for at, line in arrivals if "-> 429" in line)
    # Requests already sent when the 429 came still arrive; once the runner has seen it,
    # no worker sends anything for a second, and then the rest of the run goes on. Without
    # the shared pause the other workers would finish the run first and only the retried
    # request would come after the quiet second.
    after = [at for at, _ in arrivals if at >= throttled_at]
    gaps = [(after[index] - after[index - 1], index) for index in range(1, len(after))]
    longest_quiet, resumed_at = max(gaps)
    assert longest_quiet >= 0.75 and elapsed >= 1.0
    assert len(after) - resumed_at >= 50, "most requests should wait out the pause"
    assert len([line for _, line in arrivals if "-> 200" in line]) == 60


def test_a_users_own_async_client_carries_every_request(
    tmp_path: Path, server: LocalServer
) -> None:
    seen: list[str] = []

    class Counting(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.url.path)
            return await self.inner.handle_async_request(request)

        async def aclose(self) -> None:  # the client closes its transport, which owns these
            await self.inner.aclose()

    async def main() -> batch.Summary:
        async with httpx.AsyncClient(transport=Counting()) as http:
            sdk = R9S(api_key=KEY, server_url=server.url, async_client=http)
            source = chat_input(tmp_path / "in.jsonl", 25)
            return await batch.run_async(source, tmp_path / "out.jsonl", client=sdk, progress="off")

    summary = asyncio.run(main())
    assert summary.ok == 25 and seen == ["/v1/chat/completions"] * 25


def test_run_inside_an_event_loop_says_to_await_run_async(tmp_path: Path, client: R9S) -> None:
    async def main() -> None:
        with pytest.raises(RuntimeError, match="await run_async"):
            batch.run(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client)

    asyncio.run(main())


def test_records_are_json_lines_with_unicode_kept(tmp_path: Path, client: R9S) -> None:
    run(
        write_jsonl(tmp_path / "in.jsonl", [chat_row("ü", "grüße 🌍")]),
        tmp_path / "out.jsonl",
        client,
    )
    text = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert "grüße 🌍" in text and text.endswith("\n") and len(records(tmp_path / "out.jsonl")) == 1


def test_an_rpm_cap_keeps_the_run_under_the_providers_limit(tmp_path: Path) -> None:
    with LocalServer(rate_limit="1200") as server:  # 20 a second
        with R9S(api_key=KEY, server_url=server.url) as client:
            started = time.monotonic()
            summary = run(chat_input(tmp_path / "in.jsonl", 60), tmp_path / "out.jsonl", client,
                          rpm=1100)  # fmt: skip
            elapsed = time.monotonic() - started
        limited = server.rate_limit_stats["limited"]
    assert summary.ok == 60 and elapsed >= 2.0  # 18 a second after a burst of 18
    assert limited <= 1 and summary.throttled == limited


def test_progress_can_be_a_function_and_the_line_says_it_all(tmp_path: Path, client: R9S) -> None:
    from r9s.batch._progress import describe

    seen: list[batch.Stats] = []
    summary = batch.run(chat_input(tmp_path / "in.jsonl", 30), tmp_path / "out.jsonl",
                        client=client, progress=seen.append, prices="1,1")  # fmt: skip
    assert seen and seen[-1].done == 30 == summary.done
    line = describe(seen[-1])
    assert line.startswith("30/30 (100%) · ") and "/s · " in line and "tokens" in line
    assert "concurrency 32" in line and "$0.00" in line


def test_options_are_checked_like_keyword_arguments(tmp_path: Path, client: R9S) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'concurency'.*'concurrency'"):
        batch.run(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client, concurency=3)  # type: ignore[call-arg]
    with pytest.raises(batch.BatchInputError, match="concurrency must be between 1"):
        batch.run(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client, concurrency=0)
