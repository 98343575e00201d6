"""The log module on real SQLite files: migrations from every version, search, sums,
deletion that leaves no trace, and the errors a person sees."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from r9s.cli.common.log import (
    MIGRATIONS,
    VERSION,
    ConversationInfo,
    Exchange,
    Filters,
    Log,
    LogError,
    _schema,
    _store,
    parse_since,
)


def schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    return [(kind, name, " ".join((sql or "").split())) for kind, name, sql in rows]


def build_at(path: Path, version: int) -> None:
    """A log as an r9s knowing only the first ``version`` migrations left it, with one
    conversation of two exchanges written with the columns of that version."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    for migration in MIGRATIONS[:version]:
        _schema.apply(db, migration)
    db.execute(
        "INSERT INTO conversations (id, created, updated, title, model) "
        "VALUES ('c1', '2025-06-01T10:00:00', 1748772000, 'rivers', 'gpt-4o')"
    )
    columns = {row[1] for row in db.execute("PRAGMA table_info(exchanges)")}
    for seq, (prompt, response) in enumerate([("Name rivers", "Nile"), ("长江有多长", "很长")], 1):
        values = {
            "conversation_id": "c1", "seq": seq, "at": 1748772000 + seq, "model": "gpt-4o",
            "api": "chat", "prompt": prompt, "response": response, "input_tokens": 3,
        }  # fmt: skip
        if "tool_calls" in columns:
            values["tool_calls"] = '[{"id":"t1","name":"lookup","arguments":"{}"}]'
        if "tool_texts" in columns:
            values["tool_calls"] = '[{"id":"t1","name":"lookup","arguments":"{}","round":0}]'
            values["tool_results"] = '[{"id":"t1","output":"found","is_error":false}]'
            values["tool_texts"] = '["Looking."]'
            values["request_extra"] = '{"service_tier":"flex"}'
        names = ", ".join(values)
        db.execute(
            f"INSERT INTO exchanges ({names}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        )
    db.execute("COMMIT")
    db.close()


@pytest.mark.parametrize("version", range(1, VERSION + 1))
def test_a_log_of_every_version_migrates_to_the_current_schema(
    tmp_path: Path, version: int
) -> None:
    old, fresh = tmp_path / "old.db", tmp_path / "fresh.db"
    build_at(old, version)
    with Log.open(old) as log:
        assert log.version == VERSION
        exchanges = log.exchanges_of("c1")
        assert [(e.prompt, e.response) for e in exchanges] == [
            ("Name rivers", "Nile"), ("长江有多长", "很长"),
        ]  # fmt: skip
        # the search index covers what was written before it existed
        assert [e.seq for e in log.find(Filters(text="rivers"))] == [1]
        assert [e.seq for e in log.find(Filters(text="长江有"))] == [2]
        assert log.conversation("c1") is not None
    Log.open(fresh).close()
    assert schema(old) == schema(fresh)
    Log.open(old).close()  # opening again changes nothing
    assert schema(old) == schema(fresh)


def test_a_version_3_log_gains_what_r9s_chat_sends_and_its_tool_rounds(tmp_path: Path) -> None:
    """Migration 4: ``request_extra`` (conversations and exchanges) and ``tool_texts``;
    the exchanges written before it read back with none, and new ones keep them all."""
    from r9s.cli.common.log import chat_document, file_entry, tool_columns

    path = tmp_path / "log.db"
    build_at(path, 3)
    with Log.open(path) as log:
        assert log.version == VERSION
        (info,) = log.conversations()
        assert info.request_extra == {}
        old = log.exchanges_of("c1")
        assert [(e.request_extra, e.tool_texts) for e in old] == [({}, None), ({}, None)]
        assert old[0].tool_calls == [{"id": "t1", "name": "lookup", "arguments": "{}"}]
        # a call r9s did not run (no round) is no tool round of the chat
        assert all("tool_rounds" not in m for m in chat_document(info, old)["messages"])

        rounds = [
            {"text": "Let me look.", "calls": [
                {"id": "a", "name": "weather", "arguments": '{"city":"Oslo"}',
                 "result": "18 C", "is_error": False},
                {"id": "b", "name": "weather", "arguments": '{"city":"Rome"}',
                 "result": "ValueError: no such city", "is_error": True},
            ]},
            {"text": "", "calls": [
                {"id": "a", "name": "weather", "arguments": "{}", "result": "?",
                 "is_error": False},  # an id used again: results go by their order
            ]},
        ]  # fmt: skip
        pdf = {"kind": "pdf", "mime": "application/pdf", "name": "r.pdf", "data": "JVBE", "size": 3}
        info.options = {"temperature": 0.2, "seed": 7, "reasoning_effort": "low"}
        info.request_extra = {"metadata": {"team": "docs"}}
        log.record(
            info,
            Exchange(
                prompt="Weather?",
                response="Oslo: 18 C.",
                options=dict(info.options),
                request_extra=dict(info.request_extra),
                attachments=[{"type": "image", "url": "data:image/png;base64,AA"},
                             file_entry(pdf)],
                **tool_columns(rounds),
            ),
        )  # fmt: skip
    with Log.open(path) as log:
        reread = log.conversation("c1")
        assert reread is not None and reread.request_extra == {"metadata": {"team": "docs"}}
        exchanges = log.exchanges_of("c1")
        assert exchanges[-1].tool_texts == ["Let me look.", ""]
        assert exchanges[-1].request_extra == {"metadata": {"team": "docs"}}
        document = chat_document(reread, exchanges)
    assert document["temperature"] == 0.2 and document["max_tokens"] is None
    assert document["options"] == {"seed": 7, "reasoning_effort": "low"}
    assert document["extra"] == {"metadata": {"team": "docs"}}
    question, answer = document["messages"][-2:]
    assert question["images"] == ["data:image/png;base64,AA"] and question["files"] == [pdf]
    assert answer["tool_rounds"] == rounds


def test_a_failing_migration_leaves_the_log_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "log.db"
    build_at(path, 1)
    before = schema(path)
    broken = _schema.Migration(2, "half done", "CREATE TABLE half (x); SELECT * FROM nowhere;")
    monkeypatch.setattr(_store, "MIGRATIONS", (MIGRATIONS[0], broken))
    monkeypatch.setattr(_store, "VERSION", 2)
    with pytest.raises(LogError, match="no such table: nowhere"):
        Log.open(path)
    assert schema(path) == before
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1


def test_a_log_from_a_newer_r9s_and_a_file_that_is_no_database_are_refused(
    tmp_path: Path,
) -> None:
    newer = tmp_path / "newer.db"
    Log.open(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    with pytest.raises(LogError, match=rf"newer r9s \(log schema {VERSION + 1}; .*upgrade r9s"):
        Log.open(newer)

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is a text file, not SQLite\n" * 100)
    with pytest.raises(LogError, match="not a readable SQLite database.*move it away"):
        Log.open(junk)
    assert junk.read_bytes() == b"this is a text file, not SQLite\n" * 100, "left untouched"


def test_without_fts5_the_log_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_store, "has_fts5", lambda: False)
    with pytest.raises(LogError, match="lacks FTS5 with the trigram tokenizer"):
        Log.open(tmp_path / "log.db")


def test_this_machine_has_fts5_with_trigrams() -> None:
    # CI must run the search tests for real, never fall back to the error above.
    _store.has_fts5.cache_clear()
    assert _store.has_fts5(), f"SQLite {sqlite3.sqlite_version} lacks FTS5/trigram"


@pytest.fixture
def log(tmp_path: Path) -> Log:
    opened = Log.open(tmp_path / "log.db")
    base = 1_750_000_000.0
    talks = [
        ("c-rust", "gpt-4o", "How does the borrow checker work?", "It tracks lifetimes.", 0.002),
        ("c-rust", "gpt-4o", "And Rc<RefCell<T>>?", "Shared ownership, checked at run time.", None),
        ("c-py", "claude-sonnet-4-5", "Python's GIL?", "A lock; 3.13 can drop it.", 0.01),
        ("c-zh", "qwen-plus", "用中文解释借用检查器", "借用检查器跟踪引用的生命周期。", None),
    ]
    for day, (conversation, model, prompt, response, cost) in enumerate(talks):
        opened.record(
            ConversationInfo(id=conversation, model=model),
            Exchange(prompt=prompt, response=response, input_tokens=10, output_tokens=5,
                     cost=cost, at=base + day * 86400),
        )  # fmt: skip
    return opened


def test_search_finds_substrings_in_any_script_and_all_terms(log: Log) -> None:
    def found(text: str, model: str | None = None, conversation: str | None = None) -> list[str]:
        filters = Filters(text=text, model=model, conversation=conversation)
        return [e.prompt or "" for e in log.find(filters)]

    assert found("borrow") == ["How does the borrow checker work?"]
    assert found("lifetime") == ["How does the borrow checker work?"], "a part of a word"
    assert found("借用检查") == ["用中文解释借用检查器"], "Chinese, no spaces"
    assert found("借用") == ["用中文解释借用检查器"], "two characters: below the trigrams"
    assert found("checker lifetimes") == ["How does the borrow checker work?"], "every term"
    assert found("checker GIL") == []
    assert found('"run time"') == ["And Rc<RefCell<T>>?"], "a quoted phrase"
    assert found("BORROW") == found("borrow"), "any case"
    assert found("borrow", model="qwen-plus") == []
    assert found("ownership", conversation="c-rust") == ["And Rc<RefCell<T>>?"]
    snippet = log.find(Filters(text="lifetimes"))[0].snippet
    assert snippet is not None and "lifetimes" in snippet


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=40))
def test_any_search_text_is_a_search_never_an_sql_or_fts_error(log: Log, text: str) -> None:
    results = log.find(Filters(text=text), limit=None)
    terms = _store.search_terms(text)
    for exchange in results:
        body = ((exchange.prompt or "") + "\n" + (exchange.response or "")).lower()
        for term in terms:
            assert (
                term.lower() in (exchange.prompt or "").lower()
                or term.lower() in (exchange.response or "").lower()
            ), (term, body)


