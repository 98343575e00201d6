"""The log as the page reads and writes it: the CLI's own (``~/.r9s/log.db``), so a chat
begun in the page goes on with ``r9s chat --continue ID`` and the other way round.

Every call runs on one thread of its own, which holds the one :class:`Log` (the log
wants one per thread); the event loop never waits on SQLite. With ``r9s logs off`` (or
a log that cannot be opened) the page's chats are kept in memory while the server runs.

A comparison is one conversation per model, each a normal chat in the log; what ties
them is kept in each one's ``extra``: ``{"compare": {"group": ID, "members": [ids]}}``,
and the answers picked as the best, ``{"picks": {"SEQ": conversation id}}``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from r9s.cli.chat.conversation import Conversation
from r9s.cli.chat.history import conversation_of, info_of
from r9s.cli.common.log import ConversationInfo, Exchange, Filters, Log, LogError

T = TypeVar("T")
LISTED = 200  # conversations listed at most
FOUND = 100  # exchanges a search returns at most


def stats_of(
    ttft: float | None,
    total: float | None,
    tokens_in: int | None,
    tokens_out: int | None,
    cost: float | None,
    router: float | None = None,
) -> dict[str, Any]:
    """An answer's numbers as the page shows them (seconds, tokens, tokens/s, cost)."""
    generating = total - ttft if total is not None and ttft is not None else None
    rate = tokens_out / generating if tokens_out and generating and generating > 0 else None
    return {
        "ttft": ttft,
        "total": total,
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "tps": rate,
        "cost": cost,
        "router": router,
    }


def turn_of(exchange: Exchange) -> dict[str, Any]:
    """One exchange as the page shows it: question, attachments (images with their data,
    other files by name), answer or error, and its numbers."""
    attachments: list[dict[str, Any]] = []
    for item in exchange.attachments:
        if item.get("type") == "image":
            attachments.append({"type": "image", "url": item.get("url", "")})
        else:
            attachments.append(
                {"type": item.get("type"), "name": item.get("name"), "size": item.get("size")}
            )
    return {
        "seq": exchange.seq,
        "model": exchange.model,
        "api": exchange.api,
        "prompt": exchange.prompt,
        "response": exchange.response,
        "error": exchange.error,
        "interrupted": exchange.interrupted,
        "attachments": attachments,
        "at": exchange.at,
        "stats": stats_of(
            exchange.ttft,
            exchange.duration,
            exchange.input_tokens,
            exchange.output_tokens,
            exchange.cost,
        ),
    }


def listed(info: ConversationInfo, snippet: str | None = None) -> dict[str, Any]:
    compare = info.extra.get("compare") if isinstance(info.extra, dict) else None
    return {
        "id": info.id,
        "title": info.title or "(empty)",
        "model": info.model,
        "api": info.api,
        "updated": info.updated,
        "exchanges": info.exchanges,
        "source": info.source,
        "group": compare.get("group") if isinstance(compare, dict) else None,
        "snippet": snippet,
    }


