"""``use_wal``: many processes making a new database at once all get it in WAL mode."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import time
from pathlib import Path

import pytest

from r9s.cli.common.sqlite import use_wal
from tests.support.race import at_once


def _open(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path, timeout=5, isolation_level=None)) as db:
        use_wal(db, 5)
        db.execute("CREATE TABLE IF NOT EXISTS t (x)")
        db.execute("INSERT INTO t VALUES (1)")


def test_openers_racing_on_a_new_database_all_succeed(tmp_path: Path) -> None:
    # Without the retry about one round in ten fails at once with "database is locked".
    for round_ in range(60):
        path = tmp_path / f"race{round_}.db"
        assert at_once([functools.partial(_open, path)] * 4) == []
        with contextlib.closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 4


def test_a_lock_held_past_the_timeout_still_fails(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        with contextlib.closing(sqlite3.connect(path, timeout=0.05)) as db:
            started = time.monotonic()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                use_wal(db, 0.3)
            assert time.monotonic() - started >= 0.3 - 0.06  # it did keep trying


def test_other_errors_are_not_retried(tmp_path: Path) -> None:
    path = tmp_path / "not.db"
    path.write_bytes(b"not sqlite at all\n" * 50)
    with contextlib.closing(sqlite3.connect(path, timeout=5)) as db:
        started = time.monotonic()
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            use_wal(db, 30)
        assert time.monotonic() - started < 5
