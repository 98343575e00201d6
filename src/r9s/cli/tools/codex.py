"""Codex: a ``[model_providers.r9s]`` entry in ``~/.codex/config.toml``, and the profile
``~/.codex/r9s.config.toml`` (``codex --profile r9s``).

The key goes in ``experimental_bearer_token``: the file alone is then enough (``env_key``
needs a variable exported wherever Codex runs), and ``~/.codex/auth.json``, which may
hold the user's own ChatGPT or OpenAI login, stays untouched. Codex 0.171 reads a
profile only from ``$CODEX_HOME/<name>.config.toml``, layered over config.toml, and
refuses ``--profile r9s`` while config.toml still has a ``[profiles.r9s]`` table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from r9s._config import ENV_API_KEY
from r9s.cli.common.i18n import N_
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


EFFORTS = ("none", "low", "medium", "high", "xhigh")  # model_reasoning_effort in 0.171


def _edits(target: Target) -> Edits:
    provider = ("model_providers", PROVIDER)
    edits: Edits = {("model",): target.model, ("model_provider",): PROVIDER}
    if target.reasoning_effort:
        edits["model_reasoning_effort",] = target.reasoning_effort
    edits |= {
        (*provider, "name"): "r9s",
        (*provider, "base_url"): target.base_url,  # Codex appends /responses
        (*provider, "wire_api"): "responses",  # Codex refuses "chat"
        (*provider, "experimental_bearer_token"): target.api_key,
        (*provider, "env_key"): REMOVE,  # would fail wherever the variable is unset
    }
    return edits


def render(target: Target) -> list[Edits]:
    # The profile holds everything, so `codex --profile r9s` works whatever the default.
    return [{} if target.profile_only else _edits(target), _edits(target)]


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    # The default (config.toml) when it names a provider, else the r9s profile.
    config = docs[0] if docs[0].get("model_provider") or len(docs) < 2 else docs[1]
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
        reasoning_effort=text(config.get("model_reasoning_effort")),
    )


def run_plan(target: Target) -> RunPlan:
    provider = {
        "name": "r9s",
        "base_url": target.base_url,
        "wire_api": "responses",
        "env_key": ENV_API_KEY,  # the key stays out of the command line
    }
    inline = ", ".join(f"{key} = {json.dumps(value)}" for key, value in provider.items())
    effort = (
        ["-c", f"model_reasoning_effort={json.dumps(target.reasoning_effort)}"]
        if target.reasoning_effort
        else []
    )
    return RunPlan(
        env={ENV_API_KEY: target.api_key},
        args=[
            "-c",
            f"model_providers.{RUN_PROVIDER}={{ {inline} }}",
            "-c",
            f"model_provider={json.dumps(RUN_PROVIDER)}",
            "-c",
            f"model={json.dumps(target.model)}",
            *effort,
        ],
    )


def warnings(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    notes = []
    profile = text(docs[0].get("profile"))
    if profile:
        notes.append(f"profile {profile!r} is active and may choose another provider")
    if PROVIDER in table(docs[0].get("profiles")):
        notes.append(
            f"config.toml has a [profiles.{PROVIDER}] table: Codex refuses `--profile "
            f"{PROVIDER}` until it is removed (the profile is ~/.codex/{PROVIDER}.config.toml)"
        )
    return notes


TOOL = Tool(
    name="codex",
    title="Codex",
    aliases=("openai-codex",),
    executable="codex",
    package="@openai/codex",
    protocol="openai",
    api="responses",  # Codex speaks nothing else
    files=(
        ConfigFile(".codex/config.toml", "toml", dir_env="CODEX_HOME"),
        ConfigFile(f".codex/{PROVIDER}.config.toml", "toml", dir_env="CODEX_HOME"),
    ),
    render=render,
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=("gpt-5-codex", "gpt-5", "gpt-4.1", "gpt-4o", "o4", "o3"),
    order=20,
    writes=Blurb(
        help=(
            N_(
                "~/.codex/config.toml ([model_providers.r9s], key as experimental_bearer_token;\n"
                "auth.json untouched) and the profile ~/.codex/r9s.config.toml (--profile r9s)"
            )
        ),
        markdown=(
            '`model`, `model_provider = "r9s"`, `model_reasoning_effort` (when given), '
            "`[model_providers.r9s]` with `base_url` (with `/v1`), "
            '`wire_api = "responses"` and the key as `experimental_bearer_token`; the '
            "same in the profile `~/.codex/r9s.config.toml`, so `codex --profile r9s` "
            "works whatever the default (`--profile-only` writes only the profile)"
        ),
    ),
    injects=Blurb(
        help=N_('-c overrides for a provider "r9s-run"; the key in $R9S_API_KEY'),
        markdown=("`-c` overrides defining a provider `r9s-run` whose `env_key` is `R9S_API_KEY`"),
    ),
    project_files=(".codex/config.toml",),
    warnings=warnings,
    reasoning_efforts=EFFORTS,
    profile_file=1,
)
