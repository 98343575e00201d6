"""Helpers for the batch tests: input files, reading outputs, a client on the local server."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from r9s import R9S
from r9s.testing import LocalServer

KEY = "sk-batch-test-0123456789"
CHAT = "/v1/chat/completions"


def chat_row(custom_id: str, text: str | None = None, **body: Any) -> dict[str, Any]:
    """One OpenAI batch line asking for a chat completion of ``text``."""
    content = text if text is not None else f"prompt of {custom_id}"
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": CHAT,
        "body": {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": content}],
            **body,
        },
    }


def embedding_row(custom_id: str, text: str, **body: Any) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "text-embedding-3-small", "input": text, "dimensions": 4, **body},
    }


def write_jsonl(path: Path, rows: Iterable[Any]) -> Path:
    with open(path, "w", encoding="utf-8") as file:
        for row in rows:
            file.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def chat_input(path: Path, count: int) -> Path:
    return write_jsonl(path, (chat_row(f"row-{n}") for n in range(count)))


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_id(path: Path) -> dict[str, dict[str, Any]]:
    """The output's records by custom_id; fails on a duplicate (exactly once)."""
    found: dict[str, dict[str, Any]] = {}
    for record in records(path):
        key = (
            record["custom_id"]
            if record["custom_id"] is not None
            else (f"#line:{record['error']['line']}")
        )
        assert key not in found, f"{key} written twice"
        found[key] = record
    return found


def answer_text(record: dict[str, Any]) -> str:
    return str(record["response"]["body"]["choices"][0]["message"]["content"])


def sent_ids(server: LocalServer) -> list[str]:
    """The custom_ids of the chat requests the server received (from their prompts)."""
    ids = []
    for request in server.requests:
        if request.path == CHAT and isinstance(request.json, dict):
            content = request.json["messages"][-1]["content"]
            ids.append(content.removeprefix("prompt of "))
    return ids


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture
def client(server: LocalServer) -> Iterator[R9S]:
    with R9S(api_key=KEY, server_url=server.url) as sdk:
        yield sdk
