"""``r9s set``/``reset``/``doctor`` when the file system fights back: a second file that
cannot be written, a full disk, ``kill -9`` in the middle of a write, a FIFO or a device
in place of a settings file, a huge file, hard links, and files owned by someone else.

Real files and real subprocesses throughout; the full disk is a small tmpfs mounted in a
private mount namespace (tests/support/small_disk.py), so nothing is mounted on the host.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.tools.cases import ROOT
from tests.support.cli import KEY, R9S, r9s, tree, user_env
from tests.support.small_disk import run_inside

SET = ("--yes", "--api-key", KEY, "--base-url", ROOT, "--model", "m")
TEMPORARY = re.compile(r"\.r9s-\d+-[0-9a-f]+\.tmp$")


def temporaries(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if TEMPORARY.search(p.name)]


@pytest.mark.parametrize("env_existed", [True, False], ids=["env-file-existed", "no-env-file"])
def test_a_failure_on_the_second_file_rolls_the_first_back_and_names_the_users_file(
    tmp_path: Path, env_existed: bool
) -> None:
    # Gemini CLI's files are ~/.gemini/.env, then ~/.gemini/settings.json. The second is
    # a symlink into a tmpfs that is full: writing it fails after the .env is written.
    result = run_inside(
        f"""
        from tests.support.cli import r9s, tree
        home, small = Path({str(tmp_path / "home")!r}), Path({str(tmp_path / "small")!r})
        (home / ".gemini").mkdir(parents=True)
        mount_tmpfs(small, "64k")
        (small / "settings.json").write_text('{{"theme": "dark"}}\\n')
        (home / ".gemini/settings.json").symlink_to(small / "settings.json")
        if {env_existed!r}:
            (home / ".gemini/.env").write_text("# mine\\nOTHER=1\\n")
        before = {{k: v.decode() for k, v in tree(home).items()}}
        fill(small)
        done = r9s(home, "set", "gemini", "--yes", "--api-key", "{KEY}", "--base-url",
                   "{ROOT}", "--model", "m")
        after = {{k: v.decode() for k, v in tree(home).items() if not k.startswith(".r9s")}}
        print(json.dumps({{
            "code": done.returncode, "stderr": done.stderr, "before": before, "after": after,
            "small": sorted(p.name for p in small.iterdir()),
            "r9s": sorted(str(p.relative_to(home)) for p in (home / ".r9s").rglob("*")),
            "manifest": json.loads((home / ".r9s/backup/gemini-cli/manifest.json").read_text())
                if (home / ".r9s/backup/gemini-cli/manifest.json").exists() else None,
        }}))
        """
    )
    stderr = result["stderr"]
    assert result["code"] == 1, stderr
    assert stderr.splitlines()[-1].startswith("r9s: error: ") and "Traceback" not in stderr
    assert "cannot write ~/.gemini/settings.json: No space left on device" in stderr
    assert ".tmp" not in stderr and "small" not in stderr, "the user's file, not a temporary"
    if env_existed:
        assert "nothing was changed (~/.gemini/.env was put back as it was)" in stderr
    assert result["after"] == result["before"], "the .env is back, byte for byte (or absent)"
    assert result["small"] == [".filler", "settings.json"], "no temporary file left"
    assert result["manifest"] is None or result["manifest"]["operations"] == []
    assert not [name for name in result["r9s"] if name.endswith((".bak", ".written", ".tmp"))]


def test_a_full_disk_leaves_no_temporary_file_and_no_truncated_backup(tmp_path: Path) -> None:
    # HOME is a 512 KiB tmpfs holding a 60 KB settings file; for each amount of free
    # space from none to enough, `set` either succeeds or fails cleanly.
    original = json.dumps({"permissions": {"allow": [f"Bash(tool-{n})" for n in range(3000)]}})
    result = run_inside(
        f"""
        import shutil
        from tests.support.cli import r9s
        home = Path({str(tmp_path / "home")!r})
        mount_tmpfs(home, "512k")
        original = {original!r}
        runs = []
        for free_kib in range(0, 400, 12):
            for entry in home.iterdir():
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            (home / ".claude").mkdir()
            (home / ".claude/settings.json").write_text(original)
            fill(home)
            filler = home / ".filler"
            os.truncate(filler, max(0, os.path.getsize(filler) - free_kib * 1024))
            done = r9s(home, "set", "claude", "--yes", "--api-key", "{KEY}", "--base-url",
                       "{ROOT}", "--model", "m", "--small-model", "s")
            files = {{str(p.relative_to(home)): p.read_bytes().decode("utf-8", "replace")
                     for p in home.rglob("*") if p.is_file() and p.name != ".filler"}}
            runs.append({{"free": free_kib, "code": done.returncode, "stderr": done.stderr,
                          "files": files}})
        print(json.dumps(runs))
        """
    )
    outcomes = {run["code"] for run in result}
    assert outcomes == {0, 1}, "some runs had room enough, some not"
    for run in result:
        files, stderr = run["files"], run["stderr"]
        assert not [n for n in files if TEMPORARY.search(n)], (run["free"], list(files))
        settings = files[".claude/settings.json"]
        if run["code"] == 1:
            error = stderr.splitlines()[-1]
            assert error.startswith("r9s: error: cannot write ~/"), stderr
            assert "No space left on device" in error and "nothing was changed" in error
            assert "Traceback" not in stderr
            assert settings == original, "a failed set leaves the file as it was"
        else:
            assert json.loads(settings)["env"]["ANTHROPIC_AUTH_TOKEN"] == KEY
        manifest_text = files.get(".r9s/backup/claude-code/manifest.json")
        manifest = json.loads(manifest_text) if manifest_text else {"operations": []}
        named = {f["backup"] for op in manifest["operations"] for f in op["files"]}
        for name, content in files.items():
            if name.endswith(".bak"):
                assert content == original, f"a truncated backup: {name} ({run['free']} KiB)"
            if name.endswith((".bak", ".written")) and run["code"] == 0:
                assert Path(name).name in named | {
                    f["after"] for op in manifest["operations"] for f in op["files"]
                }


def _open_unnamed_files(pid: int, home: Path) -> list[str]:
    """The files ``pid`` is writing under ``home`` that have no name yet (O_TMPFILE)."""
    found = []
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith(str(home)) and target.endswith(" (deleted)"):
                found.append(target)
    except OSError:
        pass
    return found


def test_kill_9_in_the_middle_of_a_write_leaves_no_temporary_file_and_no_truncated_backup(
    home: Path,
) -> None:
    settings = home / ".claude/settings.json"
    settings.parent.mkdir()
    # Nearly 1 MB (the most r9s edits): long enough to write (and fsync) that the kill
    # can land while a file is being written
    original = json.dumps({"permissions": {"allow": ["x" * 100] * 9_800}}).encode()
    argv = [*R9S, "set", "claude", *SET, "--small-model", "s"]
    killed_mid_write = 0
    for _attempt in range(40):
        settings.write_bytes(original)
        quiet = subprocess.DEVNULL
        process = subprocess.Popen(argv, env=user_env(home), stdin=quiet, stdout=quiet,
                                   stderr=quiet)  # fmt: skip
        try:
            while process.poll() is None:
                if _open_unnamed_files(process.pid, home):
                    os.kill(process.pid, signal.SIGSTOP)
                    if _open_unnamed_files(process.pid, home):  # still unnamed: mid-write
                        process.kill()
                        killed_mid_write += 1
                        break
                    os.kill(process.pid, signal.SIGCONT)
                time.sleep(0.0005)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()

        assert temporaries(home) == [], "a kill -9 mid-write leaves no temporary file"
        content = settings.read_bytes()
        if content != original:
            assert json.loads(content)["env"]["ANTHROPIC_AUTH_TOKEN"] == KEY, "whole or nothing"
        for backup in (home / ".r9s/backup/claude-code").glob("*.bak"):
            assert backup.read_bytes() in (original, content), f"truncated: {backup.name}"
        if killed_mid_write >= 3:
            break
    assert killed_mid_write >= 3, "the kill never landed in the middle of a write"

    settings.write_bytes(original)
    done = r9s(home, "set", "claude", *SET, "--small-model", "s")
    assert done.returncode == 0, done.stderr
    folder = home / ".r9s/backup/claude-code"
    operations = json.loads((folder / "manifest.json").read_text())["operations"]
    named = {name for op in operations for f in op["files"] for name in (f["backup"], f["after"])}
    left = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert left <= named, f"copies a killed run left behind are pruned: {sorted(left - named)}"


def test_a_fifo_or_a_device_in_place_of_a_settings_file_is_refused_at_once(home: Path) -> None:
    settings = home / ".claude/settings.json"
    settings.parent.mkdir()
    os.mkfifo(settings)  # a reader would wait forever for a writer
    other = home / ".qwen/settings.json"
    other.parent.mkdir()
    other.symlink_to("/dev/zero")  # endless zeros

    done = r9s(home, "set", "claude", *SET, "--small-model", "s", timeout=20)

    assert done.returncode == 1
    assert (
        "~/.claude/settings.json: is a named pipe (FIFO), not a regular file; nothing was "
        "written (r9s edits regular files only; move it aside)" in done.stderr
    )
    done = r9s(home, "set", "qwen", *SET, timeout=20)
    assert done.returncode == 1
    assert "~/.qwen/settings.json: is a character device, not a regular file" in done.stderr
    assert "--force" not in done.stderr, "--force never replaces a device"

    doctor = r9s(home, "doctor", "--no-check", timeout=20)

    assert doctor.returncode == 0, doctor.stderr
    assert "problem      ~/.claude/settings.json: is a named pipe (FIFO)" in doctor.stdout
    assert "problem      ~/.qwen/settings.json: is a character device" in doctor.stdout
    assert "Codex (codex)" in doctor.stdout and "opencode (opencode)" in doctor.stdout


def test_one_odd_file_does_not_abort_the_rest_of_doctors_report(home: Path) -> None:
    (home / ".claude").mkdir()
    (home / ".claude/settings.json").mkdir()  # a folder where the file should be
    (home / ".codex").mkdir()
    (home / ".codex/config.toml").symlink_to(home / ".codex/config.toml")  # a loop
    (home / ".gemini").mkdir()
    (home / ".gemini/.env").write_bytes(b"GEMINI_API_KEY=\xff\xfe\n")  # not UTF-8
    assert r9s(home, "set", "qwen", *SET).returncode == 0

    doctor = r9s(home, "doctor", "--no-check", "--base-url", ROOT, timeout=20)

    assert doctor.returncode == 0, doctor.stderr
    out = doctor.stdout
    assert "problem      ~/.claude/settings.json: is a folder, not a regular file" in out
    assert "problem      ~/.codex/config.toml: Too many levels of symbolic links" in out
    assert "problem      ~/.gemini/.env:1: not UTF-8 text" in out
    qwen = out.split("Qwen Code (qwen-code)")[1].split("\n\n")[0]
    assert f"points at    r9s: {ROOT}/v1" in qwen, "the others are still reported"


def test_a_50_mb_settings_file_is_refused_at_once(home: Path) -> None:
    settings = home / ".claude/settings.json"
    settings.parent.mkdir()
    with open(settings, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    before = settings.stat()

    done = r9s(home, "set", "claude", *SET, "--small-model", "s", timeout=30)

    assert done.returncode == 1
    assert (
        "~/.claude/settings.json: is too large to be a settings file (50.0 MB; r9s edits "
        "files up to 1 MB); nothing was written" in done.stderr
    )
    assert settings.stat().st_mtime_ns == before.st_mtime_ns
    doctor = r9s(home, "doctor", "--no-check", timeout=30)
    assert "is too large to be a settings file" in doctor.stdout


def test_a_settings_file_just_under_the_limit_is_edited(home: Path) -> None:
    # Nearly 1 MB of many small members: read, edited in place and checked (in about two
    # seconds here; a generous timeout only guards against a hang).
    members = {f"key-{n}": n for n in range(44_000)}
    settings = home / ".claude/settings.json"
    settings.parent.mkdir()
    original = json.dumps({"big": members, "theme": "dark"}, indent=1) + "\n"
    assert 900_000 < len(original) <= 1024 * 1024
    settings.write_text(original)

    done = r9s(home, "set", "claude", *SET, "--small-model", "s", timeout=120)

    assert done.returncode == 0, done.stderr
    data = json.loads(settings.read_text())
    assert data["big"] == members and data["env"]["ANTHROPIC_AUTH_TOKEN"] == KEY
    assert settings.read_text().startswith(original[:-3])


def test_a_hard_link_stays_a_hard_link(home: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    kept = dotfiles / "claude-settings.json"
    kept.write_text('{"theme": "dark"}\n')
    settings = home / ".claude/settings.json"
    settings.parent.mkdir()
    os.link(kept, settings)
    inode = settings.stat().st_ino

    done = r9s(home, "set", "claude", *SET, "--small-model", "s")

    assert done.returncode == 0, done.stderr
    assert "it has 2 names (a hard link): it is written in place" in done.stderr
    assert settings.stat().st_ino == inode and settings.stat().st_nlink == 2
    assert json.loads(kept.read_text())["env"]["ANTHROPIC_AUTH_TOKEN"] == KEY
    assert settings.stat().st_mode & 0o777 == 0o600

    done = r9s(home, "reset", "claude", "--yes")

    assert done.returncode == 0, done.stderr
    assert settings.stat().st_ino == inode and settings.stat().st_nlink == 2
    assert kept.read_text() == '{"theme": "dark"}\n'


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_under_sudo_every_file_keeps_its_owner(home: Path) -> None:
    # As `sudo r9s set` would: r9s runs as root in a HOME that belongs to someone else.
    person = 12345
    (home / ".claude").mkdir()
    (home / ".claude/settings.json").write_text('{"theme": "dark"}\n')
    for path in (home, home / ".claude", home / ".claude/settings.json"):
        os.chown(path, person, person)

    for tool in ("claude", "gemini"):
        done = r9s(home, "set", tool, *SET, "--small-model", "s")
        assert done.returncode == 0, done.stderr

    owners = {str(p.relative_to(home)): p.lstat().st_uid for p in home.rglob("*")}
    assert owners[".claude/settings.json"] == person, "an existing file keeps its owner"
    assert owners[".gemini/settings.json"] == person, "a new file: its folder's owner"
    not_theirs = sorted(name for name, uid in owners.items() if uid != person)
    assert not_theirs == [], "the backups, the lock and the folders are theirs too"
    done = r9s(home, "reset", "claude", "--yes")
    assert done.returncode == 0, done.stderr
    assert (home / ".claude/settings.json").stat().st_uid == person
    assert tree(home)[".claude/settings.json"] == b'{"theme": "dark"}\n'
