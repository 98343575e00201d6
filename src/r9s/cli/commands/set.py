"""``r9s set TOOL``: point a coding tool's config files at r9s, with a backup first."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from r9s.cli.commands._args import add_target_arguments, add_tool_argument

EPILOG = """\
The key and base URL come from their flag, else R9S_API_KEY / R9S_BASE_URL (environment,
./.env, ~/.r9s/config.toml), else a question (key) or https://api.r9s.ai/v1. On a terminal
you pick the model from the server's list unless --model is given; a model configured for
chat (R9S_MODEL, ./.env, config.toml) is only the default of that pick. With --yes nothing
is asked: --model, else the configured model, else the best the server lists for the tool.
The summary says where each value came from. Every file is backed up to
~/.r9s/backup/<tool>/ first; `r9s reset TOOL` undoes the change.

files written:
{files}
examples:
  r9s set claude-code                                  ask for the key, pick a model
  r9s set codex --yes --model gpt-4o                   no questions (key from R9S_API_KEY)
  r9s set qwen --dry-run --api-key KEY --model qwen-plus   show the diff, write nothing
  r9s set opencode --base-url http://127.0.0.1:8765 --yes  a local server
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from r9s.cli.tools._docs import help_table

    parser.epilog = EPILOG.format(files=help_table(lambda tool: tool.writes.help))
    add_tool_argument(parser, optional=True)
    add_target_arguments(parser)
    parser.add_argument("-y", "--yes", action="store_true", help="ask nothing; write at once")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the diff that would be applied; write nothing"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace a malformed file (after backing it up)"
    )


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from r9s._config import mask_key
    from r9s.cli.common import interact
    from r9s.cli.common.files import diff, display
    from r9s.cli.common.interact import NotInteractive, say
    from r9s.cli.common.terminal import printable
    from r9s.cli.tools._configure import apply_set, backups_for, plan_set
    from r9s.cli.tools._target import pick_tool, resolve_target

    interactive = not args.yes and interact.is_interactive()
    if not interactive and not args.yes and not args.dry_run:
        raise NotInteractive(
            "stdin is not a terminal, so r9s set cannot ask or confirm; pass --yes "
            "(with --api-key/--model or R9S_API_KEY/R9S_MODEL), or --dry-run to preview"
        )
    tool = pick_tool(args.tool, interactive)
    target, sources = resolve_target(tool, args, interactive, offer_models=True)
    home, environ = Path.home(), os.environ
    with _offering_force():
        changes = plan_set(tool, target, home, environ, force=args.force)

    say(interact.bold(f"{tool.title} ({tool.name}) -> r9s"))
    say(f"  base URL     {printable(target.base_url)} ({_source(sources['base_url'])})")
    say(f"  API key      {mask_key(target.api_key)} ({_source(sources['api_key'])})")
    say(f"  model        {printable(target.model)} ({_source(sources['model'])})")
    if tool.uses_small_model:
        say(f"  small model  {printable(target.small_model)}")
    for change in changes:
        state = (
            "unchanged" if not change.changed else "update" if change.before.exists else "create"
        )
        if change.mode_changed:
            state = f"permissions {change.before.mode:o} -> {change.mode:o}"
        say(f"  file         {display(change.path)} ({state})")
        for note in change.notes:
            say(f"  note         {display(change.path)}: {note}")

    if args.dry_run:
        patches = [diff(c.before, c.after.decode(), target.api_key) for c in changes if c.after]
        from r9s.cli.common.terminal import for_stdout

        print(for_stdout("".join(patches)), end="")
        changing = any(change.changed for change in changes)
        say("dry run: nothing was written" if changing else "dry run: nothing would change")
        return 0
    if not any(change.changed for change in changes):
        say("Already set: nothing to change.")
        return 0
    if interactive and not interact.confirm("Write these changes?"):
        say("Nothing was written.")
        return 1
    with _offering_force():
        operation, written = apply_set(
            tool, target, home, environ, force=args.force, planned=changes
        )
    backups = backups_for(tool, home)
    saved = {s.path: s for s in operation.files} if operation else {}
    for change in written:
        record = saved.get(str(change.path))
        backup = backups.backup_path(record) if record else None
        where = f"backup {display(backup)}" if backup else "it did not exist before"
        say(f"Wrote {display(change.path)} ({where})")
    from r9s.cli.tools._configure import read_configs

    for note in tool.warnings([state.values for state in read_configs(tool, home, environ)]):
        say(f"Note: {note}")
    say(f"Undo with: r9s reset {tool.name}")
    return 0


@contextlib.contextmanager
def _offering_force() -> Iterator[None]:
    """A malformed file's message offers --force here, the one command that has it."""
    from r9s.cli.common.files import MalformedFile

    try:
        yield
    except MalformedFile as exc:
        raise exc.suggesting_force() from None


def _source(source: str) -> str:
    """Where a value came from, for the summary."""
    if source in ("chosen", "the best listed"):
        return source
    if source == "default":
        return "the default"
    return "typed" if source == "prompt" else f"from {source}"
