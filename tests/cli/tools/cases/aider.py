"""aider: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and its
real run (tests/e2e, aider from PyPI)."""

from __future__ import annotations

from tests.cli.tools.cases import BASE, KEY, PROMPT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    assert ran.env["AIDER_OPENAI_API_KEY"] == KEY
    assert ran.env["AIDER_OPENAI_API_BASE"] == BASE
    assert ran.env["AIDER_MODEL"] == f"openai/{RUN_MODEL}"


CASE = Case(
    tool="aider",
    flags=("--model", "gpt-4o", "--small-model", "gpt-4o-mini"),
    existing={
        ".aider.conf.yml": """# my aider settings
dark-mode: true
model: sonnet   # the old one
read:
  - CONVENTIONS.md
"""
    },
    expected={
        ".aider.conf.yml": """# my aider settings
dark-mode: true
model: "openai/gpt-4o"
read:
  - CONVENTIONS.md
openai-api-base: "{BASE}"
openai-api-key: "{KEY}"
weak-model: "openai/gpt-4o-mini"
"""
    },
    fresh={
        ".aider.conf.yml": """openai-api-base: "{BASE}"
openai-api-key: "{KEY}"
model: "openai/gpt-4o"
weak-model: "openai/gpt-4o-mini"
"""
    },
    key_files=frozenset({".aider.conf.yml"}),
    malformed={".aider.conf.yml": ("dark-mode: true\nmodel: [unclosed\n", 3)},
    check_run=check_run,
    real=RealRun(
        version="0.86.2",
        args=(
            "--message",
            PROMPT,
            "--yes-always",
            "--no-git",
            "--no-show-release-notes",
            "--no-check-update",
            "--analytics-disable",
            "--no-pretty",
        ),  # fmt: skip
        model="gpt-4o-mini",
        set_flags=("--small-model", "gpt-4o-mini"),
    ),
)