def grouped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listing with each comparison once (where its newest member is), its models
    together."""
    out: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        group = item["group"]
        if group is None:
            out.append({**item, "kind": "chat", "models": [item["model"]]})
            continue
        if group in groups:
            groups[group]["models"].append(item["model"])
            groups[group]["snippet"] = groups[group]["snippet"] or item["snippet"]
            continue
        entry = {**item, "kind": "compare", "models": [item["model"]]}
        groups[group] = entry
        out.append(entry)
    return out


class History:
    """The page's side of the log; ``home``: whose ``~/.r9s`` (None: the user's)."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="r9s-web-log")
        self._log: Log | None = None
        self.kept = True  # False: in memory only (logs off, or the log failed to open)
        self.problem: str | None = None  # why the log is not used, for the page

    def _open(self) -> Log:
        if self._log is None:
            from r9s.cli.common.log import is_enabled, open_log

            if not is_enabled(self.home):
                self.kept = False
                self.problem = "the log is off (r9s logs on): chats are kept until r9s web stops"
                self._log = Log.in_memory()
            else:
                try:
                    self._log = open_log(self.home)[0]
                except LogError as exc:
                    self.kept = False
                    self.problem = f"{exc}; chats are kept until r9s web stops"
                    self._log = Log.in_memory()
        return self._log

    async def call(self, work: Callable[[Log], T]) -> T:
        """Run ``work(log)`` on the log's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: work(self._open()))

    def close(self) -> None:
        def shut() -> None:
            if self._log is not None:
                self._log.close()
                self._log = None

        self._pool.submit(shut).result()
        self._pool.shutdown()

    # -- what a run needs ---------------------------------------------------------------

    async def load(self, conversation_id: str) -> tuple[Conversation, dict[str, Any]] | None:
        """A conversation to go on with, and its ``extra``."""

        def work(log: Log) -> tuple[Conversation, dict[str, Any]] | None:
            info = log.conversation(conversation_id)
            if info is None:
                return None
            return conversation_of(info, log.exchanges_of(info.id)), dict(info.extra)

        return await self.call(work)

    async def record(
        self, conversation: Conversation, exchange: Exchange, extra: dict[str, Any]
    ) -> Exchange:
        info = info_of(conversation)
        info.source = "web"
        info.extra = dict(extra)
        return await self.call(lambda log: log.record(info, exchange))

    # -- what the page reads -------------------------------------------------------------

    async def listing(self, text: str | None = None) -> list[dict[str, Any]]:
        """The conversations, newest first; with ``text``, those whose questions or
        answers hold it (best matches first), each with where."""

        def work(log: Log) -> list[dict[str, Any]]:
            if not text or not text.strip():
                return [listed(info) for info in log.conversations(limit=LISTED)]
            items: list[dict[str, Any]] = []
            seen: set[str] = set()
            for exchange in log.find(Filters(text=text), limit=FOUND):
                if exchange.conversation_id in seen:
                    continue
                seen.add(exchange.conversation_id)
                info = log.conversation(exchange.conversation_id)
                if info is not None:
                    items.append(listed(info, exchange.snippet))
            return items

        return grouped(await self.call(work))

    async def view(self, conversation_id: str) -> dict[str, Any] | None:
        """A conversation with its turns; one of a comparison with all its members."""

        def one(log: Log, info: ConversationInfo) -> dict[str, Any]:
            return {
                "id": info.id,
                "title": info.title,
                "model": info.model,
                "api": info.api,
                "system": info.system,
                "options": info.options,
                "source": info.source,
                "turns": [turn_of(e) for e in log.exchanges_of(info.id)],
            }

        def work(log: Log) -> dict[str, Any] | None:
            info = log.conversation(conversation_id)
            if info is None:
                return None
            compare = info.extra.get("compare")
            if not isinstance(compare, dict):
                return {"kind": "chat", **one(log, info)}
            members = []
            for ident in compare.get("members") or [info.id]:
                member = log.conversation(ident)
                if member is not None:
                    members.append(one(log, member))
            picks = info.extra.get("picks") or {}
            return {
                "kind": "compare",
                "group": compare.get("group"),
                "members": members,
                "picks": picks,
                **one(log, info),
            }

        return await self.call(work)

    async def delete(self, conversation_id: str) -> int:
        """Remove a conversation (a comparison: all its members); how many went."""

        def work(log: Log) -> int:
            info = log.conversation(conversation_id)
            if info is None:
                return 0
            compare = info.extra.get("compare")
            ids = [info.id]
            if isinstance(compare, dict):
                ids = [str(i) for i in compare.get("members") or ids]
            return sum(1 for ident in ids if log.delete_conversation(ident))

        return await self.call(work)

    async def pick(self, members: list[str], seq: int, picked: str) -> bool:
        """Keep ``picked`` as the best answer of round ``seq`` in every member's extra."""

        def work(log: Log) -> bool:
            infos = [log.conversation(ident) for ident in members]
            found = [info for info in infos if info is not None]
            if picked not in {info.id for info in found}:
                return False
            for info in found:
                picks = dict(info.extra.get("picks") or {})
                picks[str(seq)] = picked
                info.extra = {"picks": picks}  # merged into what the log keeps
                log.update(info)
            return True

        return await self.call(work)
