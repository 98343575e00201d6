"""``r9s embed``: vectors as JSON, and a local SQLite collection searched by similarity."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from r9s import R9S
from r9s.testing import LocalServer
from tests.support.cli import KEY, mode, r9s


def env(server: LocalServer) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY}


def test_vectors_one_json_array_a_line(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "embed", "first text", "second text", "--dimensions", "8", env=env(r9s_server))

    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    with R9S(api_key=KEY, server_url=r9s_server.url) as client:
        expected = client.embeddings.create(
            model="text-embedding-3-small", input=["first text", "second text"], dimensions=8
        ).vectors
    assert [first, second] == expected
    body = [r.json for r in r9s_server.requests if r.path == "/v1/embeddings"][0]
    assert body["input"] == ["first text", "second text"] and body["dimensions"] == 8


def test_files_stdin_and_lines(home: Path, r9s_server: LocalServer) -> None:
    (home / "notes.txt").write_text("alpha\n\nbeta\n")
    whole = r9s(home, "embed", "-i", "notes.txt", env=env(r9s_server))
    assert whole.returncode == 0 and len(whole.stdout.splitlines()) == 1
    lines = r9s(home, "embed", "-i", "notes.txt", "--lines", env=env(r9s_server))
    assert len(lines.stdout.splitlines()) == 2  # the blank line is no text
    piped = r9s(home, "embed", input="from a pipe", env=env(r9s_server))
    assert piped.returncode == 0 and len(json.loads(piped.stdout)) == 1536
    bodies = [r.json for r in r9s_server.requests if r.path == "/v1/embeddings"]
    assert [b["input"] for b in bodies] == [["alpha\n\nbeta\n"], ["alpha", "beta"], ["from a pipe"]]


def test_store_then_search_by_similarity(home: Path, r9s_server: LocalServer) -> None:
    (home / "faq.txt").write_text("reset a password\nchange the email\ndelete the account\n")
    stored = r9s(home, "embed", "-i", "faq.txt", "--lines", "--store", "faq", env=env(r9s_server))
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout == ""
    assert stored.stderr == "Stored 3 texts in faq (3 in all, text-embedding-3-small).\n"
    database = home / ".r9s" / "embeddings.db"
    assert mode(database) == 0o600

    found = r9s(
        home, "embed", "change the email", "--similar", "faq", "-n", "2", env=env(r9s_server)
    )
    assert found.returncode == 0, found.stderr
    best, second = found.stdout.splitlines()
    assert best == "1.000  faq.txt:2  change the email"  # the same text: the same vector
    assert not second.startswith("1.000")

    as_json = r9s(
        home, "embed", "delete the account", "--similar", "faq", "--json", env=env(r9s_server)
    )
    listed = json.loads(as_json.stdout)
    assert listed[0] == {"id": "faq.txt:3", "score": 1.0, "content": "delete the account"}
    assert len(listed) == 3

    # stored again under the same ids: replaced, not doubled
    r9s(home, "embed", "-i", "faq.txt", "--lines", "--store", "faq", env=env(r9s_server))
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM items").fetchone() == (3,)
        assert db.execute("PRAGMA user_version").fetchone() == (1,)


def test_collections_drop_and_errors(home: Path, r9s_server: LocalServer) -> None:
    empty = r9s(home, "embed", "--collections", env=env(r9s_server))
    assert empty.stderr == "No collections yet (r9s embed --store NAME makes one).\n"
    r9s(home, "embed", "one", "--store", "a", "--id", "first", env=env(r9s_server))
    listed = r9s(home, "embed", "--collections", env=env(r9s_server))
    assert listed.stdout == "a  1 text  text-embedding-3-small, 1536 dimensions\n"

    cases = [
        (["x", "--similar", "nope"], "no collection nope (r9s embed --collections lists them)"),
        (
            ["x", "--store", "a", "-m", "text-embedding-3-large"],
            "collection a holds text-embedding-3-small vectors",
        ),
        (
            ["x", "--similar", "a", "--dimensions", "8"],
            "the query has 8 dimensions and collection a 1536",
        ),
        (["x", "y", "--id", "one"], "--id names one text, and there are 2"),
        (["-i", "missing.txt"], "-i missing.txt: No such file or directory"),
        ([], "nothing to embed: give a TEXT, -i FILE, or pipe some text"),
        (["--drop", "nope"], "no collection nope"),
    ]
    for args, message in cases:
        done = r9s(home, "embed", *args, env=env(r9s_server))
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith(f"r9s: error: {message}"), (args, done.stderr)

    dropped = r9s(home, "embed", "--drop", "a", env=env(r9s_server))
    assert dropped.returncode == 0 and dropped.stderr == "Deleted collection a.\n"
    with sqlite3.connect(home / ".r9s" / "embeddings.db") as db:
        assert db.execute("SELECT count(*) FROM items").fetchone() == (0,)
