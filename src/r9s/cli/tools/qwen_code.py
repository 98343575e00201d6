"""Qwen Code: an OpenAI provider in ``~/.qwen/settings.json``, its key in the ``env`` object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from r9s._config import ENV_API_KEY
from r9s.cli.common.i18n import N_
from r9s.cli.tools._base import (
    Blurb,
    ConfigFile,
    Current,
    Edits,
    RunPlan,
    Target,
    Tool,
    Update,
    ours_in_list,
    table,
    text,
)

# Our providers read the key from r9s's own variable: the settings' env block holds it,
# and a shell that exports R9S_API_KEY for r9s works for Qwen Code too.
KEY_VARIABLE = ENV_API_KEY


def _providers(target: Target) -> Update:
    ours = {"id": target.model, "name": target.model, "baseUrl": target.base_url,
            "envKey": KEY_VARIABLE}  # fmt: skip
    return ours_in_list(_is_ours, [ours], "modelProviders.openai")


def _is_ours(provider: Any) -> bool:
    return isinstance(provider, dict) and provider.get("envKey") == KEY_VARIABLE


def render(target: Target) -> list[Edits]:
    return [
        {
            ("modelProviders", "openai"): _providers(target),
            ("env", KEY_VARIABLE): target.api_key,
            # Without it a headless run stops at "No auth type is selected".
            ("security", "auth", "selectedType"): "openai",
            ("model", "name"): target.model,
        }
    ]


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    settings = docs[0]
    model = text(table(settings.get("model")).get("name"))
    providers = table(settings.get("modelProviders")).get("openai")
    chosen: Mapping[str, Any] = {}
    if isinstance(providers, list):
        matching = [p for p in providers if isinstance(p, dict) and p.get("id") == model]
        chosen = matching[0] if matching else {}
    variable = text(chosen.get("envKey"))
    in_file = text(table(settings.get("env")).get(variable)) if variable else None
    # The settings env block has the lowest priority: the shell's variable wins.
    key = environ.get(variable) if variable else None
    source = f"${variable}" if key else f"env.{variable}"
    file_values = {variable: in_file} if variable and in_file else {}
    return Current(text(chosen.get("baseUrl")), key or in_file, model, source, file_values)


def env(target: Target) -> dict[str, str]:
    # Read when no settings file selects a provider (checked with Qwen Code 0.15).
    return {
        "OPENAI_BASE_URL": target.base_url,
        "OPENAI_API_KEY": target.api_key,
        "OPENAI_MODEL": target.model,
    }


def run_plan(target: Target) -> RunPlan:
    return RunPlan(
        env={"OPENAI_API_KEY": target.api_key},
        args=[
            "--auth-type",
            "openai",
            "--openai-base-url",
            target.base_url,
            "--model",
            target.model,
        ],
    )


TOOL = Tool(
    name="qwen-code",
    title="Qwen Code",
    aliases=("qwen", "qwen_code"),
    executable="qwen",
    package="@qwen-code/qwen-code",
    protocol="openai",
    files=(ConfigFile(".qwen/settings.json", "json-comments"),),
    render=render,
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=("qwen3-coder", "qwen-coder", "qwen3", "qwen-max", "qwen-plus", "qwen"),
    order=30,
    writes=Blurb(
        help=N_("~/.qwen/settings.json (modelProviders.openai, env.R9S_API_KEY, auth type)"),
        markdown=(
            'a provider in `modelProviders.openai` reading `envKey = "R9S_API_KEY"`, the '
            'key in `env.R9S_API_KEY`, `security.auth.selectedType = "openai"`, '
            "`model.name`"
        ),
    ),
    injects=Blurb(
        help=N_("--auth-type openai --openai-base-url --model; the key in $OPENAI_API_KEY"),
        markdown=("`--auth-type openai --openai-base-url URL --model M`, key in `OPENAI_API_KEY`"),
    ),
    overriding_env=(KEY_VARIABLE, "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"),
    project_files=(".qwen/settings.json",),
    env=env,
)
