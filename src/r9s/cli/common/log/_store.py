"""The log database: open (and migrate), record, read, search, sum, delete."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shlex
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from r9s.cli.common.files import KEY_FILE_MODE, display, make_dirs
from r9s.cli.common.i18n import _
from r9s.cli.common.log._schema import MIGRATIONS, VERSION, apply
from r9s.cli.common.settings import state_dir
from r9s.cli.common.sqlite import BUSY_TIMEOUT, is_busy, use_wal

LOG_NAME = "log.db"
OFF_MARKER = "log-off"
TITLE_LENGTH = 60
SHORTEST_INDEXED = 3  # the trigram index finds substrings of 3 characters or more

P = ParamSpec("P")
R = TypeVar("R")


class LogError(Exception):
    """The log cannot be used as asked; the message is one line for the person."""


def log_path(home: Path | None = None) -> Path:
    """``~/.r9s/log.db``."""
    return state_dir(home) / LOG_NAME


def is_enabled(home: Path | None = None) -> bool:
    """Whether new exchanges are recorded (``r9s logs off`` turns it off)."""
    return not (state_dir(home) / OFF_MARKER).exists()


def set_enabled(enabled: bool, home: Path | None = None) -> None:
    """``r9s logs on`` / ``r9s logs off``: kept as the file ``~/.r9s/log-off``."""
    marker = state_dir(home) / OFF_MARKER
    if enabled:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()
        return
    make_dirs(marker.parent)
    marker.write_text("r9s records no exchange while this file exists (r9s logs on).\n")


def now_text() -> str:
    """The local time as conversations show it (``2025-06-01T10:32:00``)."""
    return datetime.now().isoformat(timespec="seconds")


def title_of(text: str | None) -> str:
    """A conversation's title: its first question on one line, shortened."""
    return " ".join((text or "").split())[:TITLE_LENGTH]


@dataclass
class ConversationInfo:
    """A conversation's settings as they are now (each exchange keeps the ones it used)."""

    id: str
    model: str
    api: str = "chat"
    system: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    created: str = field(default_factory=now_text)
    title: str = ""
    source: str = "cli"
    extra: dict[str, Any] = field(default_factory=dict)
    request_extra: dict[str, Any] = field(default_factory=dict)  # fields sent as they are
    updated: float = 0.0  # set by the log
    exchanges: int = 0  # set by listings

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class Exchange:
    """One question and its answer (or its error), with what it cost."""

    id: int = 0  # set by the log
    conversation_id: str = ""
    seq: int = 0  # set by the log: 1, 2, ... within the conversation
    at: float = 0.0  # Unix time; 0 means "now" when recorded
    model: str = ""  # "" when recorded: the conversation's
    api: str = ""  # "" when recorded: the conversation's
    prompt: str | None = None
    response: str | None = None
    system: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    request_extra: dict[str, Any] = field(default_factory=dict)  # fields sent as they are
    # images {"type": "image", "url"}; files {"type": "pdf"|"audio"|"text", "name", "mime",
    # "size", "data"} (base64, or the text of a text file)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    ttft: float | None = None
    duration: float | None = None
    finish_reason: str | None = None
    response_id: str | None = None
    usage: dict[str, Any] | None = None
    # calls {"id", "name", "arguments"}, with "round" (0, 1...) when r9s ran them
    # (--functions), and their results {"id", "output", "is_error"}
    tool_calls: list[dict[str, Any]] | None = None
    tool_results: list[dict[str, Any]] | None = None
    tool_texts: list[str] | None = None  # what the model wrote before each round of calls
    parsed: Any = None
    snippet: str | None = None  # set by a search: where the words were found

    def to_json(self) -> dict[str, Any]:
        body = {f.name: getattr(self, f.name) for f in fields(self)}
        if body["snippet"] is None:
            del body["snippet"]
        return body


@dataclass(frozen=True)
class Filters:
    """Which exchanges: ``text`` (words that must all appear), ``model`` (exact, any
    case; ``*`` and ``?`` are wildcards), ``since`` (Unix time), ``conversation`` (id)."""

    text: str | None = None
    model: str | None = None
    since: float | None = None
    conversation: str | None = None


