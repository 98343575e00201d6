"""Gemini CLI: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and
its real run (tests/e2e)."""

from __future__ import annotations

import json

from tests.cli.tools.cases import KEY, PROMPT, ROOT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    assert ran.env["GEMINI_API_KEY"] == KEY
    assert ran.env["GOOGLE_GEMINI_BASE_URL"] == ROOT
    assert ran.env["GEMINI_MODEL"] == RUN_MODEL
    assert "headless runs (-p) need" in ran.stderr
    assert "GOOGLE_API_KEY" not in ran.env


CASE = Case(
    tool="gemini-cli",
    flags=("--model", "gemini-2.5-flash"),
    existing={
        ".gemini/.env": "# my env\nOTHER=1\nexport GEMINI_API_KEY=old\n\nGEMINI_API_KEY=older\n",
        ".gemini/settings.json": """{
  "general": {
    "vimMode": true
  },
  "model": {
    "name": "gemini-2.5-pro",
    "maxSessionTurns": 10
  }
}
""",
    },
    expected={
        ".gemini/.env": (
            "# my env\nOTHER=1\nexport GEMINI_API_KEY={KEY}\n\nGOOGLE_GEMINI_BASE_URL={ROOT}\n"
        ),
        ".gemini/settings.json": """{
  "general": {
    "vimMode": true
  },
  "model": {
    "name": "gemini-2.5-flash",
    "maxSessionTurns": 10
  },
  "security": {
    "auth": {
      "selectedType": "gemini-api-key"
    }
  }
}
""",
    },
    fresh={
        ".gemini/.env": "GEMINI_API_KEY={KEY}\nGOOGLE_GEMINI_BASE_URL={ROOT}\n",
        ".gemini/settings.json": """{
  "security": {
    "auth": {
      "selectedType": "gemini-api-key"
    }
  },
  "model": {
    "name": "gemini-2.5-flash"
  }
}
""",
    },
    key_files=frozenset({".gemini/.env"}),
    # (a trailing comma is no longer malformed: Gemini's files are read as JSON with comments)
    malformed={
        ".gemini/settings.json": ('{\n  "model": {\n    "name": "x"\n    "a": 1\n  }\n}\n', 4)
    },
    check_run=check_run,
    real=RealRun(
        version="0.61.0",
        # Gemini CLI reads ~/.gemini/.env only in trusted folders; r9s leaves trust to the user.
        args=("-p", PROMPT, "--skip-trust"),
        model="gemini-2.5-flash",
        # Headless Gemini CLI takes its auth type from settings only (see `r9s run --help`).
        run_files={
            ".gemini/settings.json": json.dumps(
                {"security": {"auth": {"selectedType": "gemini-api-key"}}}
            )
        },
    ),
)
