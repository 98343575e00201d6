"""The log's schema: numbered migrations, applied in order, each in one transaction.

The schema version is SQLite's ``user_version``. Opening a log brings it to
:data:`VERSION`; a log written by a newer r9s (a higher version) is refused rather
than guessed at. A migration never edits an earlier one: a new need is a new step,
and ``tests/cli/common/test_log.py`` builds a log at every version and migrates it up.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    purpose: str
    script: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "conversations and their exchanges",
        """
        CREATE TABLE conversations (
            id       TEXT PRIMARY KEY,
            created  TEXT NOT NULL,              -- local time, ISO 8601, as the chat shows it
            updated  REAL NOT NULL,              -- Unix time of the last change
            title    TEXT NOT NULL DEFAULT '',
            model    TEXT NOT NULL,
            api      TEXT NOT NULL DEFAULT 'chat',
            system   TEXT,
            options  TEXT NOT NULL DEFAULT '{}', -- JSON: temperature, max_tokens, ...
            source   TEXT NOT NULL DEFAULT 'cli',
            extra    TEXT NOT NULL DEFAULT '{}'  -- JSON: what else a source keeps
        );
        CREATE TABLE exchanges (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq             INTEGER NOT NULL,
            at              REAL NOT NULL,       -- Unix time the question was sent
            model           TEXT NOT NULL,
            api             TEXT NOT NULL,
            system          TEXT,
            options         TEXT NOT NULL DEFAULT '{}',
            prompt          TEXT,                -- NULL: no user message in this exchange
            attachments     TEXT NOT NULL DEFAULT '[]',
            response        TEXT,                -- NULL: no answer (failed, or none yet)
            interrupted     INTEGER NOT NULL DEFAULT 0,
            error           TEXT,
            input_tokens    INTEGER,
            output_tokens   INTEGER,
            cost            REAL,                -- as the router reports it (usage.cost)
            ttft            REAL,                -- seconds to the first event
            duration        REAL,                -- seconds in all
            finish_reason   TEXT,
            response_id     TEXT,
            usage           TEXT,                -- JSON: the usage object as received
            UNIQUE (conversation_id, seq)
        );
        CREATE INDEX exchanges_by_time ON exchanges(at);
        CREATE INDEX exchanges_by_model ON exchanges(model, at);
        CREATE INDEX conversations_by_update ON conversations(updated);
        """,
    ),
    Migration(
        2,
        "full-text search of questions and answers (FTS5, trigram: any substring of three "
        "characters or more, in any script)",
        """
        CREATE VIRTUAL TABLE exchanges_fts USING fts5(
            prompt, response, content='exchanges', content_rowid='id', tokenize='trigram'
        );
        CREATE TRIGGER exchanges_fts_insert AFTER INSERT ON exchanges BEGIN
            INSERT INTO exchanges_fts(rowid, prompt, response)
            VALUES (new.id, new.prompt, new.response);
        END;
        CREATE TRIGGER exchanges_fts_delete AFTER DELETE ON exchanges BEGIN
            INSERT INTO exchanges_fts(exchanges_fts, rowid, prompt, response)
            VALUES ('delete', old.id, old.prompt, old.response);
        END;
        CREATE TRIGGER exchanges_fts_update AFTER UPDATE OF prompt, response ON exchanges BEGIN
            INSERT INTO exchanges_fts(exchanges_fts, rowid, prompt, response)
            VALUES ('delete', old.id, old.prompt, old.response);
            INSERT INTO exchanges_fts(rowid, prompt, response)
            VALUES (new.id, new.prompt, new.response);
        END;
        INSERT INTO exchanges_fts(exchanges_fts) VALUES ('rebuild');
        """,
    ),
    Migration(
        3,
        "tool calls, tool results and parsed (structured) output per exchange; the JSON "
        "chat files already imported",
        """
        ALTER TABLE exchanges ADD COLUMN tool_calls TEXT;    -- JSON list: id, name, arguments
        ALTER TABLE exchanges ADD COLUMN tool_results TEXT;  -- JSON list: id, output
        ALTER TABLE exchanges ADD COLUMN parsed TEXT;        -- JSON: the parsed output
        CREATE TABLE imported_files (
            name            TEXT PRIMARY KEY,    -- file name in ~/.r9s/chats/
            sha256          TEXT NOT NULL,
            conversation_id TEXT,                -- NULL: the file could not be read
            at              REAL NOT NULL
        );
        """,
    ),
)

VERSION = MIGRATIONS[-1].version


def statements(script: str) -> list[str]:
    """The SQL statements of ``script``: each ``;`` that completes one (not one in a
    string, a comment or a trigger's body) ends it."""
    found: list[str] = []
    start = 0
    for end, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            found.append(script[start : end + 1].strip())
            start = end + 1
    if script[start:].strip():
        found.append(script[start:].strip())
    return found


def apply(db: sqlite3.Connection, migration: Migration) -> None:
    """Run one migration inside the caller's transaction and record its version."""
    for statement in statements(migration.script):
        db.execute(statement)
    db.execute(f"PRAGMA user_version = {int(migration.version)}")
