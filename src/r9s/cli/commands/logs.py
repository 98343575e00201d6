"""``r9s logs``: the exchanges kept in the log; search, show, remove; turn it off or on."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from r9s.cli.commands._args import subcommands
from r9s.cli.common.i18n import N_, _
from r9s.cli.common.terminal import for_stdout, json_text

if TYPE_CHECKING:
    from r9s.cli.common.log import ConversationInfo, Exchange

EPILOG = N_("""\
Every chat turn (interactive, one-shot, piped, any --api) is kept in ~/.r9s/log.db,
unless `r9s chat --no-log` or `r9s logs off`. Without -q, the newest N exchanges, the
newest last; with -q, the N best matches, the best first. #N is an exchange's number
(r9s logs show N); [ID] its conversation (r9s chat -c ID, r9s logs -c ID).

examples:
  r9s logs                              the last 10 exchanges
  r9s logs -q "borrow checker" -n 3     search questions and answers
  r9s logs --model 'claude*' --since 3d
  r9s logs -c 20250601-103200-a1b2c3    one conversation
  r9s logs --json -n 1 | jq -r '.[0].conversation_id'
  r9s logs show 42                      one exchange in full (or a conversation: ID)
  r9s logs rm 42                        remove it (r9s logs rm --all: everything)
  r9s logs off                          record nothing from now on
""")

EXAMPLES = {
    "show": N_("""\
examples:
  r9s logs show 42                       exchange #42 in full
  r9s logs show 20250601-103200-a1b2c3   a whole conversation (or a unique start of its id)
  r9s logs show 42 --json
"""),
    "rm": N_("""\
Deleted text is overwritten in the database files, not only unlinked.

examples:
  r9s logs rm 42                         one exchange
  r9s logs rm 20250601-103200-a1b2c3     a conversation
  r9s logs rm --all                      everything (asks first; --yes for scripts)
