"""opencode: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and
its real run (tests/e2e)."""

from __future__ import annotations

import json

from tests.cli.tools.cases import BASE, KEY, PROMPT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    config = json.loads(ran.env["OPENCODE_CONFIG_CONTENT"])
    assert config["model"] == f"r9s-run/{RUN_MODEL}"
    assert config["provider"]["r9s-run"]["options"] == {"baseURL": BASE, "apiKey": KEY}


CASE = Case(
    tool="opencode",
    flags=("--model", "gpt-4o", "--small-model", "gpt-4o-mini"),
    existing={
        ".config/opencode/opencode.json": """{
  "$schema": "https://opencode.ai/config.json",
  "theme": "opencode",
  "provider": {
    "ollama": {
      "npm": "@ai-sdk/openai-compatible",
      "options": {
        "baseURL": "http://127.0.0.1:11434/v1"
      }
    }
  },
  "model": "ollama/llama3"
}
"""
    },
    expected={
        ".config/opencode/opencode.json": """{
  "$schema": "https://opencode.ai/config.json",
  "theme": "opencode",
  "provider": {
    "ollama": {
      "npm": "@ai-sdk/openai-compatible",
      "options": {
        "baseURL": "http://127.0.0.1:11434/v1"
      }
    },
    "r9s": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "r9s",
      "options": {
        "baseURL": "{BASE}",
        "apiKey": "{KEY}"
      },
      "models": {
        "gpt-4o": {
          "name": "gpt-4o"
        },
        "gpt-4o-mini": {
          "name": "gpt-4o-mini"
        }
      }
    }
  },
  "model": "r9s/gpt-4o",
  "small_model": "r9s/gpt-4o-mini"
}
"""
    },
    fresh={
        ".config/opencode/opencode.json": """{
  "$schema": "https://opencode.ai/config.json",
  "provider": {
    "r9s": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "r9s",
      "options": {
        "baseURL": "{BASE}",
        "apiKey": "{KEY}"
      },
      "models": {
        "gpt-4o": {
          "name": "gpt-4o"
        },
        "gpt-4o-mini": {
          "name": "gpt-4o-mini"
        }
      }
    }
  },
  "model": "r9s/gpt-4o",
  "small_model": "r9s/gpt-4o-mini"
}
"""
    },
    key_files=frozenset({".config/opencode/opencode.json"}),
    malformed={".config/opencode/opencode.json": ("[1, 2]\n", 1)},
    check_run=check_run,
    real=RealRun(
        version="1.18.33",
        args=("run", PROMPT),
        model="gpt-4o-mini",
        set_flags=("--small-model", "gpt-4o-mini"),
    ),
)
