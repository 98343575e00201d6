"""Embeddings rows packed many to a request, split again when too big, one record per row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import r9s.batch as batch
from r9s import R9S
from r9s.batch._units import apportion
from r9s.testing import LocalServer
from tests.batch.conftest import by_id, chat_row, embedding_row, write_jsonl


def run(input: Path, output: Path, client: R9S, **options: Any) -> batch.Summary:
    return batch.run(input, output, client=client, progress="off", **options)


def texts(count: int) -> list[str]:
    return [" ".join(f"w{n}" for _ in range(1 + n % 5)) for n in range(count)]


def vectors(output: Path) -> dict[str, list[float]]:
    found = by_id(output).items()
    return {key: r["response"]["body"]["data"][0]["embedding"] for key, r in found if key != "chat"}


def embedding_requests(server: LocalServer) -> list[int]:
    """How many inputs each embeddings request carried."""
    sizes = []
    for request in server.requests:
        if request.path == "/v1/embeddings":
            value = request.json["input"]
            sizes.append(len(value) if isinstance(value, list) and isinstance(value[0], str) else 1)
    return sizes


def test_rows_are_packed_and_each_gets_the_record_a_single_request_would_give(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    rows = [embedding_row(f"e{n}", text) for n, text in enumerate(texts(100))]
    source = write_jsonl(tmp_path / "in.jsonl", [*rows, chat_row("chat")])
    packed = run(source, tmp_path / "packed.jsonl", client, pack=16)
    assert sorted(embedding_requests(server)) == sorted([16] * 6 + [4])
    assert packed.ok == 101 and packed.requests == 8
    server.clear()
    single = run(source, tmp_path / "single.jsonl", client, pack=1)
    assert embedding_requests(server) == [1] * 100 and single.requests == 101
    assert vectors(tmp_path / "packed.jsonl") == vectors(tmp_path / "single.jsonl")
    record = by_id(tmp_path / "packed.jsonl")["e7"]
    body = record["response"]["body"]
    assert body["data"][0]["index"] == 0 and body["model"] == "text-embedding-3-small"
    # Usage is shared out by input length, and adds up to what the server counted.
    assert packed.input_tokens == single.input_tokens
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"]


def test_only_rows_asking_for_the_same_thing_share_a_request(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    rows = [embedding_row(f"a{n}", f"text {n}") for n in range(5)]
    rows += [embedding_row(f"b{n}", f"text {n}", dimensions=8) for n in range(5)]
    rows += [embedding_row("list", "x") | {"body": {"model": "text-embedding-3-small",
                                                     "input": ["already", "a list"]}}]  # fmt: skip
    run(write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl", client)
    dims = {json.dumps(r.json.get("dimensions")): len(r.json["input"]) for r in server.requests}
    assert dims == {"4": 5, "8": 5, "null": 2}
    found = by_id(tmp_path / "out.jsonl")
    assert len(found["b3"]["response"]["body"]["data"][0]["embedding"]) == 8
    assert len(found["list"]["response"]["body"]["data"]) == 2  # its own request, as sent


def test_a_pack_too_big_is_split_until_it_fits(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    rows = [embedding_row(f"e{n}", f"text {n}") for n in range(16)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    server.inject("status=413", times=1)
    server.inject(
        "status=400;message=Requested 400000 tokens, max 300000 tokens per request", times=1
    )
    summary = run(source, tmp_path / "out.jsonl", client, pack=16, concurrency=1)
    assert sorted(embedding_requests(server)) == [4, 4, 8, 8, 16]
    assert summary.ok == 16 and summary.failed == 0 and len(by_id(tmp_path / "out.jsonl")) == 16


def test_more_than_the_apis_2048_inputs_are_split_by_the_servers_answer(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    rows = [embedding_row(f"e{n}", "t") for n in range(2100)]
    summary = run(
        write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl", client, pack=2100
    )
    assert embedding_requests(server) == [2100, 1050, 1050]
    assert summary.ok == 2100


def test_a_single_row_too_big_is_its_own_error_record(
    tmp_path: Path, server: LocalServer, client: R9S
) -> None:
    server.inject("status=413", times=1)
    summary = run(write_jsonl(tmp_path / "in.jsonl", [embedding_row("big", "huge")]),
                  tmp_path / "out.jsonl", client)  # fmt: skip
    assert by_id(tmp_path / "out.jsonl")["big"]["response"]["status_code"] == 413
    assert summary.failed == 1


def test_usage_is_apportioned_in_whole_tokens_that_add_up() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(7, [0, 0]) == [4, 3]
    assert apportion(100, [10, 30, 60]) == [10, 30, 60]
    assert sum(apportion(999, [3, 7, 11, 13])) == 999
