"""Settings files with comments (JSONC): Gemini CLI, Qwen Code and opencode read them, so
``r9s set`` edits them in place and keeps every comment; Claude Code reads strict JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import KEY, mode, r9s, tree

ROOT = "http://127.0.0.1:8765"
BASE = ROOT + "/v1"


def set_tool(home: Path, tool: str, *extra: str) -> tuple[int, str, str]:
    done = r9s(home, "set", tool, "--yes", "--api-key", KEY, "--base-url", ROOT, *extra)
    return done.returncode, done.stdout, done.stderr


GEMINI_BEFORE = """\
// Gemini settings, from my dotfiles
{
  "general": {
    "vimMode": true, // I like vim
  },
  /* the model I use most */
  "model": {
    "name": "gemini-2.5-pro", // default
    "maxSessionTurns": 10,
  },
  "security": {
    "auth": {
      // was oauth before
      "selectedType": "oauth-personal"
    }
  }
}
"""
GEMINI_AFTER = """\
// Gemini settings, from my dotfiles
{
  "general": {
    "vimMode": true // I like vim
  },
  /* the model I use most */
  "model": {
    "name": "gemini-2.5-flash", // default
    "maxSessionTurns": 10
  },
  "security": {
    "auth": {
      // was oauth before
      "selectedType": "gemini-api-key"
    }
  }
}
"""

QWEN_BEFORE = """\
{
  // my providers
  "modelProviders": {
    "openai": [
      // a local one
      {
        "id": "my-model", // mine
        "envKey": "MY_KEY"
      },
    ]
  },
  "env": { "MY_KEY": "x" } /* inline */
}
"""
QWEN_AFTER = f"""\
{{
  // my providers
  "modelProviders": {{
    "openai": [
      {{
        "id": "qwen-plus",
        "name": "qwen-plus",
        "baseUrl": "{BASE}",
        "envKey": "R9S_API_KEY"
      }},
      // a local one
      {{
        "id": "my-model", // mine
        "envKey": "MY_KEY"
      }}
    ]
  }},
  "env": {{
    "MY_KEY": "x",
    "R9S_API_KEY": "{KEY}"
  }}, /* inline */
  "security": {{
    "auth": {{
      "selectedType": "openai"
    }}
  }},
  "model": {{
    "name": "qwen-plus"
  }}
}}
"""

OPENCODE_BEFORE = """\
{
  "$schema": "https://opencode.ai/config.json",
  // theme first
  "theme": "opencode",
  "provider": {
    "ollama": {
      "npm": "@ai-sdk/openai-compatible", /* local */
      "options": { "baseURL": "http://127.0.0.1:11434/v1", },
    },
  },
  "model": "ollama/llama3", // the default
}
"""
OPENCODE_AFTER = f"""\
{{
  "$schema": "https://opencode.ai/config.json",
  // theme first
  "theme": "opencode",
  "provider": {{
    "ollama": {{
      "npm": "@ai-sdk/openai-compatible", /* local */
      "options": {{ "baseURL": "http://127.0.0.1:11434/v1", }},
    }},
    "r9s": {{
      "npm": "@ai-sdk/openai-compatible",
      "name": "r9s",
      "options": {{
        "baseURL": "{BASE}",
        "apiKey": "{KEY}"
      }},
      "models": {{
        "gpt-4o": {{
          "name": "gpt-4o"
        }},
        "gpt-4o-mini": {{
          "name": "gpt-4o-mini"
        }}
      }}
    }},
  }},
  "model": "r9s/gpt-4o", // the default
  "small_model": "r9s/gpt-4o-mini",
}}
"""

CASES = [
    ("gemini-cli", ".gemini/settings.json", GEMINI_BEFORE, GEMINI_AFTER, True,
     ("--model", "gemini-2.5-flash")),
    ("qwen-code", ".qwen/settings.json", QWEN_BEFORE, QWEN_AFTER, True, ("--model", "qwen-plus")),
    ("opencode", ".config/opencode/opencode.json", OPENCODE_BEFORE, OPENCODE_AFTER, False,
     ("--model", "gpt-4o", "--small-model", "gpt-4o-mini")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tool", "relative", "before", "after", "commas_removed", "flags"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_comments_are_kept_and_trailing_commas_follow_the_tool(
    home: Path,
    tool: str,
    relative: str,
    before: str,
    after: str,
    commas_removed: bool,
    flags: tuple[str, ...],
) -> None:
    path = home / relative
    path.parent.mkdir(parents=True)
    path.write_text(before)

    code, out, err = set_tool(home, tool, *flags, "--dry-run")
    assert code == 0, err
    assert path.read_text() == before
    assert ("trailing commas removed" in err) == commas_removed

    code, _, err = set_tool(home, tool, *flags)

    assert code == 0, err
    assert path.read_text() == after
    assert ("trailing commas removed" in err) == commas_removed
    assert "not kept" not in err
    doctor = json.loads(r9s(home, "doctor", "--no-check", "--json").stdout)
    report = next(t for t in doctor["tools"] if t["name"] == tool)
    assert report["problem"] is None and report["model"] == flags[1]

    assert set_tool(home, tool, *flags)[2].count("Already set") == 1
    done = r9s(home, "reset", tool, "--yes")
    assert done.returncode == 0, done.stderr
    assert path.read_text() == before


def test_claude_code_settings_with_comments_are_refused_as_claude_would(home: Path) -> None:
    path = home / ".claude/settings.json"
    path.parent.mkdir()
    original = '{\n  // my theme\n  "theme": "dark"\n}\n'
    path.write_text(original)
    before = tree(home)

    code, _, err = set_tool(home, "claude", "--model", "m", "--small-model", "s")

    assert code == 1
    assert "~/.claude/settings.json:2: invalid JSON: comments are not allowed" in err
    assert tree(home) == before

    code, _, err = set_tool(home, "claude", "--model", "m", "--small-model", "s", "--force")

    assert code == 0, err
    assert "the file is replaced by one holding only r9s's settings" in err
    assert "backup" in err
    assert "theme" not in path.read_text()
    assert mode(path) == 0o600
    assert r9s(home, "reset", "claude", "--yes").returncode == 0
    assert path.read_text() == original


def test_a_value_r9s_must_replace_takes_its_comments_and_says_so(home: Path) -> None:
    path = home / ".qwen/settings.json"
    path.parent.mkdir()
    path.write_text('{\n  "modelProviders": {\n    "openai": { /* not a list */ }\n  }\n}\n')

    code, _, err = set_tool(home, "qwen", "--model", "m")
    assert code == 1 and "modelProviders.openai has an unexpected type" in err

    code, _, err = set_tool(home, "qwen", "--model", "m", "--force")

    assert code == 0, err
    assert "modelProviders.openai had an unexpected type and was replaced" in err
    assert "comments inside modelProviders.openai were not kept" in err
    assert json.loads(path.read_text())["modelProviders"]["openai"][0]["id"] == "m"
