"""``r9s set`` and ``reset`` without a terminal: flags and settings, the lock, backups, odd
files and folders, refusals that say what is missing."""

from __future__ import annotations

import fcntl
import json
import subprocess
import time
from pathlib import Path

from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S, mode, r9s, tree, user_env

LOCAL = "http://127.0.0.1:8765"


def test_without_a_terminal_and_without_yes_set_fails_fast_with_a_clear_message(home: Path) -> None:
    started = time.monotonic()
    done = r9s(home, "set", "claude-code", "--api-key", KEY, "--model", "m", timeout=10)

    assert time.monotonic() - started < 10
    assert done.returncode == 2
    assert "not a terminal" in done.stderr and "--yes" in done.stderr
    assert not (home / ".claude").exists()
    done = r9s(home, "reset", "claude-code", timeout=10)
    assert done.returncode == 2
    assert "not a terminal" in done.stderr


def test_yes_without_key_or_tool_names_what_is_missing(home: Path) -> None:
    done = r9s(home, "set", "codex", "--yes", "--model", "m")
    assert done.returncode == 2
    assert "--api-key" in done.stderr and "R9S_API_KEY" in done.stderr
    done = r9s(home, "set", "--yes", "--api-key", KEY)
    assert done.returncode == 2
    assert "claude-code" in done.stderr and "opencode" in done.stderr
    done = r9s(home, "set", "vim", "--yes", "--api-key", KEY)
    assert done.returncode == 2, "a usage error, as docs/cli.md says"
    assert "unknown tool 'vim'" in done.stderr
    for command in (["reset", "vim"], ["run", "vim", "--", "-p", "x"]):
        done = r9s(home, *command)
        assert done.returncode == 2, (command, done.stderr)
        assert "unknown tool 'vim'" in done.stderr and "claude-code" in done.stderr
    assert r9s(home, "reset", "Claude", "--list").returncode == 0, "names are case-insensitive"


