"""llm: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and its
real run (tests/e2e, llm from PyPI)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.tools.cases import PROMPT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    assert ran.env["LLM_MODEL"] == f"r9s/{RUN_MODEL}"
    folder = Path(ran.env["LLM_USER_PATH"])
    assert folder.name.startswith("r9s-run-") and not folder.exists()


ENTRY = (
    '- {"model_id": "r9s/gpt-4o", "model_name": "gpt-4o", "api_base": "{BASE}", '
    '"api_key_name": "r9s"}\n'
)

CASE = Case(
    tool="llm",
    flags=("--model", "gpt-4o"),
    existing={
        ".config/io.datasette.llm/extra-openai-models.yaml": """# local models
- model_id: ollama-llama3
  model_name: llama3
  api_base: http://127.0.0.1:11434/v1
""",
        ".config/io.datasette.llm/keys.json": """{
  "// Note": "This file stores secret API credentials. Do not share!",
  "openai": "sk-mine"
}
""",
    },
    expected={
        ".config/io.datasette.llm/extra-openai-models.yaml": """# local models
- model_id: ollama-llama3
  model_name: llama3
  api_base: http://127.0.0.1:11434/v1
"""
        + ENTRY,
        ".config/io.datasette.llm/keys.json": """{
  "// Note": "This file stores secret API credentials. Do not share!",
  "openai": "sk-mine",
  "r9s": "{KEY}"
}
""",
    },
    fresh={
        ".config/io.datasette.llm/extra-openai-models.yaml": ENTRY,
        ".config/io.datasette.llm/keys.json": """{
  "r9s": "{KEY}"
}
""",
    },
    key_files=frozenset({".config/io.datasette.llm/keys.json"}),
    malformed={".config/io.datasette.llm/extra-openai-models.yaml": ("- a: 1\n  b: [\n", 3)},
    check_run=check_run,
    real=RealRun(version="0.36", args=("-m", "r9s/gpt-4o-mini", PROMPT), model="gpt-4o-mini"),
)
