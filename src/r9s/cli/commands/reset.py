"""``r9s reset TOOL``: restore a tool's files from a backup that ``set`` (or ``reset``) made."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from r9s.cli.commands._args import add_tool_argument, tools_line
from r9s.cli.common.i18n import N_, _

if TYPE_CHECKING:
    from r9s.cli.tools._backups import Backups, Operation, SavedFile
    from r9s.cli.tools._configure import Change, Drift

EPILOG = N_("""\
Backups live in ~/.r9s/backup/<tool>/. Each entry is the state of the tool's files just
before a `set` or a `reset`; restoring it brings the files back byte for byte, and removes
files that did not exist then. The current files are backed up first, so running
`r9s reset TOOL` twice undoes the reset. After several `set`s, `--original` goes back to
before r9s first changed the tool (a file that did not exist then is removed).

When a file changed after r9s wrote it (you edited it, or the tool did), reset says so and
shows the change before anything is written; it then asks, or with --yes needs --force
(the changed file is backed up first either way). Each tool keeps the original state and
the last 10 changes (`r9s config set backups N`, or R9S_BACKUPS).

{tools}
examples:
  r9s reset claude-code               restore the newest backup (undo the last change)
  r9s reset claude-code --original    back to before r9s first touched Claude Code
  r9s reset --list                    every tool's backups, newest first
  r9s reset codex --backup 2 --yes    the second newest, without asking
  r9s reset gemini --backup ~/.r9s/backup/gemini-cli/.env.20260101-120000-000000.bak
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG).format(tools=tools_line())
    add_tool_argument(parser, optional=True)
    parser.add_argument("--list", action="store_true", help=_("list the backups, newest first"))
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--backup", metavar="N|PATH", help=_("which backup: its number in --list, or a .bak file")
    )
    which.add_argument(
        "--original",
        action="store_true",
        help=_("the state before r9s first changed the tool (files it created are removed)"),
    )
    parser.add_argument("-y", "--yes", action="store_true", help=_("restore without asking"))
    parser.add_argument(
        "--force",
        action="store_true",
        help=_("with --yes: restore even files changed since r9s wrote them (backed up first)"),
    )
    parser.add_argument(
        "--dry-run", action="store_true", help=_("print the diff that would be applied")
    )


@dataclass(frozen=True)
class Restore:
    """What a reset brings back: which files, from when, in words."""

    files: list[SavedFile]
    created_dirs: list[str]
    state: str  # "the state before `set` of 2026-01-01 12:00:00"
    operation: Operation | None  # the one restored (None: --original, several)