@dataclass(frozen=True)
class UsageRow:
    day: str  # local date, YYYY-MM-DD
    model: str
    exchanges: int
    input_tokens: int
    output_tokens: int
    cost: float | None  # None: the router reported no cost
    priced: int  # exchanges whose cost the router reported

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# JSON columns and how an empty one reads back
_CONVERSATION_JSON = {"options": dict, "extra": dict, "request_extra": dict}
_EXCHANGE_JSON: dict[str, Callable[[], Any] | None] = {
    "options": dict,
    "request_extra": dict,
    "attachments": list,
    "usage": None,
    "tool_calls": None,
    "tool_results": None,
    "tool_texts": None,
    "parsed": None,
}
_CONVERSATION_COLUMNS = [f.name for f in fields(ConversationInfo) if f.name != "exchanges"]
_EXCHANGE_COLUMNS = [f.name for f in fields(Exchange) if f.name not in ("id", "seq", "snippet")]


_INSERT_CONVERSATION = (
    f"INSERT INTO conversations ({', '.join(_CONVERSATION_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_CONVERSATION_COLUMNS))})"
)


def _conversation_values(conversation: ConversationInfo) -> list[Any]:
    return [
        _dumps(value) if name in _CONVERSATION_JSON else value
        for name in _CONVERSATION_COLUMNS
        for value in [getattr(conversation, name)]
    ]


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _loads(text: str | None, empty: Callable[[], Any] | None) -> Any:
    if text is None:
        return empty() if empty else None
    return json.loads(text)


