"""``r9s reset TOOL``: restore a tool's files from a backup that ``set`` (or ``reset``) made."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from r9s.cli.commands._args import add_tool_argument, tools_line

if TYPE_CHECKING:
    from r9s.cli.tools._backups import Operation, SavedFile

EPILOG = """\
Backups live in ~/.r9s/backup/<tool>/. Each entry is the state of the tool's files just
before a `set` or a `reset`; restoring it brings the files back byte for byte, and removes
files that did not exist then. The current files are backed up first, so running
`r9s reset TOOL` twice undoes the reset.

{tools}
examples:
  r9s reset claude-code               restore the newest backup
  r9s reset --list                    every tool's backups, newest first
  r9s reset codex --backup 2 --yes    the second newest, without asking
  r9s reset gemini --backup ~/.r9s/backup/gemini-cli/.env.20260101-120000-000000.bak
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG.format(tools=tools_line())
    add_tool_argument(parser, optional=True)
    parser.add_argument("--list", action="store_true", help="list the backups, newest first")
    parser.add_argument(
        "--backup", metavar="N|PATH", help="which backup: its number in --list, or a .bak file"
    )
    parser.add_argument("-y", "--yes", action="store_true", help="restore without asking")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the diff that would be applied"
    )


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common import interact
    from r9s.cli.common.files import MalformedFile, diff, display
    from r9s.cli.common.interact import NotInteractive, say
    from r9s.cli.tools import all_tools, find
    from r9s.cli.tools._configure import (
        apply_restore,
        backups_for,
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
        interact.warn(f"{broken.reason}: its backups are not listed ({broken.hint})")
    with_backups = [t for t in tools if t is not None and history.get(t.name)]

    if args.list:
        if not with_backups and not unreadable:
            say("No backups yet (r9s set makes one before every change).")
        for tool in with_backups:
            _print_list(tool.name, history[tool.name], display, backups_for(tool, home).folder)
        return 1 if unreadable else 0
    if not interactive and not args.yes and not args.dry_run:
        raise NotInteractive(
            "stdin is not a terminal, so r9s reset cannot confirm; pass --yes, "
            "or --dry-run to preview"
        )
    if not with_backups:
        say(f"No backups for {args.tool or 'any tool'}: nothing to restore.")
        return 1
    if args.tool is None:
        if not interactive:
            raise NotInteractive("name a tool: " + ", ".join(t.name for t in with_backups))
        names = [t.name for t in with_backups]
        chosen = interact.choose("Tool to reset", names, allow_other=False)
        tool = next(t for t in with_backups if t.name == chosen)
    else:
        tool = with_backups[0]

    backups = backups_for(tool, home)
    operation, files = _select(backups.operations(), args.backup, backups.backup_path)
    title = (
        f"Restore {tool.title} ({tool.name}) to before `{operation.command}` of {_when(operation)}"
    )
    say(interact.bold(title))
    changes = plan_restore(backups, files)
    for change in changes:
        what = "restore" if change.after is not None else "remove (it did not exist then)"
        state = what if change.changed else "unchanged"
        say(f"  {display(change.path)}: {state}")
    if args.dry_run:
        secrets = file_secrets(tool, changes)
        print("".join(diff(c.before, _text(c.after), *secrets) for c in changes), end="")
        say("dry run: nothing was written")
        return 0
    if not any(change.changed for change in changes):
        say("The files already match this backup: nothing to do.")
        return 0
    if interactive and not interact.confirm("Restore?"):
        say("Nothing was changed.")
        return 1
    saved_now, written = apply_restore(backups, files, home, operation.created_dirs)
    current: dict[str, SavedFile] = {s.path: s for s in saved_now.files} if saved_now else {}
    for change in written:
        done = "restored" if change.after is not None else "removed"
        record = current.get(str(change.path))
        backup = backups.backup_path(record) if record else None
        kept = f"; the replaced file is in {display(backup)}" if backup else ""
        say(f"{display(change.path)}: {done}{kept}")
    say(f"Undo with: r9s reset {tool.name}")
    return 0


def _select(
    operations: list[Operation], choice: str | None, backup_path: Callable[[SavedFile], Path | None]
) -> tuple[Operation, list[SavedFile]]:
    """The operation to restore and which of its files: all, or the one .bak named."""
    if not choice:
        return operations[0], operations[0].files
    if choice.isdigit():
        number = int(choice)
        if not 1 <= number <= len(operations):
            raise ValueError(f"--backup {choice}: there are {len(operations)} backups (--list)")
        return operations[number - 1], operations[number - 1].files
    wanted = os.path.realpath(os.path.expanduser(choice))
    for operation in operations:
        for saved in operation.files:
            path = backup_path(saved)
            if path is not None and os.path.realpath(path) == wanted:
                return operation, [saved]
    raise ValueError(f"--backup {choice}: not one of this tool's backups (see --list)")


def _when(operation: Operation) -> str:
    return operation.time.replace("T", " ")[:19]


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")


def _print_list(
    tool: str, operations: list[Operation], display: Callable[[Path], str], backups: Path
) -> None:
    print(f"{tool}  ({display(backups)})")
    for number, operation in enumerate(operations, start=1):
        for index, saved in enumerate(operation.files):
            head = f"{number:>3}  {_when(operation)}  before {operation.command:<11}"
            if index:
                head = " " * len(head)
            state = saved.backup if saved.backup else "(did not exist)"
            print(f"{head}  {display(Path(saved.path))}  {state}")
