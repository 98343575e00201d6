"""Factory Droid: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and
its real run (tests/e2e)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.tools.cases import KEY, PROMPT, ROOT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    name = "FACTORY_RUNTIME_SETTINGS_PATH"
    path = ran.env[name]  # in memory (Linux), else a temporary file deleted after the run
    assert path.startswith("/dev/fd/") or not Path(path).exists(), path
    seen = ran.files[name]
    assert seen["mode"] == 0o600
    settings = seen["content"]
    assert settings["sessionDefaultSettings"] == {"model": f"custom:r9s-{RUN_MODEL}-0"}
    assert [(m["model"], m["apiKey"], m["baseUrl"]) for m in settings["customModels"]] == [
        (RUN_MODEL, KEY, ROOT + "/v1")
    ]


ENTRY = """{
      "model": "gpt-4o",
      "displayName": "r9s gpt-4o",
      "baseUrl": "{BASE}",
      "apiKey": "{KEY}",
      "provider": "generic-chat-completion-api",
      "maxOutputTokens": 16384
    }"""

CASE = Case(
    tool="droid",
    flags=("--model", "gpt-4o"),
    existing={
        ".factory/settings.json": """{
  "customModels": [
    {
      "model": "llama3",
      "displayName": "Local",
      "baseUrl": "http://127.0.0.1:11434/v1",
      "provider": "generic-chat-completion-api"
    }
  ],
  "sessionDefaultSettings": {
    "autonomyMode": "normal"
  }
}
"""
    },
    expected={
        ".factory/settings.json": """{
  "customModels": [
    """
        + ENTRY
        + """,
    {
      "model": "llama3",
      "displayName": "Local",
      "baseUrl": "http://127.0.0.1:11434/v1",
      "provider": "generic-chat-completion-api"
    }
  ],
  "sessionDefaultSettings": {
    "autonomyMode": "normal",
    "model": "custom:r9s-gpt-4o-0"
  }
}
"""
    },
    fresh={
        ".factory/settings.json": """{
  "customModels": [
    """
        + ENTRY
        + """
  ],
  "sessionDefaultSettings": {
    "model": "custom:r9s-gpt-4o-0"
  }
}
"""
    },
    key_files=frozenset({".factory/settings.json"}),
    malformed={".factory/settings.json": ('{\n  "customModels": {}\n}\n', 2)},
    check_run=check_run,
    real=RealRun(version="0.215.0", args=("exec", PROMPT), model="gpt-4o-mini"),
)
