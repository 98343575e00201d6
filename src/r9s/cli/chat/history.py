"""``r9s chat``'s side of the log (:mod:`r9s.cli.common.log`): each turn recorded, and
the chats ``--continue``/``--resume`` go on with read back from it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

from r9s.cli.chat.conversation import Conversation, Message, outcome_of
from r9s.cli.common import interact
from r9s.cli.common.files import display
from r9s.cli.common.i18n import _, ngettext

if TYPE_CHECKING:
    from r9s.cli.chat.turn import TurnResult
    from r9s.cli.common.log import ConversationInfo, Exchange, ImportReport, Log


def open_user_log() -> Log:
    """The user's log; says what the one-time import of the JSON chat files did."""
    from r9s.cli.common.log import open_log

    log, report = open_log()
    tell_import(report)
    return log


def tell_import(report: ImportReport) -> None:
    from r9s.cli.common.log import chats_dir, log_path

    if report.imported:
        count = len(report.imported)
        interact.say(
            ngettext(
                "r9s: {count} saved chat of {chats}/ moved into the log ({log}); "
                "the files are left as they were",
                "r9s: {count} saved chats of {chats}/ moved into the log ({log}); "
                "the files are left as they were",
                count,
            ).format(count=count, chats=display(chats_dir()), log=display(log_path()))
        )
    for name, why in report.unreadable:
        interact.warn(
            _("{display} was not imported into the log: {why}").format(
                display=display(chats_dir() / name), why=why
            )
        )


def info_of(conversation: Conversation) -> ConversationInfo:
    from r9s.cli.common.log import ConversationInfo

    return ConversationInfo(
        id=conversation.id,
        model=conversation.model,
        api=conversation.api,
        system=conversation.system,
        options=dict(conversation.options),
        request_extra=dict(conversation.extra),
        created=conversation.created,
    )


def exchange_of(
    conversation: Conversation,
    question: Message,
    result: TurnResult | None,
    *,
    error: str | None = None,
    partial: str | None = None,
    started: float | None = None,
) -> Exchange:
    """The log's record of ``question`` and its answer (``result``), or of its failure:
    with the options and fields sent, the files attached, the tool calls r9s ran (each
    with its round and result) and the parsed object of a ``--schema`` answer."""
    from r9s.cli.common.log import Exchange, file_entry, tool_columns

    images = [{"type": "image", "url": url} for url in question.images]
    exchange = Exchange(
        model=conversation.model,
        api=conversation.api,
        system=conversation.system,
        options=dict(conversation.options),
        request_extra=dict(conversation.extra),
        prompt=question.content,
        attachments=images + [file_entry(file.to_json()) for file in question.files],
        error=error,
        response=partial or None,
        at=started or 0.0,
    )
    if result is not None:
        exchange.response = result.text
        exchange.interrupted = result.interrupted
        exchange.ttft = result.ttft
        exchange.duration = result.elapsed
        exchange.at = started or time.time() - result.elapsed
        if result.usage is not None:
            exchange.input_tokens = result.usage.input_tokens
            exchange.output_tokens = result.usage.output_tokens
        if result.final is not None:
            for name, value in outcome_of(result.final).items():
                setattr(exchange, name, value)
        if result.tool_rounds:
            # a tool run: the calls r9s ran (the final answer's too, at --max-turns)
            ran = tool_columns([asdict(tool_round) for tool_round in result.tool_rounds])
            for name, value in ran.items():
                setattr(exchange, name, value)
        if result.parsed is not None:
            exchange.parsed = result.parsed
        if result.problem and not result.text and not result.tool_rounds:
            exchange.error = result.problem  # no answer at all: a failed exchange
    return exchange


def conversation_of(info: ConversationInfo, exchanges: list[Exchange]) -> Conversation:
    from r9s.cli.common.log import chat_document

    return Conversation.from_json(chat_document(info, exchanges))


class ChatLog:
    """The log as a chat uses it: opened at first use; failing to write it is a warning
    (once per chat), never a failed answer. ``enabled`` False: nothing is recorded."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._log: Log | None = None
        self.failing = False  # the last write failed, and the person was told

    def open(self) -> Log:
        """The log (LogError when it cannot be opened)."""
        if self._log is None:
            self._log = open_user_log()
        return self._log

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def record(self, conversation: Conversation, exchange: Exchange) -> None:
        """Record ``exchange``; a failure warns (once until a write works again)."""
        if not self.enabled:
            return
        self._quietly(lambda log: log.record(info_of(conversation), exchange))

    def failed(
        self, conversation: Conversation, question: Message, exc: Exception, started: float
    ) -> None:
        """Record a turn that failed (not a usage error), with what arrived of its answer."""
        from r9s.cli.common.errors import UsageError, describe

        if isinstance(exc, UsageError):
            return
        partial = getattr(exc, "partial", None)
        error = describe(exc)
        failed = exchange_of(
            conversation, question, None, error=error, partial=partial, started=started
        )
        self.record(conversation, failed)

    def update(self, conversation: Conversation) -> None:
        """Store new settings (/model, /system) of a chat already in the log."""
        if not self.enabled or not conversation.messages:
            return
        self._quietly(lambda log: log.update(info_of(conversation)))

    def _quietly(self, write: Callable[[Log], object]) -> None:
        from r9s.cli.common.errors import describe
        from r9s.cli.common.log import LogError

        try:
            write(self.open())
        except (LogError, OSError) as exc:
            if not self.failing:
                interact.warn(
                    _("the chat is not being logged: {describe}").format(describe=describe(exc))
                )
            self.failing = True
            return
        self.failing = False

    # -- reading ------------------------------------------------------------------------

    def load(self, ident: str) -> Conversation | None:
        """A logged chat by id or a unique start of it."""
        log = self.open()
        info = log.conversation(ident)
        if info is None:
            return None
        return conversation_of(info, log.exchanges_of(info.id))

    def latest(self) -> Conversation | None:
        """The chat used last."""
        log = self.open()
        found = log.conversations(limit=1)
        if not found:
            return None
        return conversation_of(found[0], log.exchanges_of(found[0].id))

    def listing(self, limit: int = 200) -> list[tuple[str, str]]:
        """(label, id) of the chats used last, newest first, for a picker."""
        return [(describe(info), info.id) for info in self.open().conversations(limit=limit)]


def describe(info: ConversationInfo) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.updated))
    plural = "s" if info.exchanges != 1 else ""
    title = info.title or "(empty)"
    return f"{when}  {info.model}  {info.exchanges} turn{plural}  {title}  [{info.id}]"
