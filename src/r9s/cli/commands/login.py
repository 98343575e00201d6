"""``r9s login``: check an API key against ``GET /models``, then store it."""

from __future__ import annotations

import argparse

from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
The key is asked for (hidden) on a terminal, or read from stdin when piped. It is stored
in ~/.r9s/config.toml (mode 0600) only after the server accepted it; --base-url is
stored too. The environment (R9S_API_KEY) and ./.env still win over the file.

examples:
  r9s login
  echo "$KEY" | r9s login
  r9s login --base-url http://127.0.0.1:8765 --api-key sk-local
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    parser.add_argument("--api-key", metavar="KEY", help=_("the key (default: ask, or read stdin)"))
    parser.add_argument("--base-url", metavar="URL", help=_("the server to check it against"))


def run(args: argparse.Namespace) -> int:
    import sys

    from r9s._config import mask_key
    from r9s.cli.common import interact
    from r9s.cli.common.api import ModelListError, list_models
    from r9s.cli.common.config_file import set_values, warn_shadowed
    from r9s.cli.common.settings import base_url

    base, _source = base_url(args.base_url)
    assert base is not None
    key = (args.api_key or "").strip()
    if not key:
        if interact.is_interactive():
            key = interact.ask_secret(_("r9s API key (for {base}, hidden): ").format(base=base))
        elif sys.stdin is not None:
            key = sys.stdin.readline().strip()
    if not key:
        interact.error(_("no key given: pass --api-key, pipe it, or run on a terminal"))
        return 2
    try:
        models = list_models(base, key)
    except ModelListError as exc:
        interact.error(_("the key was not stored: {exc}").format(exc=exc))
        return 1
    values = {"api_key": key}
    if args.base_url:
        values["base_url"] = base
    path = set_values(values)
    from r9s.cli.common.files import display

    interact.say(
        _("Logged in to {base} with {key} ({count} models); saved in {display}").format(
            base=base, key=mask_key(key), count=len(models), display=display(path)
        )
    )
    warn_shadowed("api_key")
    if args.base_url:
        warn_shadowed("base_url")
    return 0
