"""SQLite helpers shared by the CLI's databases (the log, embedding collections)."""

from __future__ import annotations

import sqlite3
import time

BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one before giving up
_FIRST_PAUSE = 0.002
_LONGEST_PAUSE = 0.05


def use_wal(db: sqlite3.Connection, timeout: float) -> None:
    """Put ``db`` in WAL mode (it stays so: later opens only read the mode).

    When several processes open a new database at the same moment, their switches to
    WAL can deadlock; SQLite then fails one of them at once instead of calling its busy
    handler. That one waits a moment and tries again, for up to ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    pause = _FIRST_PAUSE
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE)


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` says another connection holds the lock."""
    text = str(exc)
    return "locked" in text or "busy" in text
