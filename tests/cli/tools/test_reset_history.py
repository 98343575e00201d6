"""``r9s reset`` over a history of changes: ``--original``, which state it says it restored,
changes made after ``set``, and the pruned backups ``--list`` shows. Real files, a
temporary HOME, the command as a subprocess (and on a pseudo-terminal where it asks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pytest

from tests.cli.tools.cases import CASES, ROOT, Case
from tests.cli.tools.test_files import fill, write
from tests.support.cli import KEY, R9S, r9s, tree, user_env
from tests.support.pty import Terminal

IDS = [case.tool for case in CASES]
BASE = ("--yes", "--api-key", KEY, "--base-url", ROOT)


def set_model(home: Path, case: Case, model: str, env: dict[str, str] | None = None) -> None:
    done = r9s(home, "set", case.tool, *BASE, *case.flags, "--model", model, env=env)
    assert done.returncode == 0, done.stderr


def user_files(home: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(home).items() if not k.startswith(".r9s")}


class SavedFileEntry(TypedDict):
    """One file of an operation in ``manifest.json``."""

    path: str
    existed: bool
    backup: str | None
    mode: int | None
    after_exists: bool | None
    after: str | None


class OperationEntry(TypedDict):
    """One operation (a ``set`` or ``reset``) in ``manifest.json``."""

    id: str
    time: str
    command: str
    files: list[SavedFileEntry]
    created_dirs: list[str]


def manifest(home: Path, tool: str) -> list[OperationEntry]:
    path = home / ".r9s/backup" / tool / "manifest.json"
    operations: list[OperationEntry] = json.loads(path.read_text())["operations"]
    return operations


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reset_original_after_set_set_set_restores_the_original_bytes_and_absence(
    home: Path, case: Case
) -> None:
    write(home, case.existing)
    original = user_files(home)
    for model in ("first", "second", "third"):
        set_model(home, case, model)

    one = r9s(home, "reset", case.tool, "--yes")
    assert one.returncode == 0, one.stderr
    assert user_files(home) != original, "one reset only undoes the last set"
    assert "--original" in one.stderr, "and says how to go back further"

    done = r9s(home, "reset", case.tool, "--original", "--yes")

    assert done.returncode == 0, done.stderr
    assert user_files(home) == original
    assert "its original state, before r9s first changed it" in done.stderr
    absent = [relative for relative in case.fresh if relative not in case.existing]
    for relative in absent:
        assert not (home / relative).exists(), f"{relative} did not exist before r9s"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reset_original_removes_every_file_and_folder_when_there_was_none(
    home: Path, case: Case
) -> None:
    for model in ("first", "second", "third"):
        set_model(home, case, model)

    done = r9s(home, "reset", case.tool, "--original", "--yes")

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in home.iterdir()) == [".r9s"]
    assert "removed (it did not exist then)" in done.stderr


def test_reset_says_which_state_it_restored(home: Path) -> None:
    case = next(c for c in CASES if c.tool == "codex")
    set_model(home, case, "first")
    set_model(home, case, "second")

    done = r9s(home, "reset", "codex", "--yes")

    assert done.returncode == 0, done.stderr
    assert "Restore Codex (codex) to the state before `set` of 20" in done.stderr
    assert "Restored codex to the state before `set` of 20" in done.stderr
    assert "Note: that state is itself r9s's, from `set` of 20" in done.stderr
    assert "`r9s reset codex --original` goes back to before r9s first changed" in done.stderr
    assert 'model = "first"' in (home / ".codex/config.toml").read_text()

    done = r9s(home, "reset", "codex", "--original", "--yes")
    assert "Restored codex to its original state, before r9s first changed it (20" in (done.stderr)
    assert "Note:" not in done.stderr
    assert not (home / ".codex").exists()


def test_reset_detects_a_change_made_after_set_and_needs_force_with_yes(home: Path) -> None:
    settings = home / ".claude/settings.json"
    write(home, {".claude/settings.json": '{\n  "theme": "dark"\n}\n'})
    set_model(home, next(c for c in CASES if c.tool == "claude-code"), "m")
    edited = settings.read_text().replace('"theme": "dark"', '"theme": "light",\n  "mine": 1')
    settings.write_text(edited)  # the person (or Claude Code) changes the file
    before = tree(home)

    done = r9s(home, "reset", "claude", "--yes")

    assert done.returncode == 1
    assert "~/.claude/settings.json changed after r9s wrote it (`set` of 20" in done.stderr
    assert '+  "theme": "light",' in done.stderr and '-  "theme": "dark",' in done.stderr
    assert '+  "mine": 1' in done.stderr
    assert KEY not in done.stderr and "sk-...cdef" in done.stderr
    assert "pass --force with --yes" in done.stderr and "nothing was written" in done.stderr
    assert tree(home) == before

    done = r9s(home, "reset", "claude", "--yes", "--force")

    assert done.returncode == 0, done.stderr
    assert settings.read_text() == '{\n  "theme": "dark"\n}\n'
    assert "with the changes made after r9s wrote it, is in ~/.r9s/backup/claude-code/" in (
        done.stderr
    )
    backups = home / ".r9s/backup/claude-code"
    assert edited.encode() in [p.read_bytes() for p in backups.glob("*.bak")]
    done = r9s(home, "reset", "claude", "--yes")  # undo the reset: the change comes back
    assert done.returncode == 0, done.stderr
    assert settings.read_text() == edited


def test_reset_asks_before_throwing_away_a_change_made_after_set(home: Path) -> None:
    settings = home / ".qwen/settings.json"
    set_model(home, next(c for c in CASES if c.tool == "qwen-code"), "m")
    settings.write_text(settings.read_text().replace('"m"', '"mine"'))
    changed = settings.read_bytes()

    def ask(answer: str) -> tuple[int | None, str]:
        environment = user_env(home, {"TERM": "dumb"})
        child = Terminal([*R9S, "reset", "qwen"], cwd=home, env=environment, size=(200, 50))
        child.expect(r"Restore anyway, replacing these changes\? .*\[y/N\] ")
        child.sendline(answer)
        return child.finish()

    status, transcript = ask("")  # Enter: the default is no
    assert status == 1
    assert "changed after r9s wrote it" in transcript and '"mine"' in transcript
    assert "Nothing was changed." in transcript
    assert settings.read_bytes() == changed

    status, transcript = ask("y")
    assert status == 0, transcript
    assert not settings.exists(), "it did not exist before set"
    assert changed in [p.read_bytes() for p in (home / ".r9s/backup/qwen-code").glob("*.bak")]


def test_backups_are_pruned_to_the_original_and_the_last_n_and_listed_by_reset_list(
    home: Path,
) -> None:
    case = next(c for c in CASES if c.tool == "codex")
    write(home, {".codex/config.toml": "# the original\n"})
    for number in range(6):
        set_model(home, case, f"model-{number}", env={"R9S_BACKUPS": "2"})

    operations = manifest(home, "codex")
    assert len(operations) == 3, "the original and the last two"
    folder = home / ".r9s/backup/codex"
    kept = sorted(p.name for p in folder.iterdir() if p.name != "manifest.json")
    named = sorted(
        name
        for op in operations
        for saved in op["files"]
        for name in (saved["backup"], saved["after"])
        if name
    )
    assert kept == named, "no copy is left that the history does not name"
    first_backup = operations[0]["files"][0]["backup"]
    assert first_backup is not None
    assert (folder / first_backup).read_text() == "# the original\n"

    listing = r9s(home, "reset", "codex", "--list", env={"R9S_BACKUPS": "2"})
    assert listing.returncode == 0, listing.stderr
    assert "keeps its original state and the last 2 changes" in listing.stderr
    rows = [line for line in listing.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 3 and rows[-1].endswith("(original)")
    assert all("(original)" not in row for row in rows[:-1])

    # The setting also lives in ~/.r9s/config.toml, and must be a number.
    assert r9s(home, "config", "set", "backups", "0").returncode == 1
    assert r9s(home, "config", "set", "backups", "1").returncode == 0
    set_model(home, case, "model-6")
    assert len(manifest(home, "codex")) == 2

    done = r9s(home, "reset", "codex", "--original", "--yes")
    assert done.returncode == 0, done.stderr
    assert (home / ".codex/config.toml").read_text() == "# the original\n"


def test_reset_original_on_a_file_r9s_created_then_the_person_filled(home: Path) -> None:
    case = next(c for c in CASES if c.tool == "opencode")
    set_model(home, case, "m")
    relative = next(iter(case.fresh))
    (home / relative).write_text(fill('{"mine": true}\n'))

    done = r9s(home, "reset", "opencode", "--original", "--yes")

    assert done.returncode == 1, "a change after set is never thrown away silently"
    assert "changed after r9s wrote it" in done.stderr
    assert (home / relative).read_text() == '{"mine": true}\n'


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_tool_detects_a_change_after_set_and_force_restores_it_backed_up(
    home: Path, case: Case
) -> None:
    write(home, case.existing)
    original = user_files(home)
    set_model(home, case, "first")
    set_model(home, case, "second")
    relative = next(iter(case.fresh))
    changed = (home / relative).read_bytes() + b"\n"  # valid in every format
    (home / relative).write_bytes(changed)
    before = tree(home)

    refused = r9s(home, "reset", case.tool, "--original", "--yes")

    assert refused.returncode == 1
    assert f"~/{relative} changed after r9s wrote it (`set` of 20" in refused.stderr
    assert "nothing was written" in refused.stderr and KEY not in refused.stderr
    assert tree(home) == before

    done = r9s(home, "reset", case.tool, "--original", "--yes", "--force")

    assert done.returncode == 0, done.stderr
    assert user_files(home) == original
    saved = [p.read_bytes() for p in (home / ".r9s/backup" / case.tool).glob("*.bak")]
    assert changed in saved, "the changed file is backed up first"
