"""Kilo Code CLI: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and
its real run (tests/e2e). It reads opencode's format, so the edits are opencode's."""

from __future__ import annotations

import json

from tests.cli.tools.cases import BASE, KEY, PROMPT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    config = json.loads(ran.env["KILO_CONFIG_CONTENT"])
    assert config["model"] == f"r9s-run/{RUN_MODEL}"
    assert config["provider"]["r9s-run"]["options"] == {"baseURL": BASE, "apiKey": KEY}


PROVIDER = """"r9s": {
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
    }"""

CASE = Case(
    tool="kilo-code",
    flags=("--model", "gpt-4o", "--small-model", "gpt-4o-mini"),
    existing={
        ".config/kilo/kilo.json": """{
  // mine
  "theme": "kilo",
  "provider": {},
}
"""
    },
    expected={
        ".config/kilo/kilo.json": """{
  // mine
  "theme": "kilo",
  "provider": {
    """
        + PROVIDER
        + """
  },
  "$schema": "https://app.kilo.ai/config.json",
  "model": "r9s/gpt-4o",
  "small_model": "r9s/gpt-4o-mini",
}
"""
    },
    fresh={
        ".config/kilo/kilo.json": """{
  "$schema": "https://app.kilo.ai/config.json",
  "provider": {
    """
        + PROVIDER
        + """
  },
  "model": "r9s/gpt-4o",
  "small_model": "r9s/gpt-4o-mini"
}
"""
    },
    key_files=frozenset({".config/kilo/kilo.json"}),
    malformed={".config/kilo/kilo.json": ('{\n  "model": [1, 2\n}\n', 3)},
    check_run=check_run,
    real=RealRun(
        version="7.7.7",
        args=("run", PROMPT),
        model="gpt-4o-mini",
        set_flags=("--small-model", "gpt-4o-mini"),
    ),
)
