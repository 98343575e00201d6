"""``r9s config``: show or edit ``~/.r9s/config.toml``."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import subcommands
from r9s.cli.common.i18n import N_, _
from r9s.cli.common.settings import CONFIG_KEYS, normalize_key

EPILOG = f"""\
settings: {", ".join(CONFIG_KEYS)}. Where a value comes from, highest first: a flag,
the environment (R9S_API_KEY, R9S_BASE_URL, R9S_MODEL), ./.env (unless R9S_NO_DOTENV=1),
~/.r9s/config.toml. `list` and `get` show the value in effect and where it comes from.

examples:
  r9s config set model claude-sonnet-4-5
  r9s config get model
  r9s config list
  r9s config unset base_url
  r9s config path
"""


EXAMPLES = {
    "set": N_("""\
examples:
  r9s config set model claude-sonnet-4-5
  r9s config set base_url http://127.0.0.1:8765    stored as http://127.0.0.1:8765/v1
"""),
    "get": N_("""\
examples:
  r9s config get model
  r9s config get api_key --show-key                 the key itself, for a script
"""),
    "list": N_("""\
examples:
  r9s config list
  R9S_NO_DOTENV=1 r9s config list                   as if there were no ./.env
"""),
    "unset": N_("""\
examples:
  r9s config unset base_url                         back to https://api.r9s.ai/v1
"""),
    "path": N_("""\
examples:
  r9s config path
  "$EDITOR" "$(r9s config path)"
"""),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    action = subcommands(parser, EXAMPLES)

    def add_key(child: argparse.ArgumentParser) -> None:
        # api-key and API_KEY name api_key too
        child.add_argument("key", metavar="KEY", type=normalize_key, choices=list(CONFIG_KEYS))

    setter = action("set", "store a setting")
    add_key(setter)
    setter.add_argument("value", metavar="VALUE")
    getter = action("get", "the value in effect")
    add_key(getter)
    getter.add_argument("--show-key", action="store_true", help=_("print the API key unmasked"))
    lister = action("list", "every setting and its source")
    lister.add_argument("--show-key", action="store_true", help=_("print the API key unmasked"))
    unsetter = action("unset", "remove a setting from the file")
    add_key(unsetter)
    action("path", "where the file is")


def run(args: argparse.Namespace) -> int:
    from r9s._config import DEFAULT_BASE_URL, mask_key
    from r9s.cli.common import interact
    from r9s.cli.common.config_file import normalize_value, set_values, unset, warn_shadowed
    from r9s.cli.common.files import display
    from r9s.cli.common.settings import CONFIG_KEYS, config_path, resolve

    if args.action == "path":
        print(config_path())
        return 0
    if args.action == "set":
        stored = normalize_value(args.key, args.value)  # what the file will hold
        path = set_values({args.key: stored})
        shown = mask_key(stored) if args.key == "api_key" else stored
        interact.say(
            _("{key} = {shown} (in {display})").format(
                key=args.key, shown=shown, display=display(path)
            )
        )
        warn_shadowed(args.key)
        return 0
    if args.action == "unset":
        path = unset(args.key)
        interact.say(_("{key} removed from {display}").format(key=args.key, display=display(path)))
        return 0

    def effective(key: str) -> tuple[str | None, str]:
        from r9s.cli.tools._backups import DEFAULT_KEEP

        defaults = {"base_url": DEFAULT_BASE_URL, "backups": str(DEFAULT_KEEP)}
        default = defaults.get(key)
        value, source = resolve(None, CONFIG_KEYS[key], default)
        if value is not None and key == "api_key" and not args.show_key:
            value = mask_key(value)
        return value, source

    if args.action == "get":
        value, _source = effective(args.key)
        if value is None:
            return 1
        print(value)
        return 0
    for key in CONFIG_KEYS:
        value, source = effective(key)
        print(f"{key:<9} {value if value is not None else '(not set)'}  ({source})")
    return 0