"""),
    "on": N_("examples:\n  r9s logs on                            record chats again\n"),
    "off": N_("examples:\n  r9s logs off                           record no new chat\n"),
    "status": N_(
        "examples:\n  r9s logs status                        on or off, where, how much\n"
    ),
    "path": N_('examples:\n  r9s logs path\n  sqlite3 "$(r9s logs path)" .tables\n'),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    add_filters(parser)
    parser.add_argument(
        "-n", "--count", type=int, default=10, metavar="N", help=_("how many (default 10; 0: all)")
    )
    parser.add_argument("--json", action="store_true", help=_("the exchanges as JSON"))
    action = subcommands(parser, EXAMPLES, required=False)

    show = action("show", "one exchange, or a conversation, in full")
    show.add_argument("ident", metavar="ID", help=_("an exchange's number, or a conversation id"))
    show.add_argument("--json", action="store_true", help=_("as JSON"))
    rm = action("rm", "remove exchanges or conversations")
    rm.add_argument("idents", nargs="*", metavar="ID", help=_("exchange numbers, conversation ids"))
    rm.add_argument("--all", action="store_true", help=_("everything in the log"))
    rm.add_argument("-y", "--yes", action="store_true", help=_("do not ask (with --all)"))
    action("on", "record chats (the default)")
    action("off", "record no new chat (the log keeps what it has)")
    action("status", "whether chats are recorded, where, how many")
    action("path", "where the log is")


def add_filters(parser: argparse.ArgumentParser) -> None:
    """``--model``, ``--since`` (shared with ``r9s usage``), ``-q``, ``-c``."""
    parser.add_argument("-q", "--query", metavar="TEXT", help=_("words to find (all of them)"))
    add_model_and_since(parser)
    parser.add_argument(
        "-c", "--conversation", metavar="ID", help=_("only this conversation (or a unique start)")
    )


def add_model_and_since(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m", "--model", metavar="MODEL", help=_("only this model (any case; * and ? as wildcards)")
    )
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help=_("only since: 2h, 3d, 2w, a date (2025-06-01), today, yesterday"),
    )


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common import interact
    from r9s.cli.common.log import is_enabled, log_path, set_enabled

    if args.action in ("on", "off"):
        set_enabled(args.action == "on")
        if args.action == "on":
            interact.say(_("The log is on: chats are recorded."))
        else:
            interact.say(_("The log is off: new chats are not recorded (r9s logs on to resume)."))
        return 0
    if args.action == "path":
        print(log_path())
        return 0
    from r9s.cli.chat.history import open_user_log

    with open_user_log() as log:
        if args.action == "status":
            conversations, exchanges = log.count()
            state = "on" if is_enabled() else "off (r9s logs on)"
            size = sum(
                p.stat().st_size for p in log.path.parent.glob(log.path.name + "*") if p.is_file()
            )
            print(f"recording: {state}")
            print(f"log:       {log.path} ({size / 1024 / 1024:.1f} MiB)")
            print(f"holds:     {exchanges} exchanges in {conversations} conversations")
            return 0
        if args.action == "show":
            return _show(log, args.ident, args.json)
        if args.action == "rm":
            return _remove(log, args)
        return _list(log, args)


def filters_of(args: argparse.Namespace, log: Any = None) -> Any:
    """The Filters of ``--model``, ``--since`` (and ``-q``, ``-c`` where there are)."""
    from r9s.cli.common.errors import UsageError
    from r9s.cli.common.log import Filters, parse_since

    since = None
    if args.since:
        try:
            since = parse_since(args.since)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    conversation = None
    if getattr(args, "conversation", None):
        found = log.conversation(args.conversation)
        if found is None:
            raise UsageError(
                _("no conversation {conversation!r} in the log").format(
                    conversation=args.conversation
                )
            )
        conversation = found.id
    return Filters(getattr(args, "query", None), args.model, since, conversation)


def _list(log: Any, args: argparse.Namespace) -> int:

    from r9s.cli.common.errors import UsageError

    if args.count < 0:
        raise UsageError(_("-n must be 0 (all) or more"))
    filters = filters_of(args, log)
    found: list[Exchange] = log.find(filters, limit=args.count or None)
    if not filters.text:
        found.reverse()  # the newest last, nearest the prompt
    if args.json:
        print(json_text([e.to_json() for e in found], indent=2))
        return 0
    if not found:
        from r9s.cli.common import interact

        interact.say(_("No exchange matches.") if _filtering(filters) else _("The log is empty."))
        return 0
    from r9s.cli.common.log import search_terms

    terms = search_terms(filters.text or "")
    for index, exchange in enumerate(found):
        if index:
            print()
        _print_brief(exchange, terms)
    return 0


def _filtering(filters: Any) -> bool:
    return any((filters.text, filters.model, filters.since, filters.conversation))


def when(at: float) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def header(exchange: Exchange) -> str:
    parts = [f"#{exchange.id}", when(exchange.at), exchange.model]
    if exchange.api != "chat":
        parts.append(f"via {exchange.api}")
    parts.append(f"[{exchange.conversation_id}]")
    if exchange.input_tokens is not None or exchange.output_tokens is not None:
        parts.append(f"{exchange.input_tokens or 0} in, {exchange.output_tokens or 0} out")
    if exchange.cost is not None:
        parts.append(f"cost {exchange.cost:.6g}")
    if exchange.duration is not None:
        parts.append(f"{exchange.duration:.2f} s")
    return "  ".join(parts)


def _clip(text: str, width: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _highlight(text: str, terms: list[str]) -> str:
    import re
    import sys

    from r9s.cli.common import interact

    text = for_stdout(text)  # what the log holds came from models and servers
    if not terms or interact.no_color() or not interact.draws_on(sys.stdout):
        return text
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    return pattern.sub(lambda m: f"\033[1;33m{m[0]}\033[0m", text)


def _print_brief(exchange: Exchange, terms: list[str]) -> None:
    import sys

    from r9s.cli.common import interact

    print(interact.bold(for_stdout(header(exchange)), sys.stdout))
    if exchange.prompt is not None:
        print(_highlight("> " + _clip(exchange.prompt) + _attached(exchange), terms))
    if exchange.response:
        suffix = " (interrupted)" if exchange.interrupted else ""
        print(_highlight(_clip(exchange.response) + suffix, terms))
    for call in exchange.tool_calls or []:
        _print(_clip(f"tool call: {call.get('name')}({call.get('arguments') or ''})"))
    if exchange.error:
        _print(f"error: {exchange.error}")
    if exchange.snippet and terms and not _shows(exchange, terms):
        print(_highlight("… " + exchange.snippet, terms))


def _print(text: str) -> None:
    print(for_stdout(text))


def _shows(exchange: Exchange, terms: list[str]) -> bool:
    """Whether the clipped lines already show a term (else the snippet is printed)."""
    shown = (_clip(exchange.prompt or "") + " " + _clip(exchange.response or "")).lower()
    return any(term.lower() in shown for term in terms)


def _attached(exchange: Exchange) -> str:
    count = len(exchange.attachments)
    return f"  [{count} attachment{'s' if count != 1 else ''}]" if count else ""


def _show(log: Any, ident: str, as_json: bool) -> int:

    from r9s.cli.common.errors import UsageError

    number = ident.removeprefix("#")
    if number.isdigit():
        exchange = log.exchange(int(number))
        if exchange is None:
            raise UsageError(
                _("no exchange #{number} in the log (r9s logs lists them)").format(number=number)
            )
        if as_json:
            print(json_text(exchange.to_json(), indent=2))
        else:
            _print_full(exchange)
        return 0
    conversation = log.conversation(ident)
    if conversation is None:
        raise UsageError(_("no exchange or conversation {ident!r} in the log").format(ident=ident))
    exchanges = log.exchanges_of(conversation.id)
    if as_json:
        body = {**conversation.to_json(), "exchanges": [e.to_json() for e in exchanges]}
        print(json_text(body, indent=2))
        return 0
    _print_conversation(conversation, exchanges)
    return 0


def _print_conversation(conversation: ConversationInfo, exchanges: list[Exchange]) -> None:
    _print(f"Conversation {conversation.id}: {conversation.title or '(empty)'}")
    _print(f"started {conversation.created}, now {conversation.model} via {conversation.api}")
    if conversation.system:
        _print(f"system: {conversation.system}")
    if conversation.options:
        _print("options: " + ", ".join(f"{k}={v}" for k, v in conversation.options.items()))
    if conversation.request_extra:
        _print("extra: " + json_text(conversation.request_extra))
    for exchange in exchanges:
        print()
        _print_full(exchange, with_settings=False)


def _print_full(exchange: Exchange, with_settings: bool = True) -> None:
    import json
    import sys

    from r9s.cli.common import interact

    print(interact.bold(for_stdout(header(exchange)), sys.stdout))
    if with_settings and exchange.system:
        _print(f"system: {exchange.system}")
    if with_settings and exchange.options:
        _print("options: " + ", ".join(f"{k}={v}" for k, v in exchange.options.items()))
    if with_settings and exchange.request_extra:
        _print("extra: " + json_text(exchange.request_extra))
    for attachment in exchange.attachments:
        _print(f"attached: {_describe_attachment(attachment)}")
    if exchange.prompt is not None:
        _print("> " + exchange.prompt.replace("\n", "\n> "))
    if exchange.response is not None:
        print()
        _print(exchange.response)
    if exchange.interrupted:
        _print("(interrupted)")
    for call in exchange.tool_calls or []:
        arguments = call.get("arguments") or ""
        _print(f"tool call {call.get('id') or ''}: {call.get('name')}({arguments})")
    for result in exchange.tool_results or []:
        failed = " (error)" if result.get("is_error") else ""
        _print(f"tool result {result.get('id') or ''}{failed}: {result.get('output')}")
    if exchange.parsed is not None:
        _print("parsed: " + json.dumps(exchange.parsed, ensure_ascii=False))
    if exchange.error:
        _print(f"error: {exchange.error}")


def _describe_attachment(attachment: dict[str, Any]) -> str:
    if "name" in attachment:  # a file: {type, name, mime, size, data}
        kind, mime, size = attachment.get("type"), attachment.get("mime"), attachment.get("size")
        return f"{kind} {attachment['name']} ({mime}, {size or 0:,} bytes)"
    url = str(attachment.get("url", ""))
    if url.startswith("data:"):
        head, _sep, data = url.partition(",")
        size = len(data) * 3 // 4
        return f"{attachment.get('type', 'file')} ({head[5:].split(';')[0]}, {size:,} bytes)"
    return f"{attachment.get('type', 'file')} {url}"


def _remove(log: Any, args: argparse.Namespace) -> int:
    from r9s.cli.common import interact
    from r9s.cli.common.errors import UsageError

    if args.all == bool(args.idents):
        raise UsageError(_("give exchange numbers or conversation ids, or --all"))
    if args.all:
        conversations, exchanges = log.count()
        if not args.yes:
            if not interact.is_interactive():
                raise interact.NotInteractive(_("r9s logs rm --all asks first: add --yes"))
            question = f"Delete all {exchanges} exchanges of {conversations} conversations?"
            if not interact.confirm(question, default=False):
                interact.say(_("Nothing deleted."))
                return 1
        log.delete_all()
        interact.say(
            _("Deleted {exchanges} exchanges of {conversations} conversations.").format(
                exchanges=exchanges, conversations=conversations
            )
        )
        return 0
    # check them all first: one typo deletes nothing
    targets: list[tuple[str, Any]] = []
    for ident in args.idents:
        number = ident.removeprefix("#")
        if number.isdigit():
            if log.exchange(int(number)) is None:
                raise UsageError(
                    _("no exchange #{number} in the log; nothing deleted").format(number=number)
                )
            targets.append(("exchange", int(number)))
        else:
            found = log.conversation(ident)
            if found is None:
                raise UsageError(
                    _("no exchange or conversation {ident!r}; nothing deleted").format(ident=ident)
                )
            targets.append(("conversation", found.id))
    for kind, key in targets:
        if kind == "exchange":
            log.delete_exchange(key)
            interact.say(_("Deleted exchange #{key}.").format(key=key))
        else:
            count = log.delete_conversation(key)
            interact.say(
                _("Deleted conversation {key} ({count} exchanges).").format(key=key, count=count)
            )
    return 0
