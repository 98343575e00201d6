"""``r9s usage``: tokens (and cost, where the router reports it) by day and model, from the log."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from typing import Any

from r9s.cli.commands.logs import add_model_and_since
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
Sums what the log holds (~/.r9s/log.db): exchanges, tokens in and out and, when the
router reports it (usage.cost), the cost, by local day and model, then by model. The
default is the last 30 days. Chats run with --no-log or while `r9s logs off` are not
counted.

examples:
  r9s usage                        the last 30 days
  r9s usage --since 2025-06-01 --model 'gpt-*'
  r9s usage --all --json | jq '.total'
""")

DEFAULT_SINCE = "30d"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    add_model_and_since(parser)
    parser.add_argument("--all", action="store_true", help=_("everything in the log"))
    parser.add_argument("--json", action="store_true", help=_("as JSON"))


@dataclass
class Total:
    model: str
    exchanges: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float | None = None  # None: no cost reported
    priced: int = 0  # exchanges whose cost was reported

    def add(self, row: Any) -> None:
        self.exchanges += row.exchanges
        self.input_tokens += row.input_tokens
        self.output_tokens += row.output_tokens
        self.priced += row.priced
        if row.cost is not None:
            self.cost = (self.cost or 0.0) + row.cost


def run(args: argparse.Namespace) -> int:
    import json

    from r9s.cli.chat.history import open_user_log
    from r9s.cli.commands.logs import filters_of
    from r9s.cli.common import interact
    from r9s.cli.common.errors import UsageError

    if args.all and args.since:
        raise UsageError(_("--all and --since: give one of them"))
    if not args.all and not args.since:
        args.since = DEFAULT_SINCE
    with open_user_log() as log:
        rows = log.usage(filters_of(args))
    models: dict[str, Total] = {}
    total = Total("total")
    for row in rows:
        models.setdefault(row.model, Total(row.model)).add(row)
        total.add(row)
    if args.json:
        body = {
            "since": args.since,
            "days": [row.to_json() for row in rows],
            "models": [asdict(entry) for entry in models.values()],
            "total": asdict(total),
        }
        print(json.dumps(body, indent=2))
        return 0
    if not rows:
        interact.say(_("Nothing in the log for that period."))
        return 0
    lines = [("day", "model", "exchanges", "tokens in", "tokens out", "cost")]
    lines += [(row.day, *_cells(Total(row.model, row.exchanges, row.input_tokens,
                                      row.output_tokens, row.cost, row.priced)))
              for row in rows]  # fmt: skip
    lines.append(("",) * 6)
    lines += [("", *_cells(entry)) for entry in [*models.values(), total]]
    widths = [max(len(line[i]) for line in lines) for i in range(6)]
    for line in lines:
        cells = [c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(line)]
        print("  ".join(cells).rstrip())
    if 0 < total.priced < total.exchanges:
        print(_("* the router reported the cost of only some of these exchanges"))
    return 0


def _cells(entry: Total) -> tuple[str, str, str, str, str]:
    cost = "-"
    if entry.cost is not None:
        cost = f"{entry.cost:.4f}" + ("*" if entry.priced < entry.exchanges else "")
    return (
        entry.model,
        f"{entry.exchanges:,}",
        f"{entry.input_tokens:,}",
        f"{entry.output_tokens:,}",
        cost,
    )