def test_model_and_since_filters_and_the_newest_first(log: Log) -> None:
    newest = [e.prompt for e in log.find(Filters(), limit=2)]
    assert newest == ["用中文解释借用检查器", "Python's GIL?"]
    assert len(log.find(Filters(model="GPT-4O"))) == 2, "any case"
    assert len(log.find(Filters(model="gpt*"))) == 2
    assert len(log.find(Filters(model="gpt"))) == 0, "exact without a wildcard"
    since = 1_750_000_000.0 + 2 * 86400
    assert [e.model for e in log.find(Filters(since=since))] == ["qwen-plus", "claude-sonnet-4-5"]


def test_usage_sums_tokens_and_reported_cost_by_day_and_model(log: Log) -> None:
    rows = log.usage(Filters())
    assert [(r.model, r.exchanges, r.input_tokens, r.output_tokens) for r in rows] == [
        ("gpt-4o", 1, 10, 5), ("gpt-4o", 1, 10, 5),
        ("claude-sonnet-4-5", 1, 10, 5), ("qwen-plus", 1, 10, 5),
    ]  # fmt: skip
    assert [(r.cost, r.priced) for r in rows] == [(0.002, 1), (None, 0), (0.01, 1), (None, 0)]
    assert len({r.day for r in rows}) == 4


