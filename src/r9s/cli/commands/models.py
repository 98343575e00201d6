"""``r9s models``: the models the router serves."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments

EPILOG = """\
A table of id, owner and creation date on a terminal; one id per line when piped (for
scripts); --json prints the API's list.

examples:
  r9s models
  r9s models --filter claude
  r9s models --details --filter gpt-5
  r9s models --json | jq -r '.data[].id'
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("-f", "--filter", metavar="TEXT", help="only ids containing TEXT")
    parser.add_argument("--details", action="store_true", help="every field the router sends")
    parser.add_argument("--json", action="store_true", help="the list as JSON")
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import sys
    from datetime import UTC, datetime

    from r9s.cli.common.api import client, connection, fetch_models
    from r9s.cli.common.terminal import json_text, printable

    conn = connection(args.api_key, args.base_url)
    with client(conn, timeout=args.timeout) as r9s:
        models = fetch_models(r9s)
    if args.filter:
        needle = args.filter.lower()
        models = [m for m in models if needle in m.id.lower()]
    models.sort(key=lambda m: m.id)
    if args.json:
        data = [
            {"id": m.id, "object": "model", "created": m.created, "owned_by": m.owned_by, **m.extra}
            for m in models
        ]
        print(json_text({"object": "list", "data": data}, indent=2))
        return 0

    def created(value: int | None) -> str:
        if not value:
            return ""
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d")

    if not sys.stdout.isatty() and not args.details:
        for model in models:
            print(printable(model.id))
        return 0
    extra_keys = sorted({key for m in models for key in m.extra}) if args.details else []
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("id", "owner", "created", *extra_keys):
        table.add_column(column, overflow="fold")
    for model in models:
        extras = [printable(_cell(model.extra.get(key))) for key in extra_keys]
        cells = (model.id, model.owned_by, created(model.created), *extras)
        table.add_row(*(printable(cell) for cell in cells))
    console.print(table)
    if sys.stderr.isatty():
        print(f"{len(models)} model{'s' if len(models) != 1 else ''}", file=sys.stderr)
    return 0


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
