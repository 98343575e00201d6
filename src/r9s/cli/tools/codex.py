"""Codex: a ``[model_providers.r9s]`` entry in ``~/.codex/config.toml``.

The key goes in ``experimental_bearer_token``: the file alone is then enough (``env_key``
needs a variable exported wherever Codex runs), and ``~/.codex/auth.json``, which may
hold the user's own ChatGPT or OpenAI login, stays untouched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from r9s._config import ENV_API_KEY
from r9s.cli.tools._base import (
    REMOVE,
    Blurb,
    ConfigFile,
    Current,
    Edits,
    RunPlan,
    Target,
    Tool,
    table,
    text,
)

PROVIDER = "r9s"
RUN_PROVIDER = "r9s-run"  # `r9s run` never reuses the file's provider (its token would win)


def render(target: Target) -> list[Edits]:
    provider = ("model_providers", PROVIDER)
    return [
        {
            ("model",): target.model,
            ("model_provider",): PROVIDER,
            (*provider, "name"): "r9s",
            (*provider, "base_url"): target.base_url,  # Codex appends /responses
            (*provider, "wire_api"): "responses",  # Codex refuses "chat"
            (*provider, "experimental_bearer_token"): target.api_key,
            (*provider, "env_key"): REMOVE,  # would fail wherever the variable is unset
        }
    ]


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    config = docs[0]
    name = text(config.get("model_provider"))
    provider = table(table(config.get("model_providers")).get(name)) if name else {}
    key, source = text(provider.get("experimental_bearer_token")), "experimental_bearer_token"
    variable = text(provider.get("env_key"))
    if key is None and variable:
        key, source = environ.get(variable) or None, f"${variable}"
    return Current(
        base_url=text(provider.get("base_url")) or text(config.get("openai_base_url")),
        api_key=key,
        model=text(config.get("model")),
        key_source=source,
    )


def run_plan(target: Target) -> RunPlan:
    provider = {
        "name": "r9s",
        "base_url": target.base_url,
        "wire_api": "responses",
        "env_key": ENV_API_KEY,  # the key stays out of the command line
    }
    inline = ", ".join(f"{key} = {json.dumps(value)}" for key, value in provider.items())
    return RunPlan(
        env={ENV_API_KEY: target.api_key},
        args=[
            "-c",
            f"model_providers.{RUN_PROVIDER}={{ {inline} }}",
            "-c",
            f"model_provider={json.dumps(RUN_PROVIDER)}",
            "-c",
            f"model={json.dumps(target.model)}",
        ],
    )


def warnings(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    profile = text(docs[0].get("profile"))
    return [f"profile {profile!r} is active and may choose another provider"] if profile else []


TOOL = Tool(
    name="codex",
    title="Codex",
    aliases=("openai-codex",),
    executable="codex",
    npm_package="@openai/codex",
    protocol="openai",
    files=(ConfigFile(".codex/config.toml", "toml", dir_env="CODEX_HOME"),),
    render=render,
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=("gpt-5-codex", "gpt-5", "gpt-4.1", "gpt-4o", "o4", "o3"),
    order=20,
    writes=Blurb(
        help=(
            "~/.codex/config.toml ([model_providers.r9s]; the key is stored as\n"
            "experimental_bearer_token, so the file alone is enough and ~/.codex/auth.json,\n"
            "which may hold your OpenAI login, is left alone)"
        ),
        markdown=(
            '`model`, `model_provider = "r9s"`, `[model_providers.r9s]` with `base_url` '
            '(with `/v1`), `wire_api = "responses"` and the key as '
            "`experimental_bearer_token`"
        ),
    ),
    injects=Blurb(
        help='-c overrides for a provider "r9s-run"; the key in $R9S_API_KEY',
        markdown=("`-c` overrides defining a provider `r9s-run` whose `env_key` is `R9S_API_KEY`"),
    ),
    project_files=(".codex/config.toml",),
    warnings=warnings,
)
