"""The JSON chat files r9s 1.0 kept (``~/.r9s/chats/<id>.json``), and that document form.

Each file is imported into the log once, in one transaction with the note that it was
(``imported_files``), so an import cut short (``kill -9``) leaves every chat either fully
in the log or not at all, and the next run goes on. The files themselves are left as
they were. :func:`chat_document` turns a logged conversation back into the files' form:
``chat_document`` of an imported file equals the file (a test holds it to that), and
``r9s chat --continue`` rebuilds a chat from it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from r9s.cli.common.log._store import ConversationInfo, Exchange, Log, title_of
from r9s.cli.common.settings import state_dir

APIS = ("chat", "messages", "responses")
OPTION_KEYS = ("temperature", "max_tokens")
FILE_KEYS = (
    "model",
    "api",
    "system",
    *OPTION_KEYS,
    "messages",
    "id",
    "created",
    "usage",
    "version",
    "updated",
)
MESSAGE_KEYS = {"role", "content", "images", "interrupted"}
SOURCE = "chats-json"


class NotAChat(ValueError):
    """A file that is not a chat r9s wrote (it stays where it is, untouched)."""


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # conversation ids
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # file name, why

    def __bool__(self) -> bool:
        return bool(self.imported or self.unreadable)


def chats_dir(home: Path | None = None) -> Path:
    return state_dir(home) / "chats"


def _local_time(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def _expect(condition: bool, reason: str) -> None:
    if not condition:
        raise NotAChat(reason)


def parse_chat_file(
    data: Any, modified: float | None = None
) -> tuple[ConversationInfo, list[Exchange]]:
    """A chat file's content as a conversation and its exchanges (NotAChat if it is not
    one r9s wrote). The file has no per-answer usage: its totals go on the last exchange."""
    _expect(isinstance(data, dict), "not a JSON object")
    _expect(isinstance(data.get("id"), str) and data["id"] != "", "no chat id")
    _expect(isinstance(data.get("model"), str), "no model")
    api = data.get("api", "chat")
    _expect(api in APIS, f"unknown API {api!r}")
    _expect(data.get("system") is None or isinstance(data["system"], str), "odd system prompt")
    _expect(data.get("version", 1) == 1, f"version {data.get('version')!r}, not 1")
    options = {key: data[key] for key in OPTION_KEYS if data.get(key) is not None}
    _expect(
        all(isinstance(v, int | float) and not isinstance(v, bool) for v in options.values()),
        "odd temperature or max_tokens",
    )
    usage = data.get("usage", {})
    _expect(
        isinstance(usage, dict)
        and set(usage) <= {"input_tokens", "output_tokens"}
        and all(isinstance(v, int) and not isinstance(v, bool) for v in usage.values()),
        "odd usage",
    )
    created = data.get("created", "")
    _expect(isinstance(created, str), "odd creation time")
    updated_text = data.get("updated")
    updated = _local_time(updated_text) or _local_time(created) or modified or time.time()
    first_at = _local_time(created) or updated

    extra: dict[str, Any] = {}
    unknown = {key: value for key, value in data.items() if key not in FILE_KEYS}
    if unknown:
        extra["unknown"] = unknown
    if isinstance(updated_text, str):
        extra["file_updated"] = {"text": updated_text, "at": updated}
    conversation = ConversationInfo(
        id=data["id"],
        model=data["model"],
        api=api,
        system=data.get("system"),
        options=options,
        created=created,
        source=SOURCE,
        extra=extra,
        updated=updated,
    )

    exchanges: list[Exchange] = []
    messages = data.get("messages", [])
    _expect(isinstance(messages, list), "messages is not a list")
    for message in messages:
        _expect(isinstance(message, dict) and set(message) <= MESSAGE_KEYS, "odd message")
        role, content = message.get("role"), message.get("content")
        images = message.get("images", [])
        interrupted = message.get("interrupted", False)
        _expect(isinstance(content, str), "a message without text")
        _expect(isinstance(images, list) and all(isinstance(u, str) for u in images), "odd images")
        _expect(isinstance(interrupted, bool), "odd interrupted flag")
        if role == "user":
            _expect(not interrupted, "an interrupted question")
            exchanges.append(
                Exchange(prompt=content, attachments=[{"type": "image", "url": u} for u in images])
            )
        elif role == "assistant":
            _expect(not images, "an answer with images")
            last = exchanges[-1] if exchanges else None
            if last is None or last.response is not None or last.prompt is None:
                last = Exchange()
                exchanges.append(last)
            last.response = content
            last.interrupted = interrupted
        else:
            raise NotAChat(f"a message from {role!r}")

    for seq, exchange in enumerate(exchanges, 1):
        exchange.seq = seq
        exchange.at = first_at if seq == 1 else updated
        exchange.model, exchange.api = conversation.model, conversation.api
        exchange.system, exchange.options = conversation.system, dict(options)
    if exchanges:
        answered = [e for e in exchanges if e.response is not None] or exchanges
        answered[-1].input_tokens = usage.get("input_tokens", 0)
        answered[-1].output_tokens = usage.get("output_tokens", 0)
    elif usage:
        extra["usage"] = usage
    conversation.title = title_of(next((e.prompt for e in exchanges if e.prompt), ""))
    return conversation, exchanges


def chat_document(conversation: ConversationInfo, exchanges: list[Exchange]) -> dict[str, Any]:
    """The conversation in the chat files' form (failed exchanges left out, as the chat
    leaves them out of what it sends)."""
    messages: list[dict[str, Any]] = []
    kept = conversation.extra.get("usage") or {}  # the totals of a file without messages
    usage = {key: int(kept.get(key, 0)) for key in ("input_tokens", "output_tokens")}
    for exchange in exchanges:
        usage["input_tokens"] += exchange.input_tokens or 0
        usage["output_tokens"] += exchange.output_tokens or 0
        if exchange.error is not None:
            continue
        if exchange.prompt is not None:
            images = [a["url"] for a in exchange.attachments if a.get("type") == "image"]
            messages.append(
                {"role": "user", "content": exchange.prompt, "images": images, "interrupted": False}
            )
        if exchange.response is not None:
            messages.append(
                {
                    "role": "assistant",
                    "content": exchange.response,
                    "images": [],
                    "interrupted": exchange.interrupted,
                }
            )
    stamp = conversation.extra.get("file_updated") or {}
    if stamp.get("at") == conversation.updated and isinstance(stamp.get("text"), str):
        updated = stamp["text"]  # not changed since the import: the file's own text
    else:
        updated = datetime.fromtimestamp(conversation.updated).isoformat(timespec="seconds")
    options = conversation.options
    return {
        "model": conversation.model,
        "api": conversation.api,
        "system": conversation.system,
        "temperature": options.get("temperature"),
        "max_tokens": options.get("max_tokens"),
        "messages": messages,
        "id": conversation.id,
        "created": conversation.created,
        "usage": usage,
        "version": 1,
        "updated": updated,
        **conversation.extra.get("unknown", {}),
    }


def import_chats(log: Log, folder: Path) -> ImportReport:
    """Import every chat file of ``folder`` not imported yet (see the module's note)."""
    report = ImportReport()
    try:
        paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    except OSError:
        return report
    if not paths:
        return report
    with log.transaction() as db:
        seen = {
            name: (sha, conversation_id)
            for name, sha, conversation_id in db.execute(
                "SELECT name, sha256, conversation_id FROM imported_files"
            )
        }
    for path in paths:
        name = path.name
        before = seen.get(name)
        if before is not None and before[1] is not None:
            continue
        try:
            data = path.read_bytes()
            modified = path.stat().st_mtime
        except OSError as exc:
            report.unreadable.append((name, exc.strerror or str(exc)))
            continue
        sha = hashlib.sha256(data).hexdigest()
        if before is not None and before[0] == sha:
            continue  # could not be read before, and has not changed
        parsed: tuple[ConversationInfo, list[Exchange]] | None = None
        why = ""
        try:
            parsed = parse_chat_file(json.loads(data.decode("utf-8")), modified)
        except (ValueError, UnicodeDecodeError) as exc:
            why = str(exc) if isinstance(exc, NotAChat) else "not valid JSON"
        with log.transaction() as db:
            row = db.execute(
                "SELECT sha256, conversation_id FROM imported_files WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and (row[1] is not None or row[0] == sha):
                continue  # another r9s imported it meanwhile
            conversation_id = None
            if parsed is not None:
                conversation, exchanges = parsed
                conversation_id = conversation.id
                taken = db.execute(
                    "SELECT 1 FROM conversations WHERE id = ?", (conversation.id,)
                ).fetchone()
                if not taken:
                    log.insert_conversation_raw(db, conversation)
                    for exchange in exchanges:
                        log.insert_raw(db, conversation, exchange)
                    report.imported.append(conversation.id)
            else:
                report.unreadable.append((name, why))
            db.execute(
                "INSERT OR REPLACE INTO imported_files (name, sha256, conversation_id, at) "
                "VALUES (?, ?, ?, ?)",
                (name, sha, conversation_id, time.time()),
            )
    return report


def open_log(home: Path | None = None) -> tuple[Log, ImportReport]:
    """Open the user's log (``~/.r9s/log.db``), importing the JSON chat files not yet in it."""
    from r9s.cli.common.log._store import log_path

    log = Log.open(log_path(home))
    try:
        report = import_chats(log, chats_dir(home))
    except BaseException:
        log.close()
        raise
    return log, report
