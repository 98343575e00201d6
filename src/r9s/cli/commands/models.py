"""``r9s models``: the models the router serves, and ``r9s models show MODEL``."""

from __future__ import annotations

import argparse
from typing import Any

from r9s.cli.commands._args import add_connection_arguments
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
A table of id, owner and creation date on a terminal; one id per line when piped (for
scripts); --json prints the API's list. -d adds the router's details: context length,
modality and endpoints (asked for with ?expand=...).

--filter TEXT keeps the ids containing TEXT. --filter FIELD=PATTERN (a glob; also
FIELD>=N, <=, >, <, !=) is a rule the router applies: FIELD is id, owned_by, or one of
the fields --expand adds (context_length, modality, endpoints, channels,
supported_parameters); rules add up.

examples:
  r9s models
  r9s models --filter claude
  r9s models -d --filter gpt-5
  r9s models -d --filter 'context_length>=200000' --filter 'endpoints=*messages*'
  r9s models --expand channels --filter 'channel=*open*'
  r9s models show claude-sonnet-4-5          one model: its details and the -o keys it takes
  r9s models --json | jq -r '.data[].id'
""")

SHOW_EPILOG = N_("""\
Everything the router says of the model, and the r9s chat -o keys it takes (when the
router lists its supported parameters).

examples:
  r9s models show gpt-4o-mini
  r9s models show claude-sonnet-4-5 --json
