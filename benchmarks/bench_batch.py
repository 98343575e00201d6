"""Bulk work, measured in a fresh process per run; prints the results as one JSON line.

    python benchmarks/bench_batch.py send --client r9s|openai --url URL/v1 --rows N --concurrency C
    python benchmarks/bench_batch.py memory --rows N

``send`` sends N chat requests and counts what came back: ``r9s`` with ``r9s.batch`` (the
runner, as ``r9s batch run`` drives it, its concurrency capped at C), ``openai`` the way
people write it without a batch tool: the official async client, a semaphore of C and
``asyncio.gather`` over every row (the SDK's own retries, 2 by default, honour
``Retry-After``; a row whose retries run out is a failed row).

``memory`` runs ``r9s.batch`` over N rows with an in-process transport answering at once
(no server, no network), so that the peak RSS is the runner's own: the reader, the
key index, the journal and the limiter, with nothing else growing with N.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

API_KEY = "sk-bench-0123456789abcdef"
MODEL = "gpt-4o-mini"


def write_input(path: Path, rows: int) -> None:
    with open(path, "w") as file:
        for n in range(rows):
            body = {"model": MODEL, "messages": [{"role": "user", "content": f"row {n}"}]}
            line = {"custom_id": f"row-{n}", "method": "POST", "url": "/v1/chat/completions"}
            file.write(json.dumps({**line, "body": body}) + "\n")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def send_r9s(url: str, rows: int, concurrency: int) -> dict[str, Any]:
    import r9s.batch
    from r9s import R9S

    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "in.jsonl", Path(folder) / "out.jsonl"
        write_input(source, rows)
        async with R9S(api_key=API_KEY, server_url=url) as client:
            started = time.perf_counter()
            summary = await r9s.batch.run_async(
                source, output, client=client, concurrency=concurrency,
                max_concurrency=concurrency, progress="off",
            )  # fmt: skip
            seconds = time.perf_counter() - started
        lines = output.read_text().count("\n")
    return {
        "ok": summary.ok,
        "failed": summary.failed,
        "missing": rows - lines,
        "seconds": seconds,
        "throttled_seen": summary.throttled,
    }


async def send_openai(url: str, rows: int, concurrency: int) -> dict[str, Any]:
    import openai

    client = openai.AsyncOpenAI(api_key=API_KEY, base_url=url)
    semaphore = asyncio.Semaphore(concurrency)
    bodies = [
        {"model": MODEL, "messages": [{"role": "user", "content": f"row {n}"}]} for n in range(rows)
    ]

    async def one(body: dict[str, Any]) -> bool:
        async with semaphore:
            try:
                answer = await client.chat.completions.create(**body)
            except openai.APIError:
                return False
            return bool(answer.choices)

    started = time.perf_counter()
    results = await asyncio.gather(*(one(body) for body in bodies))
    seconds = time.perf_counter() - started
    await client.close()
    ok = sum(results)
    return {"ok": ok, "failed": rows - ok, "missing": 0, "seconds": seconds}


def memory(rows: int) -> dict[str, Any]:
    import httpx

    import r9s.batch
    from r9s import R9S

    answer = json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hi."},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        }  # fmt: skip
    ).encode()

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answer, headers={"content-type": "application/json"})

    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "in.jsonl", Path(folder) / "out.jsonl"
        write_input(source, rows)
        baseline = peak_rss_mib()

        async def main() -> Any:
            http = httpx.AsyncClient(transport=httpx.MockTransport(reply))
            client = R9S(api_key=API_KEY, server_url="http://bench.invalid/v1", async_client=http)
            try:
                return await r9s.batch.run_async(source, output, client=client, progress="off")
            finally:
                await http.aclose()

        started = time.perf_counter()
        summary = asyncio.run(main())
        seconds = time.perf_counter() - started
        assert summary.ok == rows, summary
        size = source.stat().st_size + output.stat().st_size
    return {
        "rss_mib": peak_rss_mib(),
        "before_mib": baseline,
        "rows_per_s": rows / seconds,
        "files_mib": size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    send = sub.add_parser("send")
    send.add_argument("--client", choices=("r9s", "openai"), required=True)
    send.add_argument("--url", required=True, help="base URL, with /v1")
    send.add_argument("--rows", type=int, required=True)
    send.add_argument("--concurrency", type=int, required=True)
    mem = sub.add_parser("memory")
    mem.add_argument("--rows", type=int, required=True)
    args = parser.parse_args()
    if args.what == "memory":
        result = memory(args.rows)
    else:
        run = send_r9s if args.client == "r9s" else send_openai
        result = asyncio.run(run(args.url, args.rows, args.concurrency))
        result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
