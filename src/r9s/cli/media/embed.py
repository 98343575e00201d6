"""``r9s embed``: vectors as JSON, and collections of texts to search by similarity.

A collection lives in ``~/.r9s/embeddings.db`` (SQLite, WAL, mode 0600): its name, the
model and dimension its vectors have, and per text an ID, the text and its vector
(float32, little-endian). Searching computes the cosine similarity with every stored
vector: a collection is meant to be small (thousands of texts, not millions).
"""

from __future__ import annotations

import argparse
import array
import hashlib
import json
import math
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from r9s.cli.common.errors import UsageError
from r9s.cli.common.files import KEY_FILE_MODE, display, make_dirs
from r9s.cli.common.i18n import _, ngettext
from r9s.cli.common.sqlite import BUSY_TIMEOUT, use_wal

DEFAULT_MODEL = "text-embedding-3-small"
SCHEMA_VERSION = 1
BATCH = 256  # texts per request
NAME_LIMIT = 100


class EmbedError(UsageError):
    """A usage problem with ``r9s embed`` (one line, exit 2)."""


@dataclass(frozen=True)
class Text:
    id: str
    content: str


def database_path() -> Path:
    from r9s.cli.common.settings import state_dir

    return state_dir() / "embeddings.db"


@contextmanager
def database() -> Iterator[sqlite3.Connection]:
    """The collections database, created (0600) and migrated on first use."""
    path = database_path()
    make_dirs(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, KEY_FILE_MODE))
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT)) as db:
        use_wal(db, BUSY_TIMEOUT)
        db.execute("PRAGMA foreign_keys=ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise EmbedError(
                _("{path} was written by a newer r9s (schema {version}); upgrade r9s").format(
                    path=display(path), version=version
                )
            )
        if version < SCHEMA_VERSION:
            with db:
                db.executescript(
                    """
                    CREATE TABLE IF NOT EXISTS collections (
                        name TEXT PRIMARY KEY,
                        model TEXT NOT NULL,
                        dimensions INTEGER NOT NULL,
                        created TEXT NOT NULL
                    );
                    CREATE TABLE IF NOT EXISTS items (
                        collection TEXT NOT NULL
                            REFERENCES collections(name) ON DELETE CASCADE,
                        id TEXT NOT NULL,
                        content TEXT NOT NULL,
                        vector BLOB NOT NULL,
                        updated TEXT NOT NULL,
                        PRIMARY KEY (collection, id)
                    );
                    PRAGMA user_version = 1;
                    """
                )
        yield db


def _check_name(name: str) -> str:
    if not name.strip() or len(name) > NAME_LIMIT or any(ord(c) < 32 for c in name):
        raise EmbedError(_("{name!r} is not a collection name").format(name=name))
    return name


# -- inputs ------------------------------------------------------------------------------


def _texts(args: argparse.Namespace) -> list[Text]:
    texts = [Text(args.id or _hash(text), text) for text in args.text]
    sources = list(args.input or [])
    if not texts and not sources and not sys.stdin.isatty():
        sources = ["-"]
    for source in sources:
        content = _read(source)
        label = "stdin" if source == "-" else source
        if args.lines:
            for number, line in enumerate(content.splitlines(), 1):
                if line.strip():
                    texts.append(Text(f"{label}:{number}", line))
        elif content.strip():
            texts.append(Text(args.id or label, content))
    if args.id and len(texts) > 1:
        raise EmbedError(_("--id names one text, and there are {count}").format(count=len(texts)))
    if not texts:
        raise EmbedError(_("nothing to embed: give a TEXT, -i FILE, or pipe some text"))
    return texts


