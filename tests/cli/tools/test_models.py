"""Which models ``r9s set`` writes: kept when run again, every slot defaulted from the
router's list, a rejected key refused; doctor naming a slot the router does not serve."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.cli.tools.test_terminal import finish, spawn
from tests.support.cli import KEY, r9s, tree

OTHER_KEY = "sk-r9s-test-rotated-99999999"
MODELS = ("gpt-4o", "claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5", "qwen-plus")


@pytest.fixture
def router() -> Iterator[LocalServer]:
    """A server listing an opus, a sonnet and a haiku, and taking two keys."""
    with LocalServer(api_key=[KEY, OTHER_KEY], models=MODELS) as server:
        yield server


def claude_env(home: Path) -> dict[str, str]:
    env: dict[str, str] = json.loads((home / ".claude/settings.json").read_text())["env"]
    return env


def test_set_yes_again_keeps_the_models_picked_before(home: Path, router: LocalServer) -> None:
    first = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", router.url,
                "--model", "claude-opus-4-5", "--small-model", "claude-sonnet-4-5",
                "--slot", "subagent=qwen-plus")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert r9s(home, "set", "opencode", "--yes", "--api-key", KEY, "--base-url", router.url,
               "--model", "qwen-plus", "--small-model", "gpt-4o").returncode == 0  # fmt: skip

    # Rotating the key: no --model, and R9S_MODEL says something else.
    env = {"R9S_MODEL": "gpt-4o"}
    again = r9s(home, "set", "claude", "--yes", "--api-key", OTHER_KEY, "--base-url", router.url,
                env=env)  # fmt: skip
    assert again.returncode == 0, again.stderr
    settings = claude_env(home)
    assert settings["ANTHROPIC_AUTH_TOKEN"] == OTHER_KEY
    assert settings["ANTHROPIC_MODEL"] == "claude-opus-4-5"
    assert settings["ANTHROPIC_SMALL_FAST_MODEL"] == "claude-sonnet-4-5"
    assert settings["CLAUDE_CODE_SUBAGENT_MODEL"] == "qwen-plus"
    assert "claude-opus-4-5 (kept: the tool's current model)" in again.stderr

    again = r9s(home, "set", "opencode", "--yes", "--api-key", OTHER_KEY, "--base-url",
                router.url, env=env)  # fmt: skip
    assert again.returncode == 0, again.stderr
    config = json.loads((home / ".config/opencode/opencode.json").read_text())
    assert (config["model"], config["small_model"]) == ("r9s/qwen-plus", "r9s/gpt-4o")
    assert config["provider"]["r9s"]["options"]["apiKey"] == OTHER_KEY

    # --model still wins, and a kept model the router stopped serving is replaced.
    done = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", router.url,
               "--model", "gpt-4o")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert claude_env(home)["ANTHROPIC_MODEL"] == "gpt-4o"
    settings_path = home / ".claude/settings.json"
    settings_path.write_text(settings_path.read_text().replace("qwen-plus", "retired-model"))
    done = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", router.url)
    assert done.returncode == 0, done.stderr
    assert "CLAUDE_CODE_SUBAGENT_MODEL" not in claude_env(home), "only set when asked"


def test_every_claude_slot_defaults_from_the_routers_list(home: Path, router: LocalServer) -> None:
    done = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", router.url,
               "--model", "gpt-4o")  # fmt: skip

    assert done.returncode == 0, done.stderr
    env = claude_env(home)
    assert env["ANTHROPIC_MODEL"] == "gpt-4o"
    assert env["ANTHROPIC_DEFAULT_OPUS_MODEL"] == "claude-opus-4-5"
    assert env["ANTHROPIC_DEFAULT_SONNET_MODEL"] == "claude-sonnet-4-5"
    assert env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == "claude-haiku-4-5"
    assert env["ANTHROPIC_SMALL_FAST_MODEL"] == "claude-haiku-4-5"
    assert "opus model   claude-opus-4-5 (ANTHROPIC_DEFAULT_OPUS_MODEL)" in done.stderr

    done = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", router.url,
               "--opus-model", "gpt-4o", "--slot", "haiku=qwen-plus",
               "--slot", "SubAgent=claude-opus-4-5")  # fmt: skip
    assert done.returncode == 0, done.stderr
    env = claude_env(home)
    assert env["ANTHROPIC_DEFAULT_OPUS_MODEL"] == "gpt-4o"
    assert env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == "qwen-plus"
    assert env["CLAUDE_CODE_SUBAGENT_MODEL"] == "claude-opus-4-5"
    assert env["ANTHROPIC_SMALL_FAST_MODEL"] == "claude-haiku-4-5", "the small model is its own"

    for bad, says in [("turbo=m", "has no slot 'turbo'"), ("opus", "write NAME=MODEL")]:
        done = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", router.url,
                   "--slot", bad)  # fmt: skip
        assert done.returncode == 1 and says in done.stderr, done.stderr


def test_model_flag_on_a_terminal_asks_nothing_about_the_small_model(
    home: Path, router: LocalServer
) -> None:
    child = spawn(home, "set", "claude", "--base-url", router.url, "--model", "gpt-4o",
                  env={"R9S_API_KEY": KEY})  # fmt: skip
    child.expect(r"Write these changes\? \[Y/n\]")
    assert "Small, fast model" not in child.before
    assert "small model  claude-haiku-4-5" in child.before
    child.sendline("y")
    status, transcript = finish(child)

    assert status == 0, transcript
    assert claude_env(home)["ANTHROPIC_SMALL_FAST_MODEL"] == "claude-haiku-4-5"


def test_a_rejected_key_writes_nothing_and_an_unreachable_server_only_warns(
    home: Path, router: LocalServer
) -> None:
    for tool in ("claude", "codex", "opencode"):
        done = r9s(home, "set", tool, "--yes", "--api-key", "sk-wrong-0000000000",
                   "--base-url", router.url, "--model", "gpt-4o")  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert "the API key was rejected (401)" in done.stderr
        assert "nothing was written" in done.stderr and "--force" in done.stderr
        assert tree(home) == {}

    done = r9s(home, "set", "codex", "--yes", "--api-key", "sk-wrong-0000000000",
               "--base-url", router.url, "--model", "gpt-4o", "--force")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (home / ".codex/config.toml").exists()

    done = r9s(home, "set", "qwen", "--yes", "--api-key", KEY, "--base-url",
               "http://127.0.0.1:9", "--model", "qwen-plus")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning: cannot list models: cannot reach" in done.stderr
    assert (home / ".qwen/settings.json").exists()


def test_the_summary_lists_what_set_removes_or_replaces(home: Path, router: LocalServer) -> None:
    settings = home / ".claude/settings.json"
    settings.parent.mkdir()
    settings.write_text(
        '{"env": {"ANTHROPIC_API_KEY": "sk-ant-mine-000000000", "ANTHROPIC_MODEL": "opus",'
        ' "ANTHROPIC_AUTH_TOKEN": "tok-mine-0000000000"}}\n'
    )

    done = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", router.url,
               "--model", "gpt-4o")  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "replaces     removed env.ANTHROPIC_API_KEY (kept in the backup)" in done.stderr
    assert "replaces     replaced env.ANTHROPIC_MODEL: opus -> gpt-4o" in done.stderr
    assert (
        "replaces     replaced env.ANTHROPIC_AUTH_TOKEN (the old value is kept in the backup)"
        in done.stderr
    )
    assert "sk-ant-mine" not in done.stderr and "tok-mine" not in done.stderr


def test_a_mistyped_tool_name_gets_a_suggestion(home: Path) -> None:
    for command in (["set", "claud-code", "--yes"], ["reset", "codexx"], ["run", "opencod"]):
        done = r9s(home, *command)
        assert done.returncode == 2, done.stderr
        assert "did you mean" in done.stderr, done.stderr
    done = r9s(home, "set", "claud-code", "--yes")
    assert "did you mean claude-code?" in done.stderr
    done = r9s(home, "set", "vim", "--yes")
    assert "did you mean" not in done.stderr and "unknown tool 'vim'" in done.stderr


def test_codex_profile_only_leaves_the_default_alone(home: Path, router: LocalServer) -> None:
    config = home / ".codex/config.toml"
    config.parent.mkdir()
    config.write_text('model = "o3"  # my default\n')

    done = r9s(home, "set", "codex", "--yes", "--api-key", KEY, "--base-url", router.url,
               "--model", "gpt-4o", "--reasoning-effort", "xhigh", "--profile-only")  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert config.read_text() == 'model = "o3"  # my default\n'
    profile = tomllib.loads((home / ".codex/r9s.config.toml").read_text())
    assert profile["model"] == "gpt-4o" and profile["model_reasoning_effort"] == "xhigh"
    assert profile["model_providers"]["r9s"]["experimental_bearer_token"] == KEY

    done = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", router.url,
               "--profile-only")  # fmt: skip
    assert done.returncode == 1 and "Claude Code has no profiles" in done.stderr
    assert r9s(home, "reset", "codex", "--yes").returncode == 0
    assert not (home / ".codex/r9s.config.toml").exists()
    assert config.read_text() == 'model = "o3"  # my default\n'


def test_doctor_names_a_slot_the_router_does_not_serve(home: Path, router: LocalServer) -> None:
    done = r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", router.url,
               "--model", "claude-sonnet-4-5", "--opus-model", "claude-opus-9")  # fmt: skip
    assert done.returncode == 0, done.stderr

    settings = {"R9S_API_KEY": KEY, "R9S_BASE_URL": router.url}
    done = r9s(home, "doctor", env=settings)

    assert done.returncode == 1
    claude = done.stdout.split("Claude Code (claude-code)")[1].split("\n\n")[0]
    assert "opus model   claude-opus-9" in claude
    assert "not served   opus model claude-opus-9: the router does not list it" in claude
    assert "not served   model" not in claude
    body = json.loads(r9s(home, "doctor", "--json", env=settings).stdout)
    assert body["tools"][0]["unserved"] == ["opus model claude-opus-9"]
