"""Cline CLI: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and
its real run (tests/e2e)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.tools.cases import KEY, PROMPT, ROOT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    name = "CLINE_PROVIDER_SETTINGS_PATH"
    path = ran.env[name]  # in memory (Linux), else a temporary file deleted after the run
    assert path.startswith("/dev/fd/") or not Path(path).exists(), path
    seen = ran.files[name]
    assert seen["mode"] == 0o600
    settings = seen["content"]["providers"]["openai-compatible"]["settings"]
    assert settings == {"provider": "openai-compatible", "apiKey": KEY, "model": RUN_MODEL,
                        "baseUrl": ROOT + "/v1"}  # fmt: skip


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
