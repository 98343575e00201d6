"""``r9s set TOOL``: point a coding tool's config files at r9s, with a backup first."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import Any

from r9s.cli.commands._args import add_target_arguments, add_tool_argument
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
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
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from r9s.cli.tools._docs import help_table

    parser.epilog = _(EPILOG).format(files=help_table(lambda tool: tool.writes.help))
    add_tool_argument(parser, optional=True)
    add_target_arguments(parser)
    parser.add_argument("-y", "--yes", action="store_true", help=_("ask nothing; write at once"))
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=_("print the diff that would be applied; write nothing"),
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help=_("replace a malformed file (backed up first); write a rejected key"),
    )
    parser.add_argument(
        "--profile-only",
        action="store_true",
        help=_("Codex: only the profile (codex --profile r9s); your default stays"),
    )


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from r9s._config import mask_key
    from r9s.cli.common import interact
    from r9s.cli.common.files import diff, display
    from r9s.cli.common.interact import NotInteractive, say
    from r9s.cli.common.terminal import pad, printable
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
            _(
                "stdin is not a terminal, so r9s set cannot ask or confirm; pass --yes "
                "(with --api-key/--model or R9S_API_KEY/R9S_MODEL), or --dry-run to preview"
            )
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
    say(
        _("  base URL     {base_url} ({source})").format(
            base_url=printable(target.base_url), source=_source(sources["base_url"])
        )
    )
    say(
        _("  API key      {api_key} ({source})").format(
            api_key=mask_key(target.api_key), source=_source(sources["api_key"])
        )
    )
    say(
        _("  model        {model} ({source})").format(
            model=printable(target.model), source=_source(sources["model"])
        )
    )
    if tool.uses_small_model:
        say(_("  small model  {small_model}").format(small_model=printable(target.small_model)))
    for slot in tool.slots:
        if slot.name in target.slots:
            model = printable(target.slots[slot.name])
            label = _("{slot} model").format(slot=slot.name)
            say(f"  {pad(label, 12)} {model} ({slot.setting})")
    if target.reasoning_effort:
        say(_("  reasoning    {reasoning_effort}").format(reasoning_effort=target.reasoning_effort))
    for change in changes:
        if change.mode_changed:
            state = _("permissions {old:o} -> {new:o}").format(
                old=change.before.mode, new=change.mode
            )
        elif not change.changed:
            state = _("unchanged")
        else:
            state = _("update") if change.before.exists else _("create")
        say(
            _("  file         {display} ({state})").format(
                display=display(change.path), state=state
            )
        )
        for note in change.notes:
            say(
                _("  note         {display}: {note}").format(
                    display=display(change.path), note=note
                )
            )
        for replaced in change.replaced:
            say(_("  replaces     {replaced}").format(replaced=printable(replaced)))

    if args.dry_run:
        from r9s.cli.common.terminal import for_stdout

        secrets = [target.api_key, *file_secrets(tool, changes)]
        patches = [diff(c.before, c.after.decode(), *secrets) for c in changes if c.after]
        print(for_stdout("".join(patches)), end="")
        changing = any(change.changed for change in changes)
        say(_("dry run: nothing was written") if changing else _("dry run: nothing would change"))
        return 0
    if not any(change.changed for change in changes):
        say(_("Already set: nothing to change."))
        return 0
    if interactive and not interact.confirm(_("Write these changes?")):
        say(_("Nothing was written."))
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
        if backup:
            say(
                _("Wrote {path} (backup {backup})").format(
                    path=display(change.path), backup=display(backup)
                )
            )
        else:
            say(_("Wrote {path} (it did not exist before)").format(path=display(change.path)))
    for note in tool.warnings([state.values for state in read_configs(tool, home, environ)]):
        say(_("Note: {note}").format(note=note))
    say(_("Undo with: r9s reset {name}").format(name=tool.name))
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
    if source.startswith("kept"):
        return _(source)  # N_() marked where it is set (tools/_target.py)
    said = {
        "chosen": _("chosen"),
        "the best listed": _("the best listed"),
        "default": _("the default"),
        "prompt": _("typed"),
    }
    return said.get(source) or _("from {source}").format(source=source)
