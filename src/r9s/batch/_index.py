"""The keys of one batch (input ``custom_id`` s and those already answered), on disk.

A set in memory would grow with the input (tens of bytes a row: 400 MB for ten million
rows). A private temporary SQLite database holds them instead: SQLite keeps a couple of
megabytes of it in memory, spills the rest to a temporary file, and deletes that file when
the connection closes, also after a crash. A lookup costs a few microseconds, nothing next
to a request.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


class KeyIndex:
    """Input keys with their line numbers, and the keys the output already holds."""

    def __init__(self) -> None:
        # "" is a private temporary database on disk (check_same_thread: the Ray driver
        # hands it to a thread that writes the output).
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE input (key TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")
        self._db.execute("CREATE TABLE done (key TEXT PRIMARY KEY) WITHOUT ROWID")
        self._db.execute("CREATE TABLE wanted (key TEXT PRIMARY KEY) WITHOUT ROWID")
        self._db.execute("BEGIN")
        self.done_count = 0

    def add_input(self, key: str, line: int) -> int | None:
        """Record an input key; returns the line it was first seen on if it is a duplicate."""
        try:
            self._db.execute("INSERT INTO input VALUES (?, ?)", (key, line))
        except sqlite3.IntegrityError:
            found = self._db.execute("SELECT line FROM input WHERE key = ?", (key,)).fetchone()
            return int(found[0])
        return None

    def in_input(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM input WHERE key = ?", (key,)).fetchone() is not None

    def mark_done(self, key: str) -> bool:
        """Record an answered key; False if it was already recorded."""
        try:
            self._db.execute("INSERT INTO done VALUES (?)", (key,))
        except sqlite3.IntegrityError:
            return False
        self.done_count += 1
        return True

    def mark_all_done(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.mark_done(key)

    def is_done(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM done WHERE key = ?", (key,)).fetchone() is not None

    def forget_done(self, keys: Iterable[str]) -> None:
        """Make ``keys`` unanswered again (for ``retry-failed``)."""
        for key in keys:
            if self._db.execute("DELETE FROM done WHERE key = ?", (key,)).rowcount:
                self.done_count -= 1

    def want(self, key: str) -> None:
        """Mark ``key`` to be sent (``retry-failed``: the rows whose records failed)."""
        self._db.execute("INSERT OR IGNORE INTO wanted VALUES (?)", (key,))

    def wanted(self, key: str) -> bool:
        """Whether ``key`` is wanted and not yet answered."""
        return self._db.execute(
            "SELECT 1 FROM wanted WHERE key = ?", (key,)
        ).fetchone() is not None and not self.is_done(key)

    def wanted_count(self) -> int:
        """Wanted keys that the input has (an edited input may have lost some)."""
        query = "SELECT count(*) FROM wanted JOIN input USING (key)"
        return int(self._db.execute(query).fetchone()[0])

    def done_keys(self) -> Iterable[str]:
        for (key,) in self._db.execute("SELECT key FROM done"):
            yield key

    def close(self) -> None:
        self._db.close()