def _translated(method: Callable[P, R]) -> Callable[P, R]:
    """SQLite's errors as :class:`LogError` (one line that names the log)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            log = args[0]
            path = log.path if isinstance(log, Log) else None
            raise _log_error(exc, path) from exc

    return wrapper


def _log_error(exc: sqlite3.Error, path: Path | None) -> LogError:
    where = display(path) if path is not None else "the log"
    text = str(exc)
    if is_busy(exc):
        return LogError(
            _("{where} is busy: another r9s kept it for over {BUSY_TIMEOUT:g} s").format(
                where=where, BUSY_TIMEOUT=BUSY_TIMEOUT
            )
        )
    if "not a database" in text or "malformed" in text:
        return LogError(
            _(
                "{where} is not a readable SQLite database ({text}); "
                "move it away to start a new log"
            ).format(where=where, text=text)
        )
    if "fts5" in text or "trigram" in text:
        return LogError(fts5_missing())
    return LogError(f"{where}: {text}")


def fts5_missing() -> str:
    return (
        f"this Python's SQLite ({sqlite3.sqlite_version}) lacks FTS5 with the trigram "
        "tokenizer (SQLite 3.34 or newer, built with FTS5), which the r9s log needs for "
        "its search: use a Python built with a newer SQLite"
    )


@functools.cache
def has_fts5() -> bool:
    """Whether this Python's SQLite can build the log's search index."""
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as probe:
            probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='trigram')")
    except sqlite3.Error:
        return False
    return True


def search_terms(text: str) -> list[str]:
    """The words of a search: split like a shell line, so ``"two words"`` is one term
    (NUL characters dropped: SQLite would end the query there)."""
    text = text.replace("\x00", "")
    try:
        words = shlex.split(text)
    except ValueError:  # an unbalanced quote: take the words as they are
        words = text.split()
    return [word for word in words if word.strip()]


def snippet_of(exchange: Exchange, terms: list[str], width: int = 100) -> str:
    """The part of the question or answer around the first term found."""
    for text in (exchange.prompt or "", exchange.response or ""):
        folded = text.lower()
        hits = [folded.find(term.lower()) for term in terms]
        hits = [hit for hit in hits if hit >= 0]
        if hits:
            start = max(0, min(hits) - width // 3)
            piece = " ".join(text[start : start + width].split())
            return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
    return title_of(exchange.prompt or exchange.response)


class Log:
    """An open log. Every write is one short ``BEGIN IMMEDIATE`` transaction, so several
    processes can record at once (WAL; a writer waits up to ``BUSY_TIMEOUT`` for another).
    Use one ``Log`` per thread."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None) -> Log:
        """Open (creating it, mode 0600) and migrate the log at ``path`` (``~/.r9s/log.db``)."""
        path = log_path() if path is None else path
        if not has_fts5():
            raise LogError(fts5_missing())
        try:
            make_dirs(path.parent)
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, KEY_FILE_MODE))
        except OSError as exc:
            from r9s.cli.common.errors import describe

            raise LogError(
                _("cannot create the log {display}: {describe}").format(
                    display=display(path), describe=describe(exc)
                )
            ) from None
        try:
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise _log_error(exc, path) from None
        log = cls(db, path)
        try:
            log._prepare()
        except BaseException:
            db.close()
            raise
        return log

    @classmethod
    def in_memory(cls) -> Log:
        """A log held in memory only, gone when closed (the web page keeps its chats in
        one while ``r9s logs off``)."""
        if not has_fts5():
            raise LogError(fts5_missing())
        log = cls(sqlite3.connect(":memory:", isolation_level=None), Path(":memory:"))
        log._prepare()
        return log

    @_translated
    def _prepare(self) -> None:
        db = self._db
        use_wal(db, BUSY_TIMEOUT)
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA secure_delete = ON")  # deleted text is overwritten, not left behind
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            raise LogError(
                _(
                    "{display} was written by a newer r9s (log schema {version}; "
                    "this r9s knows {VERSION}): upgrade r9s"
                ).format(display=display(self.path), version=version, VERSION=VERSION)
            )
        if version < VERSION:
            with self._writing():
                # another process may have migrated it while we waited for the lock
                version = db.execute("PRAGMA user_version").fetchone()[0]
                for migration in MIGRATIONS:
                    if migration.version > version:
                        apply(db, migration)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Log:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (no lock upgrade, so no deadlock)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- writing ------------------------------------------------------------------------

    @_translated
    def record(self, conversation: ConversationInfo, exchange: Exchange) -> Exchange:
        """Add ``exchange`` to ``conversation`` (created, or its settings updated).
        Returns the exchange with its ``id``, ``seq`` and ``at``."""
        exchange.conversation_id = conversation.id
        exchange.at = exchange.at or time.time()
        exchange.model = exchange.model or conversation.model
        exchange.api = exchange.api or conversation.api
        if not conversation.title:
            conversation.title = title_of(exchange.prompt)
        with self._writing() as db:
            self._upsert(db, conversation)
            (seq,) = db.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM exchanges WHERE conversation_id = ?",
                (conversation.id,),
            ).fetchone()
            exchange.seq = seq
            exchange.id = self._insert(db, exchange, seq)
        return exchange

    def _upsert(self, db: sqlite3.Connection, conversation: ConversationInfo) -> None:
        """Insert or update ``conversation``. Its ``extra`` is merged into the one kept,
        key by key: what one source keeps there (the web page's comparison, say) is not
        lost when another (``r9s chat --continue``) records a turn without it."""
        conversation.updated = time.time()
        row = db.execute(
            "SELECT extra FROM conversations WHERE id = ?", (conversation.id,)
        ).fetchone()
        kept = _loads(row[0], dict) if row is not None else {}
        if isinstance(kept, dict) and kept:
            conversation.extra = {**kept, **conversation.extra}
        db.execute(
            _INSERT_CONVERSATION
            + """
            ON CONFLICT (id) DO UPDATE SET
                updated = excluded.updated, model = excluded.model, api = excluded.api,
                system = excluded.system, options = excluded.options, extra = excluded.extra,
                request_extra = excluded.request_extra,
                title = CASE WHEN title = '' THEN excluded.title ELSE title END
            """,
            _conversation_values(conversation),
        )

    def _insert(self, db: sqlite3.Connection, exchange: Exchange, seq: int) -> int:
        values = []
        for name in _EXCHANGE_COLUMNS:
            value = getattr(exchange, name)
            if name in _EXCHANGE_JSON:
                value = _dumps(value)
            elif name == "interrupted":
                value = int(bool(value))
            values.append(value)
        columns = ", ".join([*_EXCHANGE_COLUMNS, "seq"])
        marks = ", ".join("?" * (len(_EXCHANGE_COLUMNS) + 1))
        cursor = db.execute(f"INSERT INTO exchanges ({columns}) VALUES ({marks})", [*values, seq])
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @_translated
    def update(self, conversation: ConversationInfo) -> bool:
        """Store a logged conversation's new settings (model, system prompt...); False
        when it is not in the log (a conversation enters it with its first exchange)."""
        with self._writing() as db:
            exists = db.execute(
                "SELECT 1 FROM conversations WHERE id = ?", (conversation.id,)
            ).fetchone()
            if exists:
                self._upsert(db, conversation)
        return exists is not None

    @_translated
    def delete_exchange(self, exchange_id: int) -> bool:
        """Remove one exchange (and its conversation, when it was the last one)."""
        with self._writing() as db:
            row = db.execute(
                "SELECT conversation_id FROM exchanges WHERE id = ?", (exchange_id,)
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM exchanges WHERE id = ?", (exchange_id,))
            db.execute(
                "DELETE FROM conversations WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM exchanges WHERE conversation_id = ?)",
                (row[0], row[0]),
            )
        self._purge()
        return True

    @_translated
    def delete_conversation(self, conversation_id: str) -> int:
        """Remove a conversation and its exchanges; how many exchanges went."""
        with self._writing() as db:
            (count,) = db.execute(
                "SELECT count(*) FROM exchanges WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            db.execute("DELETE FROM exchanges WHERE conversation_id = ?", (conversation_id,))
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        self._purge()
        return int(count)

    @_translated
    def delete_all(self) -> int:
        """Empty the log; how many exchanges went."""
        with self._writing() as db:
            (count,) = db.execute("SELECT count(*) FROM exchanges").fetchone()
            db.execute("DELETE FROM exchanges")
            db.execute("DELETE FROM conversations")
        self._purge()
        return int(count)

    def _purge(self) -> None:
        """Make deleted text unreadable in the files: merge the search index (its old
        segments still hold the words), zero the freed pages, empty the WAL."""
        with self._writing() as db:
            db.execute("INSERT INTO exchanges_fts(exchanges_fts) VALUES ('optimize')")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- reading ------------------------------------------------------------------------

    def _conversation(self, row: sqlite3.Row | tuple[Any, ...], names: list[str]) -> Any:
        values = dict(zip(names, row, strict=True))
        for name, empty in _CONVERSATION_JSON.items():
            values[name] = _loads(values[name], empty)
        return ConversationInfo(**values)

    def _exchange(self, row: tuple[Any, ...], names: list[str]) -> Exchange:
        values = dict(zip(names, row, strict=True))
        for name, empty in _EXCHANGE_JSON.items():
            values[name] = _loads(values[name], empty)
        values["interrupted"] = bool(values["interrupted"])
        return Exchange(**values)

    def _conversations(self, where: str, params: list[Any], limit: int | None) -> Any:
        sql = f"""
            SELECT {", ".join(f"c.{name}" for name in _CONVERSATION_COLUMNS)},
                   (SELECT count(*) FROM exchanges e WHERE e.conversation_id = c.id)
            FROM conversations c {where}
            ORDER BY c.updated DESC, c.id DESC
        """
        if limit is not None:
            sql += " LIMIT ?"
            params = [*params, limit]
        names = [*_CONVERSATION_COLUMNS, "exchanges"]
        return [self._conversation(row, names) for row in self._db.execute(sql, params)]

    @_translated
    def conversations(self, limit: int | None = None) -> list[ConversationInfo]:
        """The conversations, the most recently updated first, with their exchange count."""
        found: list[ConversationInfo] = self._conversations("", [], limit)
        return found

    @_translated
    def conversation(self, ident: str) -> ConversationInfo | None:
        """A conversation by its id or a unique start of it (LogError when ambiguous)."""
        exact: list[ConversationInfo] = self._conversations("WHERE c.id = ?", [ident], None)
        if exact:
            return exact[0]
        pattern = ident.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        started: list[ConversationInfo] = self._conversations(
            "WHERE c.id LIKE ? ESCAPE '\\'", [pattern], 6
        )
        if len(started) > 1:
            ids = ", ".join(c.id for c in started[:5])
            raise LogError(
                _("{ident!r} starts several conversation ids ({ids}...): give more of it").format(
                    ident=ident, ids=ids
                )
            )
        return started[0] if started else None

    @_translated
    def exchanges_of(self, conversation_id: str) -> list[Exchange]:
        """A conversation's exchanges in order."""
        return self._select("WHERE e.conversation_id = ? ORDER BY e.seq", [conversation_id])

    @_translated
    def exchange(self, exchange_id: int) -> Exchange | None:
        found = self._select("WHERE e.id = ?", [exchange_id])
        return found[0] if found else None

    def _select(self, tail: str, params: list[Any], source: str = "exchanges e") -> list[Exchange]:
        names = ["id", "seq", *_EXCHANGE_COLUMNS]
        columns = ", ".join(f"e.{name}" for name in names)
        rows = self._db.execute(f"SELECT {columns} FROM {source} {tail}", params)
        return [self._exchange(row, names) for row in rows]

    @_translated
    def find(self, filters: Filters, limit: int | None = 10) -> list[Exchange]:
        """Matching exchanges: with ``text``, the best matches first; otherwise the newest
        first. Each term of ``text`` must appear in the question or the answer (any case
        for ASCII); terms of three characters or more are looked up in the index."""
        where, params = self._where(filters)
        terms = search_terms(filters.text or "")
        indexed = [term for term in terms if len(term) >= SHORTEST_INDEXED]
        for term in terms:
            if len(term) < SHORTEST_INDEXED:
                where.append(
                    "(instr(lower(coalesce(e.prompt, '')), lower(?)) > 0 "
                    "OR instr(lower(coalesce(e.response, '')), lower(?)) > 0)"
                )
                params += [term, term]
        source = "exchanges e"
        order = "ORDER BY e.at DESC, e.id DESC"
        if indexed:
            source = "exchanges_fts f JOIN exchanges e ON e.id = f.rowid"
            where.insert(0, "exchanges_fts MATCH ?")
            params.insert(0, " ".join('"' + term.replace('"', '""') + '"' for term in indexed))
            order = "ORDER BY f.rank, e.at DESC"
        tail = ("WHERE " + " AND ".join(where) if where else "") + " " + order
        if limit is not None:
            tail += " LIMIT ?"
            params.append(limit)
        found = self._select(tail, params, source)
        if terms:
            for exchange in found:
                exchange.snippet = snippet_of(exchange, terms)
        return found

    def _where(self, filters: Filters) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if filters.model:
            if any(mark in filters.model for mark in "*?["):
                where.append("lower(e.model) GLOB lower(?)")
            else:
                where.append("e.model = ? COLLATE NOCASE")
            params.append(filters.model)
        if filters.since is not None:
            where.append("e.at >= ?")
            params.append(filters.since)
        if filters.conversation:
            where.append("e.conversation_id = ?")
            params.append(filters.conversation)
        return where, params

    @_translated
    def usage(self, filters: Filters) -> list[UsageRow]:
        """Exchanges, tokens and cost by local day and model, oldest day first."""
        where, params = self._where(filters)
        sql = f"""
            SELECT date(e.at, 'unixepoch', 'localtime') AS day, e.model, count(*),
                   coalesce(sum(e.input_tokens), 0), coalesce(sum(e.output_tokens), 0),
                   sum(e.cost), count(e.cost)
            FROM exchanges e {"WHERE " + " AND ".join(where) if where else ""}
            GROUP BY day, e.model ORDER BY day, e.model
        """
        return [UsageRow(*row) for row in self._db.execute(sql, params)]

    @_translated
    def count(self) -> tuple[int, int]:
        """How many conversations and exchanges the log holds."""
        (conversations,) = self._db.execute("SELECT count(*) FROM conversations").fetchone()
        (exchanges,) = self._db.execute("SELECT count(*) FROM exchanges").fetchone()
        return int(conversations), int(exchanges)

    # -- for the import of JSON chat files ------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the raw connection (for :mod:`._chats`)."""
        try:
            with self._writing() as db:
                yield db
        except sqlite3.Error as exc:
            raise _log_error(exc, self.path) from exc

    def insert_raw(
        self, db: sqlite3.Connection, conversation: ConversationInfo, exchange: Exchange
    ) -> None:
        """Insert an exchange as it is (its ``seq`` and ``at`` kept), inside a transaction."""
        exchange.conversation_id = conversation.id
        exchange.id = self._insert(db, exchange, exchange.seq)

    def insert_conversation_raw(
        self, db: sqlite3.Connection, conversation: ConversationInfo
    ) -> None:
        """Insert a conversation with its ``updated`` time kept, inside a transaction."""
        db.execute(_INSERT_CONVERSATION, _conversation_values(conversation))