def test_flags_beat_environment_which_beats_defaults(home: Path, api: LocalServer) -> None:
    env = {
        "R9S_API_KEY": "sk-env-key-000000000000",
        "R9S_MODEL": "env-model",
        "R9S_BASE_URL": LOCAL,
    }
    done = r9s(home, "set", "codex", "--yes", "--model", "flag-model", env=env)
    assert done.returncode == 0, done.stderr
    config = (home / ".codex/config.toml").read_text()
    assert 'model = "flag-model"' in config
    assert 'experimental_bearer_token = "sk-env-key-000000000000"' in config
    assert f'base_url = "{LOCAL}/v1"' in config
    assert "from R9S_API_KEY" in done.stderr

    # Without --model and R9S_MODEL, --yes takes the best model the server lists for the tool.
    done = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", api.url)
    assert done.returncode == 0, done.stderr
    env_block = json.loads((home / ".claude/settings.json").read_text())["env"]
    assert env_block["ANTHROPIC_MODEL"] == "claude-sonnet-4-5"
    assert env_block["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == "claude-haiku-4-5"
    assert [(r.path, r.api_key) for r in api.requests] == [("/v1/models", KEY)]


def test_yes_without_a_model_fails_clearly_when_the_list_cannot_be_fetched(home: Path) -> None:
    done = r9s(home, "set", "qwen", "--yes", "--api-key", KEY, "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 2
    assert "cannot list models" in done.stderr and "--model" in done.stderr
    assert not (home / ".qwen").exists()


def test_a_set_waits_for_the_lock_held_by_another_run(home: Path) -> None:
    state = home / ".r9s"
    state.mkdir(mode=0o700)
    with open(state / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        process = subprocess.Popen(
            [*R9S, "set", "codex", "--yes", "--api-key", KEY, "--model", "m", "--base-url", LOCAL],
            env=user_env(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 20
            while not (home / ".codex").exists() and time.monotonic() < deadline:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
                if time.monotonic() > deadline - 18:  # two seconds of waiting is enough proof
                    break
            assert process.poll() is None, "it must wait while the lock is held"
            assert not (home / ".codex").exists()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "waiting for another r9s" in err
    assert (home / ".codex/config.toml").exists()


def test_concurrent_sets_do_not_interleave(home: Path) -> None:
    runs = [
        subprocess.Popen(
            [
                *R9S,
                "set",
                "claude",
                "--yes",
                "--api-key",
                KEY,
                "--base-url",
                LOCAL,
                "--model",
                f"model-{n}",
                "--small-model",
                "small",
            ],  # fmt: skip
            env=user_env(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(4)
    ]
    for run in runs:
        assert run.wait(timeout=60) == 0
    manifest = json.loads((home / ".r9s/backup/claude-code/manifest.json").read_text())
    operations = manifest["operations"]
    assert len(operations) == 4
    # Each run saw the previous run's file: one "absent", then three different backups.
    assert [op["files"][0]["existed"] for op in operations] == [False, True, True, True]
    saved = [(home / ".r9s/backup/claude-code" / op["files"][0]["backup"]).read_bytes()
             for op in operations[1:]]  # fmt: skip
    assert len(set(saved)) == 3
    final = (home / ".claude/settings.json").read_bytes()
    assert final not in saved
    json.loads(final)


def test_backup_names_are_unique_within_one_second_and_reset_picks_by_number_or_path(
    home: Path,
) -> None:
    base = ("--yes", "--api-key", KEY, "--base-url", LOCAL)
    (home / ".codex").mkdir()
    (home / ".codex/config.toml").write_text("# original\n")
    for model in ("a", "b", "c"):
        assert r9s(home, "set", "codex", *base, "--model", model).returncode == 0
    names = sorted(p.name for p in (home / ".r9s/backup/codex").glob("*.bak"))
    assert len(names) == 3 and len(set(names)) == 3
    assert all(n.startswith("config.toml.") and n.endswith(".bak") for n in names)

    listing = r9s(home, "reset", "codex", "--list")
    assert listing.returncode == 0
    lines = [line for line in listing.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert len(lines) == 3 and lines[0].split()[0] == "1"

    done = r9s(home, "reset", "codex", "--backup", "3", "--yes")
    assert done.returncode == 0, done.stderr
    assert (home / ".codex/config.toml").read_text() == "# original\n"

    # The reset itself is undoable: the newest backup is the file it replaced.
    done = r9s(home, "reset", "codex", "--yes")
    assert done.returncode == 0
    assert 'model = "c"' in (home / ".codex/config.toml").read_text()

    oldest = sorted((home / ".r9s/backup/codex").glob("*.bak"))[0]
    done = r9s(home, "reset", "codex", "--backup", str(oldest), "--yes")
    assert done.returncode == 0, done.stderr
    assert (home / ".codex/config.toml").read_text() == "# original\n"
    assert r9s(home, "reset", "codex", "--backup", "99", "--yes").returncode == 1


def test_reset_dry_run_and_nothing_to_reset(home: Path) -> None:
    done = r9s(home, "reset", "opencode", "--yes")
    assert done.returncode == 1
    assert "No backups" in done.stderr
    r9s(home, "set", "opencode", "--yes", "--api-key", KEY, "--base-url", LOCAL, "--model", "m")
    before = tree(home)
    done = r9s(home, "reset", "opencode", "--dry-run")
    assert done.returncode == 0
    assert "+++ /dev/null" in done.stdout
    assert tree(home) == before


def test_symlinked_config_stays_a_symlink(home: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "settings.json").write_text('{"theme": "dark"}\n')
    (home / ".qwen").mkdir()
    (home / ".qwen/settings.json").symlink_to(dotfiles / "settings.json")
    done = r9s(home, "set", "qwen", "--yes", "--api-key", KEY, "--base-url", LOCAL, "--model", "m")
    assert done.returncode == 0, done.stderr
    assert (home / ".qwen/settings.json").is_symlink()
    assert "R9S_API_KEY" in (dotfiles / "settings.json").read_text()
    assert mode(dotfiles / "settings.json") == 0o600
    assert r9s(home, "reset", "qwen", "--yes").returncode == 0
    assert (dotfiles / "settings.json").read_text() == '{"theme": "dark"}\n'


def test_config_dir_variables_are_honoured(home: Path, tmp_path: Path) -> None:
    codex_home = tmp_path / "codex-home"
    env = {"CODEX_HOME": str(codex_home)}
    done = r9s(home, "set", "codex", "--yes", "--api-key", KEY, "--model", "m", env=env)
    assert done.returncode == 0, done.stderr
    assert (codex_home / "config.toml").exists()
    assert not (home / ".codex").exists()


def test_with_stdin_closed_set_reset_and_login_say_there_is_no_terminal(home: Path) -> None:
    done = r9s(home, "set", "claude", "--api-key", KEY, "--model", "m", stdin_closed=True)
    assert done.returncode == 2, done.stderr
    assert "stdin is not a terminal" in done.stderr and "Traceback" not in done.stderr
    assert not (home / ".claude").exists()

    base = ("--yes", "--api-key", KEY, "--base-url", LOCAL, "--model", "m")
    assert r9s(home, "set", "claude", *base).returncode == 0
    done = r9s(home, "reset", "claude", stdin_closed=True)
    assert done.returncode == 2, done.stderr
    assert "stdin is not a terminal" in done.stderr

    done = r9s(home, "login", "--base-url", LOCAL, stdin_closed=True)
    assert done.returncode == 2, done.stderr
    assert "no key given" in done.stderr and "'NoneType'" not in done.stderr


def test_only_set_suggests_force_and_one_bad_manifest_spoils_no_other_tool(home: Path) -> None:
    config = home / ".r9s/config.toml"
    config.parent.mkdir()
    config.write_text("model = \n")
    done = r9s(home, "config", "set", "model", "m")
    assert done.returncode == 1
    assert "~/.r9s/config.toml:1:" in done.stderr and "nothing was written" in done.stderr
    assert "--force" not in done.stderr
    config.unlink()

    base = ("--yes", "--api-key", KEY, "--base-url", LOCAL, "--model", "m")
    assert r9s(home, "set", "claude", *base, "--small-model", "s").returncode == 0
    assert r9s(home, "set", "codex", *base).returncode == 0
    manifest = home / ".r9s/backup/codex/manifest.json"
    manifest.write_text("{not json")

    listing = r9s(home, "reset", "--list")
    assert listing.returncode == 1
    assert "claude-code" in listing.stdout and ".claude/settings.json" in listing.stdout
    assert "~/.r9s/backup/codex/manifest.json" in listing.stderr
    assert "unreadable backup manifest" in listing.stderr and "--force" not in listing.stderr

    done = r9s(home, "reset", "codex", "--yes")
    assert done.returncode == 1
    assert "~/.r9s/backup/codex/manifest.json:1: unreadable" in done.stderr
    assert "--force" not in done.stderr and "move it aside" in done.stderr

    done = r9s(home, "set", "codex", *base[:-1], "m2")
    assert done.returncode == 1 and "manifest.json" in done.stderr
    assert "--force" not in done.stderr

    done = r9s(home, "reset", "claude", "--yes")
    assert done.returncode == 0, done.stderr
    assert not (home / ".claude/settings.json").exists()
