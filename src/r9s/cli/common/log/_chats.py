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
    leaves them out of what it sends). What r9s 1.0's files could not hold is added only
    where a chat has it: ``options`` besides temperature and max_tokens, ``extra``
    (fields sent as they are), a question's ``files``, an answer's ``tool_rounds``."""
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
            question = {
                "role": "user",
                "content": exchange.prompt,
                "images": images,
                "interrupted": False,
            }
            files = [file_of(a) for a in exchange.attachments if a.get("type") != "image"]
            if files:
                question["files"] = files
            messages.append(question)
        if exchange.response is not None:
            answer = {
                "role": "assistant",
                "content": exchange.response,
                "images": [],
                "interrupted": exchange.interrupted,
            }
            rounds = tool_rounds_of(exchange)
            if rounds:
                answer["tool_rounds"] = rounds
            messages.append(answer)
    stamp = conversation.extra.get("file_updated") or {}
    if stamp.get("at") == conversation.updated and isinstance(stamp.get("text"), str):
        updated = stamp["text"]  # not changed since the import: the file's own text
    else:
        updated = datetime.fromtimestamp(conversation.updated).isoformat(timespec="seconds")
    options = dict(conversation.options)
    document = {
        "model": conversation.model,
        "api": conversation.api,
        "system": conversation.system,
        "temperature": options.pop("temperature", None),
        "max_tokens": options.pop("max_tokens", None),
        "messages": messages,
        "id": conversation.id,
        "created": conversation.created,
        "usage": usage,
        "version": 1,
        "updated": updated,
        **conversation.extra.get("unknown", {}),
    }
    if options:
        document["options"] = options
    if conversation.request_extra:
        document["extra"] = conversation.request_extra
    return document


def file_entry(file: dict[str, Any]) -> dict[str, Any]:
    """A chat's attached file (``kind``, ``mime``, ``name``, ``data``, ``size``) as the
    log keeps it among an exchange's attachments (``type`` for ``kind``)."""
    entry = {"type": file["kind"], **file}
    del entry["kind"]
    return entry


def file_of(entry: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`file_entry`."""
    file = {"kind": entry.get("type", "text"), **entry}
    file.pop("type", None)
    return file


def tool_rounds_of(exchange: Exchange) -> list[dict[str, Any]]:
    """The rounds of tool calls r9s ran for an exchange (each call's ``round``), each
    with the text before it and every call with its result, as a chat keeps them."""
    listed = exchange.tool_results or []
    by_id = {r.get("id"): r for r in listed}
    texts = exchange.tool_texts or []
    rounds: list[dict[str, Any]] = []
    ran = [
        call
        for call in exchange.tool_calls or []
        if isinstance(call, dict) and isinstance(call.get("round"), int)
    ]
    for index, call in enumerate(ran):  # the results are in the calls' order
        number = call["round"]
        if number < 0 or number > len(ran):
            continue
        while len(rounds) <= number:
            text = texts[len(rounds)] if len(rounds) < len(texts) else ""
            rounds.append({"calls": [], "text": text})
        same = index < len(listed) and listed[index].get("id") == call.get("id")
        result = (listed[index] if same else by_id.get(call.get("id"))) or {}
        rounds[number]["calls"].append(
            {
                "id": str(call.get("id") or ""),
                "name": str(call.get("name") or ""),
                "arguments": str(call.get("arguments") or ""),
                "result": str(result.get("output") or ""),
                "is_error": bool(result.get("is_error", False)),
            }
        )
    return rounds


def tool_columns(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The inverse of :func:`tool_rounds_of`: ``tool_calls``, ``tool_results`` and
    ``tool_texts`` of an exchange (all None without rounds)."""
    if not rounds:
        return {"tool_calls": None, "tool_results": None, "tool_texts": None}
    calls: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for number, tool_round in enumerate(rounds):
        for call in tool_round["calls"]:
            calls.append(
                {
                    "id": call["id"],
                    "name": call["name"],
                    "arguments": call["arguments"],
                    "round": number,
                }
            )
            results.append(
                {"id": call["id"], "output": call["result"], "is_error": call["is_error"]}
            )
    return {
        "tool_calls": calls,
        "tool_results": results,
        "tool_texts": [tool_round["text"] for tool_round in rounds],
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
