"""Codex: what ``r9s set`` makes of a user's files, what ``r9s run`` passes it, and
its real run (tests/e2e)."""

from __future__ import annotations

from tests.cli.tools.cases import BASE, KEY, PROMPT, RUN_MODEL, Case, Ran, RealRun


def check_run(ran: Ran) -> None:
    assert ran.env["R9S_API_KEY"] == KEY
    assert f'model="{RUN_MODEL}"' in ran.args
    assert f'base_url = "{BASE}"' in " ".join(ran.args)


CASE = Case(
    tool="codex",
    flags=("--model", "gpt-4o"),
    existing={
        ".codex/config.toml": """# my codex config
approval_policy = "on-request"  # keep me

[mcp_servers.docs]
command = "npx"   # a comment
args = ["-y", "docs-mcp"]

[model_providers.other]
name = "Other"
base_url = "https://other.example/v1"
"""
    },
    expected={
        ".codex/config.toml": """# my codex config
approval_policy = "on-request"  # keep me
model = "gpt-4o"
model_provider = "r9s"

[mcp_servers.docs]
command = "npx"   # a comment
args = ["-y", "docs-mcp"]

[model_providers.other]
name = "Other"
base_url = "https://other.example/v1"

[model_providers.r9s]
name = "r9s"
base_url = "{BASE}"
wire_api = "responses"
experimental_bearer_token = "{KEY}"
"""
    },
    fresh={
        ".codex/config.toml": """model = "gpt-4o"
model_provider = "r9s"

[model_providers.r9s]
name = "r9s"
base_url = "{BASE}"
wire_api = "responses"
experimental_bearer_token = "{KEY}"
"""
    },
    key_files=frozenset({".codex/config.toml"}),
    malformed={".codex/config.toml": ('model = "a"\n\n[model_providers\nname = 1\n', 3)},
    check_run=check_run,
    real=RealRun(version="0.171.0", args=("exec", "--skip-git-repo-check", PROMPT), model="gpt-4o"),
)