class ChangedSinceSet(Exception):
    """Files changed after r9s wrote them, and nothing allows throwing that away."""


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common import interact
    from r9s.cli.common.files import MalformedFile, diff, display
    from r9s.cli.common.interact import NotInteractive, say
    from r9s.cli.tools import all_tools, find
    from r9s.cli.tools._backups import keep_setting
    from r9s.cli.tools._configure import (
        apply_restore,
        backups_for,
        changed_since,
        file_secrets,
        plan_restore,
    )

    home = Path.home()
    interactive = not args.yes and interact.is_interactive()
    tools = [find(args.tool)] if args.tool else all_tools()
    # One tool's unreadable manifest must not hide the others' backups.
    history: dict[str, list[Operation]] = {}
    unreadable: list[MalformedFile] = []
    for tool in tools:
        assert tool is not None
        try:
            history[tool.name] = backups_for(tool, home).operations()
        except MalformedFile as exc:
            if args.tool:
                raise
            unreadable.append(exc)
    for broken in unreadable:
        interact.warn(
            _("{reason}: its backups are not listed ({hint})").format(
                reason=broken.reason, hint=broken.hint
            )
        )
    with_backups = [t for t in tools if t is not None and history.get(t.name)]

    if args.list:
        if not with_backups and not unreadable:
            say(_("No backups yet (r9s set makes one before every change)."))
        else:
            say(
                _("Each tool keeps its original state and the last {keep_setting} changes.").format(
                    keep_setting=keep_setting()
                )
            )
        for tool in with_backups:
            _print_list(tool.name, backups_for(tool, home), display)
        return 1 if unreadable else 0
    if not interactive and not args.yes and not args.dry_run:
        raise NotInteractive(
            _(
                "stdin is not a terminal, so r9s reset cannot confirm; pass --yes, "
                "or --dry-run to preview"
            )
        )
    if not with_backups:
        say(_("No backups for {value}: nothing to restore.").format(value=args.tool or "any tool"))
        return 1
    if args.tool is None:
        if not interactive:
            raise NotInteractive(
                _("name a tool: {known}").format(known=", ".join(t.name for t in with_backups))
            )
        names = [t.name for t in with_backups]
        chosen = interact.choose(_("Tool to reset"), names, allow_other=False)
        tool = next(t for t in with_backups if t.name == chosen)
    else:
        tool = with_backups[0]

    backups = backups_for(tool, home)
    restore = _select(backups, args.backup, args.original)
    say(interact.bold(f"Restore {tool.title} ({tool.name}) to {restore.state}"))
    changes = plan_restore(backups, restore.files)
    for change in changes:
        what = "restore" if change.after is not None else "remove (it did not exist then)"
        state = what if change.changed else "unchanged"
        say(f"  {display(change.path)}: {state}")
    drifts = [
        drift
        for drift in changed_since(backups, [saved.path for saved in restore.files])
        if any(c.path == drift.path and c.changed for c in changes)
    ]
    secrets = file_secrets(tool, changes, drifts)
    for drift in drifts:
        _show_drift(drift, display, diff, secrets)
    if args.dry_run:
        from r9s.cli.common.terminal import for_stdout

        patches = "".join(diff(c.before, _text(c.after), *secrets) for c in changes)
        print(for_stdout(patches), end="")
        say(_("dry run: nothing was written"))
        return 0
    if not any(change.changed for change in changes):
        say(_("The files already match this backup: nothing to do."))
        return 0
    if drifts and not args.force:
        if not interactive:
            changed = ", ".join(display(drift.path) for drift in drifts)
            raise ChangedSinceSet(
                _(
                    "{changed} changed after r9s wrote it; nothing was written (pass --force "
                    "with --yes to restore anyway: the changed file is backed up first)"
                ).format(changed=changed)
            )
        if not interact.confirm(
            _("Restore anyway, replacing these changes? (the changed file is backed up first)"),
            default=False,
        ):
            say(_("Nothing was changed."))
            return 1
    elif interactive and not drifts and not interact.confirm(_("Restore?")):
        say(_("Nothing was changed."))
        return 1
    seen = {change.path: change.before.data for change in changes}
    saved_now, written = apply_restore(backups, restore.files, home, restore.created_dirs, seen)
    _report(tool.name, restore, backups, saved_now, written, drifts, display)
    return 0


def _select(backups: Backups, choice: str | None, original: bool) -> Restore:
    """What to restore: the newest operation, the one ``--backup`` names (by number, or
    one file by its .bak), or each file's original state."""
    operations = backups.operations()
    if original:
        originals = backups.originals()
        first = min(o.operation.time for o in originals)
        dirs = sorted({d for op in operations for d in op.created_dirs}, key=len, reverse=True)
        return Restore(
            [o.saved for o in originals],
            dirs,
            f"its original state, before r9s first changed it ({_when_text(first)})",
            None,
        )
    if not choice:
        operation, files = operations[0], operations[0].files
    elif choice.isdigit():
        number = int(choice)
        if not 1 <= number <= len(operations):
            raise ValueError(
                _("--backup {choice}: there are {count} backups (--list)").format(
                    choice=choice, count=len(operations)
                )
            )
        operation, files = operations[number - 1], operations[number - 1].files
    else:
        wanted = os.path.realpath(os.path.expanduser(choice))
        found = [
            (op, saved)
            for op in operations
            for saved in op.files
            if saved.backup
            and os.path.realpath(backups.backup_path(saved) or "") == os.path.realpath(wanted)
        ]
        if not found:
            raise ValueError(
                _("--backup {choice}: not one of this tool's backups (see --list)").format(
                    choice=choice
                )
            )
        operation, files = found[0][0], [found[0][1]]
    state = f"the state before `{operation.command}` of {_when(operation)}"
    return Restore(files, operation.created_dirs, state, operation)


