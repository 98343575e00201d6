"""``r9s set TOOL``: point a coding tool's config files at r9s, with a backup first."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import Any

from r9s.cli.commands._args import add_target_arguments, add_tool_argument

EPILOG = """\
The key and base URL come from their flag, else R9S_API_KEY / R9S_BASE_URL (environment,
./.env, ~/.r9s/config.toml), else a question (key) or https://api.r9s.ai/v1. A key the
server rejects is not written (unless --force). Each model (main, small, slots) is its
flag, else the tool's current r9s model (set again to rotate a key keeps them), else
R9S_MODEL, else the best the server lists; on a terminal you pick the main model unless
--model is given. The summary says where each value came from and what of yours it
replaces. Files are backed up to ~/.r9s/backup/<tool>/ first; `r9s reset TOOL` undoes.

files written:
{files}
examples:
  r9s set claude-code                                  ask for the key, pick a model
  r9s set codex --yes --model gpt-4o                   no questions (key from R9S_API_KEY)
  r9s set codex --profile-only --reasoning-effort high   only `codex --profile r9s`
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
        "--force",
        action="store_true",
        help="replace a malformed file (backed up first); write a rejected key",
    )
    parser.add_argument(
        "--profile-only",
        action="store_true",
        help="Codex: only the profile (codex --profile r9s); your default stays",
    )


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from r9s._config import mask_key
    from r9s.cli.common import interact
    from r9s.cli.common.files import diff, display
    from r9s.cli.common.interact import NotInteractive, say
    from r9s.cli.common.terminal import printable
    from r9s.cli.tools._configure import (
        apply_set,
        backups_for,
        file_secrets,
        plan_set,
        read_configs,
    )
    from r9s.cli.tools._target import pick_tool, resolve_target

    interactive = not args.yes and interact.is_interactive()
    if not interactive and not args.yes and not args.dry_run:
        raise NotInteractive(
            "stdin is not a terminal, so r9s set cannot ask or confirm; pass --yes "
            "(with --api-key/--model or R9S_API_KEY/R9S_MODEL), or --dry-run to preview"
        )
    tool = pick_tool(args.tool, interactive)
    home, environ = Path.home(), os.environ
    with _offering_force():
        # A file r9s cannot edit is refused before anything is asked or sent.
        plan_set(tool, _placeholder(), home, environ, force=args.force)
    states = read_configs(tool, home, environ)
    current = tool.inspect([state.values for state in states], environ)
    target, sources = resolve_target(
        tool, args, interactive, offer_models=True, current=current, check_key=True
    )
    with _offering_force():
        changes = plan_set(tool, target, home, environ, force=args.force)

    say(interact.bold(f"{tool.title} ({tool.name}) -> r9s"))
    say(f"  base URL     {printable(target.base_url)} ({_source(sources['base_url'])})")
    say(f"  API key      {mask_key(target.api_key)} ({_source(sources['api_key'])})")
    say(f"  model        {printable(target.model)} ({_source(sources['model'])})")
    if tool.uses_small_model:
        say(f"  small model  {printable(target.small_model)}")
    for slot in tool.slots:
        if slot.name in target.slots:
            model = printable(target.slots[slot.name])
            say(f"  {slot.name + ' model':<12} {model} ({slot.setting})")
    if target.reasoning_effort:
        say(f"  reasoning    {target.reasoning_effort}")
    for change in changes:
        state = (
            "unchanged" if not change.changed else "update" if change.before.exists else "create"
        )
        if change.mode_changed:
            state = f"permissions {change.before.mode:o} -> {change.mode:o}"
        say(f"  file         {display(change.path)} ({state})")
        for note in change.notes:
            say(f"  note         {display(change.path)}: {note}")
        for replaced in change.replaced:
            say(f"  replaces     {printable(replaced)}")

    if args.dry_run:
        from r9s.cli.common.terminal import for_stdout

        secrets = [target.api_key, *file_secrets(tool, changes)]
        patches = [diff(c.before, c.after.decode(), *secrets) for c in changes if c.after]
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
    for note in tool.warnings([state.values for state in read_configs(tool, home, environ)]):
        say(f"Note: {note}")
    say(f"Undo with: r9s reset {tool.name}")
    return 0


def _placeholder() -> Any:
    from r9s.cli.tools._base import Target

    return Target("http://127.0.0.1/v1", "key", "model", "model")


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
    if source in ("chosen", "the best listed") or source.startswith("kept"):
        return source
    if source == "default":
        return "the default"
    return "typed" if source == "prompt" else f"from {source}"
