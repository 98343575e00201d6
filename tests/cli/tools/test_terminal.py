"""``r9s set`` and ``reset`` driven through a pseudo-terminal, as a person types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S, path_without_tools, tree, user_env
from tests.support.pty import Terminal


def spawn(home: Path, *args: str, env: dict[str, str] | None = None) -> Terminal:
    environment = user_env(home, {"TERM": "dumb", **(env or {})})
    return Terminal([*R9S, *args], cwd=home, env=environment, size=(200, 50))


def finish(child: Terminal) -> tuple[int | None, str]:
    return child.finish()


def test_pick_the_tool_type_the_key_hidden_and_pick_a_model_from_the_live_list(
    home: Path, api: LocalServer, tmp_path: Path
) -> None:
    child = spawn(home, "set", "--base-url", api.url,
                  env={"PATH": path_without_tools(tmp_path / "bin")})  # fmt: skip
    child.expect("Tool")
    assert "codex" in child.before and "not found" in child.before
    child.sendline("codex")
    child.expect(r"r9s API key \(for .*, hidden\): ")
    child.sendline(KEY)
    child.expect(r"Model \[")
    listed = child.before
    assert "gpt-4o-mini" in listed and "qwen-plus" in listed
    assert "whisper-1" not in listed and "text-embedding-3-small" not in listed
    number = next(
        line.split(")")[0].strip() for line in listed.splitlines() if line.endswith(") qwen-plus")
    )
    child.sendline(number)
    child.expect(r"Write these changes\? \[Y/n\]")
    assert "sk-...cdef" in child.before
    child.sendline("")
    status, transcript = finish(child)

    assert status == 0, transcript
    assert KEY not in transcript, "the key is never echoed"
    assert [(r.path, r.api_key) for r in api.requests] == [("/v1/models", KEY)]
    config = (home / ".codex/config.toml").read_text()
    assert 'model = "qwen-plus"' in config and f'"{KEY}"' in config


def test_a_part_of_a_name_picks_the_model_and_enter_takes_the_default_small_one(
    home: Path, api: LocalServer
) -> None:
    child = spawn(home, "set", "claude", "--base-url", api.url, env={"R9S_API_KEY": KEY})
    child.expect(r"Model \[claude-sonnet-4-5\]")
    child.sendline("sonnet")
    child.expect(r"Small, fast model \[claude-haiku-4-5\]")
    child.sendline("")
    child.expect(r"\[Y/n\]")
    child.sendline("y")
    status, transcript = finish(child)

    assert status == 0, transcript
    env = json.loads((home / ".claude/settings.json").read_text())["env"]
    assert env["ANTHROPIC_MODEL"] == "claude-sonnet-4-5"
    assert env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == "claude-haiku-4-5"


def test_manual_entry_when_the_list_cannot_be_fetched(home: Path) -> None:
    child = spawn(home, "set", "opencode", "--base-url", "http://127.0.0.1:9")
    child.expect("hidden")
    child.sendline(KEY)
    child.expect("cannot list models")
    child.expect(r"Model id \(the list is unavailable; type it\): ")
    child.sendline("my-model")
    child.expect(r"Small, fast model id \(the list is unavailable; type it\) \[my-model\]: ")
    child.sendline("")
    child.expect(r"\[Y/n\]")
    child.sendline("yes")
    status, transcript = finish(child)

    assert status == 0, transcript
    config = json.loads((home / ".config/opencode/opencode.json").read_text())
    assert config["model"] == "r9s/my-model" and config["small_model"] == "r9s/my-model"


def test_a_rejected_key_is_refused_before_any_question_and_force_writes_it(
    home: Path, api: LocalServer
) -> None:
    child = spawn(home, "set", "gemini", "--base-url", api.url, "--api-key", "sk-bad")
    status, transcript = finish(child)

    assert status == 1
    assert "the API key was rejected (401)" in transcript
    assert "nothing was written" in transcript and "--force" in transcript
    assert "Model" not in transcript, "nothing is asked for a key that cannot work"
    assert tree(home) == {}

    child = spawn(home, "set", "gemini", "--base-url", api.url, "--api-key", "sk-bad", "--force")
    child.expect("the API key was rejected")
    child.expect("type it")
    child.sendline("gemini-2.5-flash")
    child.expect(r"\[Y/n\]")
    child.sendline("n")
    status, transcript = finish(child)

    assert status == 1
    assert "Nothing was written" in transcript
    assert tree(home) == {}


@pytest.mark.parametrize("answer", ["y", "n"])
def test_reset_asks_which_tool_and_confirms(home: Path, api: LocalServer, answer: str) -> None:
    flags = ["--yes", "--api-key", KEY, "--base-url", api.url, "--model", "m"]
    child = spawn(home, "set", "qwen", *flags)
    assert finish(child)[0] == 0
    child = spawn(home, "reset")
    child.expect("Tool to reset")
    child.sendline("1")
    child.expect(r"Restore\? \[Y/n\]")
    child.sendline(answer)
    status, _ = finish(child)

    assert status == (0 if answer == "y" else 1)
    assert (home / ".qwen/settings.json").exists() == (answer == "n")


def test_a_model_configured_for_chat_is_only_the_default_of_the_pick(
    home: Path, api: LocalServer
) -> None:
    from tests.support.cli import r9s

    assert r9s(home, "config", "set", "model", "claude-sonnet-4-5").returncode == 0
    child = spawn(home, "set", "codex", "--base-url", api.url, env={"R9S_API_KEY": KEY})
    child.expect(r"Model \[claude-sonnet-4-5\]")
    assert "(from ~/.r9s/config.toml)" in child.before
    child.sendline("gpt-4o-mini")
    child.expect(r"Write these changes\? \[Y/n\]")
    assert "model        gpt-4o-mini (chosen)" in child.before
    child.sendline("y")
    status, transcript = finish(child)

    assert status == 0, transcript
    assert 'model = "gpt-4o-mini"' in (home / ".codex/config.toml").read_text()

    done = r9s(home, "set", "codex", "--yes", "--base-url", api.url, "--dry-run",
               env={"R9S_API_KEY": KEY})  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Run again, the tool's own model (picked above) beats the one configured for chat.
    assert "model        gpt-4o-mini (kept: the tool's current model)" in done.stderr
    assert "base URL     " + api.url + " (from --base-url)" in done.stderr
    assert "dry run: nothing would change" in done.stderr
