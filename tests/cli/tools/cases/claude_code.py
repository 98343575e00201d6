"""Claude Code: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and
its real run (tests/e2e)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.tools.cases import KEY, PROMPT, ROOT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    settings = ran.settings
    assert settings is not None and settings["mode"] == 0o600
    env = settings["content"]["env"]
    assert env["ANTHROPIC_AUTH_TOKEN"] == KEY
    assert env["ANTHROPIC_BASE_URL"] == ROOT
    assert env["ANTHROPIC_MODEL"] == RUN_MODEL
    path = settings["path"]  # in memory (Linux), else a temporary file deleted after the run
    assert path.startswith("/dev/fd/") or not Path(path).exists(), path
    assert "ANTHROPIC_API_KEY" not in ran.env


CASE = Case(
    tool="claude-code",
    flags=("--model", "claude-sonnet-4-5", "--small-model", "claude-haiku-4-5"),
    existing={
        ".claude/settings.json": """{
  "permissions": {
    "allow": [
      "Bash(ls)"
    ]
  },
  "env": {
    "FOO": "1",
    "ANTHROPIC_API_KEY": "sk-ant-old"
  },
  "theme": "dark"
}
"""
    },
    expected={
        ".claude/settings.json": """{
  "permissions": {
    "allow": [
      "Bash(ls)"
    ]
  },
  "env": {
    "FOO": "1",
    "ANTHROPIC_BASE_URL": "{ROOT}",
    "ANTHROPIC_AUTH_TOKEN": "{KEY}",
    "ANTHROPIC_MODEL": "claude-sonnet-4-5",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "claude-haiku-4-5",
    "ANTHROPIC_SMALL_FAST_MODEL": "claude-haiku-4-5",
    "API_TIMEOUT_MS": "600000",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"
  },
  "theme": "dark"
}
"""
    },
    fresh={
        ".claude/settings.json": """{
  "env": {
    "ANTHROPIC_BASE_URL": "{ROOT}",
    "ANTHROPIC_AUTH_TOKEN": "{KEY}",
    "ANTHROPIC_MODEL": "claude-sonnet-4-5",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "claude-haiku-4-5",
    "ANTHROPIC_SMALL_FAST_MODEL": "claude-haiku-4-5",
    "API_TIMEOUT_MS": "600000",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"
  }
}
"""
    },
    key_files=frozenset({".claude/settings.json"}),
    malformed={".claude/settings.json": ('{\n  "theme": "dark",\n  "env": "oops"\n}\n', 3)},
    check_run=check_run,
    real=RealRun(
        version="2.1.332",
        args=("-p", PROMPT),
        model="claude-sonnet-4-5",
        set_flags=("--small-model", "claude-haiku-4-5"),
    ),
)
