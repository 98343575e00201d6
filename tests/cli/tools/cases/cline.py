"""Cline CLI: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and
its real run (tests/e2e)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.tools.cases import PROMPT, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    path = Path(ran.env["CLINE_PROVIDER_SETTINGS_PATH"])
    assert not path.exists(), "the private file is deleted after the run"
    assert os.path.basename(path) == "providers.json"


CASE = Case(
    tool="cline",
    flags=("--model", "gpt-4o"),
    existing={
        ".cline/data/settings/providers.json": """{
  "version": 1,
  "lastUsedProvider": "anthropic",
  "modes": {},
  "providers": {
    "anthropic": {
      "settings": {
        "provider": "anthropic",
        "apiKey": "sk-ant-mine"
      },
      "tokenSource": "manual"
    }
  }
}
"""
    },
    expected={
        ".cline/data/settings/providers.json": """{
  "version": 1,
  "lastUsedProvider": "openai-compatible",
  "modes": {},
  "providers": {
    "anthropic": {
      "settings": {
        "provider": "anthropic",
        "apiKey": "sk-ant-mine"
      },
      "tokenSource": "manual"
    },
    "openai-compatible": {
      "settings": {
        "provider": "openai-compatible",
        "apiKey": "{KEY}",
        "model": "gpt-4o",
        "baseUrl": "{BASE}"
      },
      "updatedAt": "{NOW}",
      "tokenSource": "manual"
    }
  }
}
"""
    },
    fresh={
        ".cline/data/settings/providers.json": """{
  "version": 1,
  "lastUsedProvider": "openai-compatible",
  "modes": {},
  "providers": {
    "openai-compatible": {
      "settings": {
        "provider": "openai-compatible",
        "apiKey": "{KEY}",
        "model": "gpt-4o",
        "baseUrl": "{BASE}"
      },
      "updatedAt": "{NOW}",
      "tokenSource": "manual"
    }
  }
}
"""
    },
    key_files=frozenset({".cline/data/settings/providers.json"}),
    malformed={
        ".cline/data/settings/providers.json": ('{\n  "version": 1,\n  "providers": []\n}\n', 3)
    },
    check_run=check_run,
    real=RealRun(version="3.0.65", args=(PROMPT,), model="gpt-4o-mini"),
)