def _read(source: str) -> str:
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).expanduser().read_bytes()
    except OSError as exc:
        from r9s.cli.common.errors import describe

        raise EmbedError(
            _("-i {file}: {problem}").format(file=source, problem=describe(exc))
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EmbedError(_("-i {file}: not UTF-8 text").format(file=source)) from None


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- vectors -----------------------------------------------------------------------------


def _embed(args: argparse.Namespace, model: str, texts: Sequence[str]) -> list[list[float]]:
    from r9s.cli.common.api import connect
    from r9s.cli.common.errors import remember

    remember(model=model)
    vectors: list[list[float]] = []
    with connect(args)[1] as r9s:
        for start in range(0, len(texts), BATCH):
            batch = list(texts[start : start + BATCH])
            if args.dimensions is not None:
                response = r9s.embeddings.create(
                    model=model, input=batch, dimensions=args.dimensions
                )
            else:
                response = r9s.embeddings.create(model=model, input=batch)
            vectors += response.vectors
    return vectors


def _pack(vector: Sequence[float]) -> bytes:
    values = array.array("f", vector)
    if sys.byteorder != "little":
        values.byteswap()
    return values.tobytes()


def _unpack(blob: bytes) -> array.array[float]:
    values = array.array("f")
    values.frombytes(blob)
    if sys.byteorder != "little":
        values.byteswap()
    return values


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return dot / norm if norm else 0.0


# -- the command -------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    if args.collections:
        return _list()
    if args.drop is not None:
        return _drop(_check_name(args.drop))
    if args.n < 1:
        raise EmbedError(_("-n must be 1 or more"))
    texts = _texts(args)
    if args.similar is not None:
        return _similar(args, _check_name(args.similar), texts)
    if args.store is not None:
        return _store(args, _check_name(args.store), texts)
    model = args.model or DEFAULT_MODEL
    for vector in _embed(args, model, [text.content for text in texts]):
        print(json.dumps(vector))
    return 0


def _collection(db: sqlite3.Connection, name: str) -> tuple[str, int] | None:
    row = db.execute("SELECT model, dimensions FROM collections WHERE name = ?", (name,)).fetchone()
    return (str(row[0]), int(row[1])) if row else None


def _store(args: argparse.Namespace, name: str, texts: list[Text]) -> int:
    from r9s.cli.common.interact import say

    with database() as db:
        existing = _collection(db, name)
    if existing is not None and args.model and args.model != existing[0]:
        raise EmbedError(
            _(
                "collection {name} holds {model} vectors: leave out -m, or store in another "
                "collection"
            ).format(name=name, model=existing[0])
        )
    model = existing[0] if existing else (args.model or DEFAULT_MODEL)
    vectors = _embed(args, model, [text.content for text in texts])
    dimensions = len(vectors[0])
    if existing is not None and existing[1] != dimensions:
        raise EmbedError(
            _("collection {name} holds vectors of {stored} dimensions, these have {new}").format(
                name=name, stored=existing[1], new=dimensions
            )
        )
    now = datetime.now().isoformat(timespec="seconds")
    with database() as db, db:
        db.execute(
            "INSERT OR IGNORE INTO collections (name, model, dimensions, created) "
            "VALUES (?, ?, ?, ?)",
            (name, model, dimensions, now),
        )
        db.executemany(
            "INSERT OR REPLACE INTO items (collection, id, content, vector, updated) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (name, text.id, text.content, _pack(vector), now)
                for text, vector in zip(texts, vectors, strict=True)
            ],
        )
        total = db.execute("SELECT count(*) FROM items WHERE collection = ?", (name,)).fetchone()
    say(
        ngettext(
            "Stored {count} text in {name} ({total} in all, {model}).",
            "Stored {count} texts in {name} ({total} in all, {model}).",
            len(texts),
        ).format(count=len(texts), name=name, total=total[0], model=model)
    )
    return 0


def _similar(args: argparse.Namespace, name: str, texts: list[Text]) -> int:
    with database() as db:
        found = _collection(db, name)
        if found is None:
            raise EmbedError(
                _("no collection {name} (r9s embed --collections lists them)").format(name=name)
            )
        rows = db.execute(
            "SELECT id, content, vector FROM items WHERE collection = ?", (name,)
        ).fetchall()
    model, dimensions = found
    if args.model and args.model != model:
        raise EmbedError(
            _("collection {name} holds {model} vectors: search it without -m").format(
                name=name, model=model
            )
        )
    if len(texts) != 1:
        raise EmbedError(_("--similar takes one text to compare"))
    (query,) = _embed(args, model, [texts[0].content])
    if len(query) != dimensions:
        raise EmbedError(
            _(
                "the query has {new} dimensions and collection {name} {stored}: pass the "
                "--dimensions it was stored with"
            ).format(new=len(query), name=name, stored=dimensions)
        )
    scored = sorted(
        ((cosine(query, _unpack(blob)), str(ident), str(content)) for ident, content, blob in rows),
        key=lambda row: row[0],
        reverse=True,
    )[: args.n]
    if args.json:
        listed = [{"id": i, "score": round(s, 6), "content": c} for s, i, c in scored]
        print(json.dumps(listed, ensure_ascii=False, indent=2))
        return 0
    for score, ident, content in scored:
        preview = " ".join(content.split())
        print(f"{score:.3f}  {ident}  {preview[:100]}")
    return 0


def _list() -> int:
    with database() as db:
        rows = db.execute(
            "SELECT c.name, c.model, c.dimensions, count(i.id) FROM collections c "
            "LEFT JOIN items i ON i.collection = c.name GROUP BY c.name ORDER BY c.name"
        ).fetchall()
    if not rows:
        from r9s.cli.common.interact import say

        say(_("No collections yet (r9s embed --store NAME makes one)."))
        return 0
    for name, model, dimensions, count in rows:
        texts = ngettext("{count} text", "{count} texts", count).format(count=count)
        print(
            _("{name}  {texts}  {model}, {dimensions} dimensions").format(
                name=name, texts=texts, model=model, dimensions=dimensions
            )
        )
    return 0


def _drop(name: str) -> int:
    from r9s.cli.common.interact import say

    with database() as db, db:
        gone = db.execute("DELETE FROM collections WHERE name = ?", (name,)).rowcount
    if not gone:
        raise EmbedError(
            _("no collection {name} (r9s embed --collections lists them)").format(name=name)
        )
    say(_("Deleted collection {name}.").format(name=name))
    return 0