def test_deleted_text_is_gone_from_the_files(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    with Log.open(path) as log:
        reader = Log.open(path)  # another process reading at the time
        for n in range(40):
            log.record(
                ConversationInfo(id="secret", model="m"),
                Exchange(prompt=f"my password is hunter{n}2", response="noted: xylophone"),
            )
        log.record(ConversationInfo(id="kept", model="m"), Exchange(prompt="keep me"))
        assert len(reader.find(Filters(text="xylophone"), limit=None)) == 40
        assert log.delete_conversation("secret") == 40
        reader.close()
        for file in tmp_path.iterdir():
            data = file.read_bytes()
            assert b"hunter" not in data and b"xylophone" not in data, file.name
        assert [e.prompt for e in log.find(Filters(text="keep"))] == ["keep me"]
        assert log.delete_all() == 1
    for file in tmp_path.iterdir():
        assert b"keep me" not in file.read_bytes(), file.name


def test_a_conversation_is_found_by_a_unique_start_of_its_id(tmp_path: Path) -> None:
    with Log.open(tmp_path / "log.db") as log:
        for ident in ("20250601-100000-aaaaaa", "20250601-100000-abbbbb", "2025_%x"):
            log.record(ConversationInfo(id=ident, model="m"), Exchange(prompt=ident))
        found = log.conversation("20250601-100000-b")
        assert found is None
        found = log.conversation("20250601-100000-ab")
        assert found is not None and found.id == "20250601-100000-abbbbb"
        with pytest.raises(LogError, match="starts several conversation ids"):
            log.conversation("20250601")
        found = log.conversation("2025_%")
        assert found is not None and found.id == "2025_%x", "% and _ are not wildcards"
        assert log.conversation("2025_") is not None


def test_parse_since() -> None:
    now = time.mktime((2025, 6, 10, 15, 30, 0, 0, 0, -1))
    assert parse_since("2h", now) == now - 7200
    assert parse_since("3d", now) == now - 3 * 86400
    assert parse_since("1w", now) == now - 7 * 86400
    assert parse_since("90m", now) == now - 5400
    assert parse_since("2025-06-01", now) == time.mktime((2025, 6, 1, 0, 0, 0, 0, 0, -1))
    assert parse_since("2025-06-01 14:05", now) == time.mktime((2025, 6, 1, 14, 5, 0, 0, 0, -1))
    assert parse_since("today", now) == time.mktime((2025, 6, 10, 0, 0, 0, 0, 0, -1))
    assert parse_since("yesterday", now) == time.mktime((2025, 6, 9, 0, 0, 0, 0, 0, -1))
    with pytest.raises(ValueError, match="give a duration"):
        parse_since("last tuesday", now)