""")

EXPANDED = ("context_length", "modality", "endpoints", "channels", "supported_parameters")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    parser.add_argument(
        "-f",
        "--filter",
        action="append",
        metavar="TEXT|RULE",
        help=_("only ids containing TEXT, or a router rule FIELD=PATTERN (repeatable)"),
    )
    parser.add_argument(
        "-d",
        "--details",
        action="store_true",
        help=_("a table with context length, modality and endpoints (and every other field)"),
    )
    parser.add_argument(
        "--expand",
        metavar="FIELDS",
        help=_("ask the router for more fields, e.g. channels,supported_parameters"),
    )
    parser.add_argument("--json", action="store_true", help=_("the list as JSON"))
    add_connection_arguments(parser)
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    show = sub.add_parser(
        "show",
        help=_("one model's details and the -o keys it takes"),
        description=_("one model's details and the -o keys it takes"),
        epilog=_(SHOW_EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("model", metavar="MODEL", help=_("the model id"))
    show.add_argument("--json", action="store_true", help=_("the model's entry as JSON"))
    add_connection_arguments(show)


def _is_rule(text: str) -> bool:
    return any(op in text for op in ("=", ">", "<"))


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common.api import client, connection, fetch_models
    from r9s.cli.common.terminal import json_text

    if getattr(args, "action", None) == "show":
        return _show(args)
    filters = args.filter or []
    rules = [text for text in filters if _is_rule(text)]
    needles = [text.lower() for text in filters if not _is_rule(text)]
    expand = [name.strip() for name in (args.expand or "").split(",") if name.strip()]
    if args.details:
        expand = list(dict.fromkeys([*EXPANDED[:3], *expand]))
    conn = connection(args.api_key, args.base_url)
    with client(conn, timeout=args.timeout) as r9s:
        models = fetch_models(r9s, expand=expand, filters=rules)
    models = [m for m in models if all(needle in m.id.lower() for needle in needles)]
    models.sort(key=lambda m: m.id)
    if args.json:
        data = [_entry(model) for model in models]
        print(json_text({"object": "list", "data": data}, indent=2))
        return 0
    _print_table(models, args.details or bool(expand), expand)
    return 0


def _entry(model: Any) -> dict[str, Any]:
    return {
        "id": model.id,
        "object": "model",
        "created": model.created,
        "owned_by": model.owned_by,
        **model.extra,
    }


def _created(value: int | None) -> str:
    from datetime import UTC, datetime

    if not value:
        return ""
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d")


def _print_table(models: list[Any], details: bool, expand: list[str]) -> None:
    import sys

    from r9s.cli.common.i18n import ngettext
    from r9s.cli.common.terminal import printable

    if not sys.stdout.isatty() and not details:
        for model in models:
            print(printable(model.id))
        return
    extra_keys: list[str] = []
    if details:
        present = {key for m in models for key in m.extra}
        # the asked-for fields first, in that order, then any other the router sends
        extra_keys = [key for key in expand if key in present]
        extra_keys += sorted(present - set(extra_keys))
    from rich.console import Console
    from rich.table import Table

    # piped: as wide as the rows need, not folded into 80 columns
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 250)
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("id", no_wrap=True)
    for column in ("owner", "created", *extra_keys):
        table.add_column(column.replace("_", " "), overflow="fold")
    for model in models:
        extras = [_cell(model.extra.get(key), key) for key in extra_keys]
        cells = (model.id, model.owned_by, _created(model.created), *extras)
        table.add_row(*(printable(cell) for cell in cells))
    console.print(table)
    if sys.stderr.isatty():
        count = len(models)
        print(
            ngettext("{count} model", "{count} models", count).format(count=count),
            file=sys.stderr,
        )


def _cell(value: object, key: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        items = [str(item) for item in value]
        if key == "endpoints":  # /v1/chat/completions -> chat/completions
            items = [item.removeprefix("/v1/").lstrip("/") for item in items]
        return ", ".join(items)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _show(args: argparse.Namespace) -> int:
    from r9s.cli.common.api import client, connection, fetch_models
    from r9s.cli.common.errors import closest_models, remember
    from r9s.cli.common.terminal import json_text, printable

    remember(model=args.model)
    conn = connection(args.api_key, args.base_url)
    with client(conn, timeout=args.timeout) as r9s:
        models = fetch_models(r9s, expand=EXPANDED)
    found = next((m for m in models if m.id == args.model), None)
    if found is None:
        close = closest_models(args.model, [m.id for m in models])
        if close:
            message = _(
                "model {name!r} not found; did you mean: {close}? (`r9s models` lists them all)"
            ).format(name=args.model, close=", ".join(close))
        else:
            message = _("model {name!r} not found (`r9s models` lists them all)").format(
                name=args.model
            )
        from r9s.cli.common.errors import UsageError

        raise UsageError(message)
    if args.json:
        print(json_text(_entry(found), indent=2))
        return 0
    print(printable("\n".join(describe(found)), keep_lines=True))
    return 0


def describe(model: Any) -> list[str]:
    """``models show``: the model's fields, then the ``-o`` keys it takes (when the router
    lists its supported parameters; otherwise the keys r9s knows)."""
    from r9s.cli.common.options import OPTIONS, help_table

    rows = [
        (_("id"), model.id),
        (_("owner"), model.owned_by),
        (_("created"), _created(model.created)),
    ]
    rows += [
        (key.replace("_", " "), _cell(value, key))
        for key, value in model.extra.items()
        if key != "supported_parameters"
    ]
    width = max(len(label) for label, _value in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    lines.append("")
    supported = model.extra.get("supported_parameters")
    if not isinstance(supported, list):
        lines.append(_("The router does not say which parameters this model takes; -o takes:"))
        lines.append(help_table())
        return lines
    names = {str(name) for name in supported}
    takes = [
        option.name
        for option in OPTIONS
        if names & {option.name, *option.aliases, *_wire_names(option)}
    ]
    lines.append(_("r9s chat -o keys it takes (as the router lists them):"))
    lines.append("  " + (", ".join(takes) if takes else _("none")))
    # tools and response_format are what --functions and --schema send
    covered = {n for o in OPTIONS for n in (o.name, *o.aliases, *_wire_names(o))}
    others = sorted(names - covered - {"tools", "tool_choice", "response_format"})
    if others:
        lines.append(
            _("other parameters (send them with --extra): {names}").format(names=", ".join(others))
        )
    return lines


def _wire_names(option: Any) -> set[str]:
    """The names an option has on the wire (``thinking``, ``reasoning.effort``...)."""
    return {str(field).split(".")[0] for field in option.fields.values() if field}