def _show_drift(
    drift: Drift, display: Callable[[Path], str], diff: Callable[..., str], secrets: list[str]
) -> None:
    from r9s.cli.common.interact import say, warn

    name = display(drift.path)
    when = f"`{drift.operation.command}` of {_when(drift.operation)}"
    if drift.current.data is None:
        warn(_("{name} was removed after r9s wrote it ({when})").format(name=name, when=when))
        return
    warn(
        _("{name} changed after r9s wrote it ({when}): restoring replaces these changes").format(
            name=name, when=when
        )
    )
    before = None if drift.written is None else drift.written.decode("utf-8", "replace")
    patch = diff(
        before,
        drift.current.text(),
        *secrets,
        name=f"{name} (as r9s wrote it)",
        new_name=f"{name} (now)",
    )
    from r9s.cli.common.terminal import printable

    for line in printable(patch, keep_lines=True).splitlines():
        say(f"  {line}")


def _report(
    tool: str,
    restore: Restore,
    backups: Backups,
    saved_now: Operation | None,
    written: list[Change],
    drifts: list[Drift],
    display: Callable[[Path], str],
) -> None:
    from r9s.cli.common.interact import say

    current: dict[str, SavedFile] = {s.path: s for s in saved_now.files} if saved_now else {}
    changed = {drift.path for drift in drifts}
    for change in written:
        done = "restored" if change.after is not None else "removed (it did not exist then)"
        record = current.get(str(change.path))
        backup = backups.backup_path(record) if record else None
        replaced = "the replaced file"
        if change.path in changed:
            replaced += ", with the changes made after r9s wrote it,"
        kept = f"; {replaced} is in {display(backup)}" if backup else ""
        say(f"{display(change.path)}: {done}{kept}")
    say(_("Restored {tool} to {state}.").format(tool=tool, state=restore.state))
    earlier = _written_by_r9s(backups, restore)
    if earlier is not None:
        say(
            _(
                "Note: that state is itself r9s's, from `{command}` of {when}; "
                "`r9s reset {tool} --original` goes back to before r9s first changed {tool}."
            ).format(command=earlier.command, when=_when(earlier), tool=tool)
        )
    say(_("Undo with: r9s reset {tool}").format(tool=tool))


def _written_by_r9s(backups: Backups, restore: Restore) -> Operation | None:
    """The older operation that wrote the state just restored, if r9s wrote it."""
    if restore.operation is None:
        return None
    operations = backups.operations()
    older = operations[[op.id for op in operations].index(restore.operation.id) + 1 :]
    for saved in restore.files:
        if not saved.existed or saved.backup is None:
            continue
        content = backups.content(saved.backup)
        for operation in older:
            previous = operation.saved(saved.path)
            if previous is None or previous.after_exists is None:
                continue
            if previous.after and backups.content(previous.after) == content:
                return operation
            break  # the newest older record of this file decides
    return None


def _when(operation: Operation) -> str:
    return _when_text(operation.time)


def _when_text(time: str) -> str:
    return time.replace("T", " ")[:19]


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")


def _print_list(tool: str, backups: Backups, display: Callable[[Path], str]) -> None:
    operations = backups.operations()
    originals = {(o.operation.id, o.saved.path) for o in backups.originals()}
    print(f"{tool}  ({display(backups.folder)})")
    for number, operation in enumerate(operations, start=1):
        for index, saved in enumerate(operation.files):
            head = f"{number:>3}  {_when(operation)}  before {operation.command:<11}"
            if index:
                head = " " * len(head)
            state = saved.backup if saved.backup else "(did not exist)"
            mark = "  (original)" if (operation.id, saved.path) in originals else ""
            print(f"{head}  {display(Path(saved.path))}  {state}{mark}")
