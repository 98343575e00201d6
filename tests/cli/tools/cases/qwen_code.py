"""Qwen Code: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and
its real run (tests/e2e)."""

from __future__ import annotations

from tests.cli.tools.cases import BASE, KEY, PROMPT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    assert ran.env["OPENAI_API_KEY"] == KEY
    assert ran.args[:6] == [
        "--auth-type",
        "openai",
        "--openai-base-url",
        BASE,
        "--model",
        RUN_MODEL,
    ]


CASE = Case(
    tool="qwen-code",
    flags=("--model", "qwen-plus"),
    existing={
        ".qwen/settings.json": """{
    "ui": {
        "theme": "GitHub"
    },
    "modelProviders": {
        "openai": [
            {
                "id": "my-model",
                "name": "mine",
                "baseUrl": "https://example.com/v1",
                "envKey": "MY_KEY"
            }
        ]
    },
    "env": {
        "MY_KEY": "x"
    }
}
"""
    },
    expected={
        ".qwen/settings.json": """{
    "ui": {
        "theme": "GitHub"
    },
    "modelProviders": {
        "openai": [
            {
                "id": "qwen-plus",
                "name": "qwen-plus",
                "baseUrl": "{BASE}",
                "envKey": "R9S_API_KEY"
            },
            {
                "id": "my-model",
                "name": "mine",
                "baseUrl": "https://example.com/v1",
                "envKey": "MY_KEY"
            }
        ]
    },
    "env": {
        "MY_KEY": "x",
        "R9S_API_KEY": "{KEY}"
    },
    "security": {
        "auth": {
            "selectedType": "openai"
        }
    },
    "model": {
        "name": "qwen-plus"
    }
}
"""
    },
    fresh={
        ".qwen/settings.json": """{
  "modelProviders": {
    "openai": [
      {
        "id": "qwen-plus",
        "name": "qwen-plus",
        "baseUrl": "{BASE}",
        "envKey": "R9S_API_KEY"
      }
    ]
  },
  "env": {
    "R9S_API_KEY": "{KEY}"
  },
  "security": {
    "auth": {
      "selectedType": "openai"
    }
  },
  "model": {
    "name": "qwen-plus"
  }
}
"""
    },
    key_files=frozenset({".qwen/settings.json"}),
    malformed={".qwen/settings.json": ('{\n  "modelProviders": {\n    "openai": {}\n  }\n}\n', 3)},
    check_run=check_run,
    real=RealRun(version="0.24.4", args=("-p", PROMPT), model="qwen-plus"),
)
