"""The JSON chat files of r9s 1.0 (``~/.r9s/chats/<id>.json``) move into the log once,
losslessly, and a ``kill -9`` in the middle loses nothing."""

from __future__ import annotations

import copy
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from r9s.cli.common.log import Log, chat_document, log_path
from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S, logged, r9s, user_env

DATA_URL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"


def chat_file(ident: str, messages: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A chat as r9s 1.0 saved it (``Conversation.to_json``: this key order)."""
    body = {
        "model": "gpt-4o-mini", "api": "chat", "system": None, "temperature": None,
        "max_tokens": None, "messages": messages, "id": ident,
        "created": "2025-05-30T09:15:02", "usage": {"input_tokens": 0, "output_tokens": 0},
        "version": 1, "updated": "2025-05-30T09:16:40",
    }  # fmt: skip
    body.update(fields)
    return body


def message(
    role: str, content: str, images: list[str] | None = None, interrupted: bool = False
) -> dict[str, Any]:  # noqa: E501
    return {"role": role, "content": content, "images": images or [], "interrupted": interrupted}


CHATS = [
    chat_file(
        "20250530-091502-a1b2c3",
        [
            message("user", "Name three rivers"),
            message("assistant", "Nile, Amazon, Yangtze"),
            message("user", "The longest?"),
            message("assistant", "The Nile, by most counts."),
        ],
        system="Be terse",
        temperature=0.3,
        max_tokens=200,
        usage={"input_tokens": 31, "output_tokens": 14},
    ),  # fmt: skip
    chat_file(
        "20250601-120000-d4e5f6",
        [
            message("user", "What is this?", [DATA_URL, "https://example.com/cat.png"]),
            message("assistant", "A single pixel, and a ca", interrupted=True),
            message("user", "解释一下借用检查器 🦀"),
            message("assistant", ""),
        ],
        api="messages",
        model="claude-sonnet-4-5",
        usage={"input_tokens": 9, "output_tokens": 7},
    ),  # fmt: skip
    # a question left without an answer; an answer without a question before it
    chat_file(
        "20250602-080000-0a0b0c",
        [
            message("assistant", "Hello, how can I help?"),
            message("user", "first"),
            message("user", "second, unanswered"),
        ],
        api="responses",
        pinned=True,
    ),  # fmt: skip
    chat_file("20250603-000000-ffffff", [], usage={"input_tokens": 5, "output_tokens": 0}),
]


def write_chats(home: Path, chats: list[dict[str, Any]]) -> Path:
    folder = home / ".r9s/chats"
    folder.mkdir(parents=True, exist_ok=True)
    for chat in chats:
        text = json.dumps(chat, ensure_ascii=False, indent=1) + "\n"
        (folder / f"{chat['id']}.json").write_text(text, "utf-8")
    return folder


def exported(home: Path) -> dict[str, dict[str, Any]]:
    """Every conversation of the log, back in the chat files' form."""
    with Log.open(log_path(home)) as log:
        return {
            info.id: chat_document(info, log.exchanges_of(info.id)) for info in log.conversations()
        }


def test_chat_files_move_into_the_log_once_and_losslessly(home: Path) -> None:
    folder = write_chats(home, CHATS)
    (folder / "broken.json").write_text("{not json")
    (folder / "odd.json").write_text(json.dumps(chat_file("x", [message("system", "hm")])))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    first = r9s(home, "logs", "-n", "0")
    assert first.returncode == 0, first.stderr
    assert "r9s: 4 saved chats of ~/.r9s/chats/ moved into the log (~/.r9s/log.db)" in first.stderr
    assert "broken.json was not imported into the log: not valid JSON" in first.stderr
    assert "odd.json was not imported into the log: a message from 'system'" in first.stderr
    assert exported(home) == {chat["id"]: chat for chat in CHATS}
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before, "files left as they were"

    again = r9s(home, "logs", "-n", "0")
    assert again.stderr == "" and again.stdout == first.stdout, "imported once"
    assert len(exported(home)) == 4
    # a file fixed later is imported then
    (folder / "broken.json").write_text(
        json.dumps(chat_file("fixed-0001", [message("user", "ok")]))
    )
    fixed = r9s(home, "logs", "-n", "0")
    assert "1 saved chat of" in fixed.stderr and "fixed-0001" in exported(home)


def test_an_imported_chat_goes_on_and_is_searchable(home: Path, r9s_server: LocalServer) -> None:
    write_chats(home, CHATS[:1])
    environment = {"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY}
    done = r9s(home, "chat", "-c", "20250530-091502-a1b2c3", "And the shortest?", env=environment)
    assert done.returncode == 0, done.stderr
    body = r9s_server.requests[-1].json
    assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0.3
    assert body["max_tokens"] == 200
    assert [m["content"] for m in body["messages"]] == [
        "Be terse", "Name three rivers", "Nile, Amazon, Yangtze", "The longest?",
        "The Nile, by most counts.", "And the shortest?",
    ]  # fmt: skip
    found = json.loads(r9s(home, "logs", "--json", "-q", "Yangtze").stdout)
    assert [e["seq"] for e in found] == [1]
    document = exported(home)["20250530-091502-a1b2c3"]
    expected = copy.deepcopy(CHATS[0])
    expected["messages"] += [message("user", "And the shortest?"),
                             message("assistant", "Echo: And the shortest?")]  # fmt: skip
    expected["usage"] = {"input_tokens": 31 + 18, "output_tokens": 14 + 4}  # echo tokens
    document.pop("updated")
    expected.pop("updated")
    assert document == expected
    assert logged(home)[-1]["prompt"] == "And the shortest?"


def imported_state(path: Path) -> tuple[set[str], dict[str, int]]:
    """(files noted as imported, exchanges per conversation) as another process sees them."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        files = {row[0] for row in db.execute("SELECT name FROM imported_files")}
        counts = dict(db.execute(
            "SELECT c.id, count(e.id) FROM conversations c "
            "LEFT JOIN exchanges e ON e.conversation_id = c.id GROUP BY c.id"
        ).fetchall())  # fmt: skip
    finally:
        db.close()
    return files, counts


def test_a_kill_9_in_the_middle_of_the_import_loses_nothing(home: Path) -> None:
    def turns(n: int) -> list[dict[str, Any]]:
        return [
            message("user", f"question {n} " + "x" * 400), message("assistant", f"answer {n}"),
            message("user", f"follow-up {n}"), message("assistant", "ok"),
        ]  # fmt: skip

    many = [
        chat_file(
            f"20250101-000000-{n:06x}", turns(n), usage={"input_tokens": n, "output_tokens": 2}
        )
        for n in range(2500)
    ]
    write_chats(home, many)
    path = home / ".r9s/log.db"
    partial = None
    for _attempt in range(5):
        process = subprocess.Popen(
            [*R9S, "logs", "-n", "1"], env=user_env(home), cwd=home,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                files, _ = imported_state(path)
            except sqlite3.Error:  # not created or migrated yet
                files = set()
            if 50 < len(files) < len(many) - 50:
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.005)
        process.wait(timeout=30)
        files, counts = imported_state(path)
        if 0 < len(files) < len(many):
            partial = (files, counts)
            break
        if len(files) == len(many):  # it finished before the kill: start again, smaller
            path.unlink()
            for extra in path.parent.glob("log.db-*"):
                extra.unlink()
    assert partial is not None, "could not kill the import in its middle"
    files, counts = partial
    # every chat noted as imported is whole, and no chat is there without its note
    assert set(counts) == {name.removesuffix(".json") for name in files}
    assert all(count == 2 for count in counts.values()), "each chat whole: two exchanges"

    done = r9s(home, "logs", "-n", "1")
    assert done.returncode == 0, done.stderr
    assert f"{len(many) - len(files)} saved chats" in done.stderr
    assert exported(home) == {chat["id"]: chat for chat in many}
