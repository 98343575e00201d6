"""Factory Droid: r9s models in ``customModels`` of ``~/.factory/settings.json`` and the
default ``sessionDefaultSettings.model`` (Droid 0.215, checked by running ``droid exec``,
which needs no Factory login for custom models).

Droid names a custom model ``custom:<displayName, spaces as dashes>-<n>``, ``n`` counting
earlier entries of the same display name; ours are unique (``r9s <model>``), so ``n = 0``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from r9s.cli.common.i18n import N_
from r9s.cli.tools._base import (
    Blurb,
    ConfigFile,
    Current,
    Edits,
    RunPlan,
    Target,
    Tool,
    ours_in_list,
    table,
    text,
)

PREFIX = "r9s "


def model_id(model: str) -> str:
    """Droid's id of our entry for ``model``."""
    return f"custom:{(PREFIX + model).strip().replace(' ', '-')}-0"


def _entries(target: Target) -> list[dict[str, Any]]:
    return [
        {
            "model": model,
            "displayName": PREFIX + model,
            "baseUrl": target.base_url,  # Droid appends /chat/completions
            "apiKey": target.api_key,
            "provider": "generic-chat-completion-api",
            "maxOutputTokens": 16384,
        }
        for model in (target.model,)
    ]


def _is_ours(entry: Any) -> bool:
    return isinstance(entry, dict) and str(entry.get("displayName", "")).startswith(PREFIX)


def render(target: Target) -> list[Edits]:
    return [
        {
            ("customModels",): ours_in_list(_is_ours, _entries(target), "customModels"),
            ("sessionDefaultSettings", "model"): model_id(target.model),
        }
    ]


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    settings = docs[0]
    chosen = text(table(settings.get("sessionDefaultSettings")).get("model")) or ""
    entries = settings.get("customModels")
    found: Mapping[str, Any] = {}
    if isinstance(entries, list):
        ours = [e for e in entries if _is_ours(e) and model_id(str(e.get("model"))) == chosen]
        found = ours[0] if ours else {}
    return Current(
        base_url=text(found.get("baseUrl")),
        api_key=text(found.get("apiKey")),
        model=text(found.get("model")),
        key_source="customModels[].apiKey",
    )


def run_plan(target: Target) -> RunPlan:
    settings = {
        "customModels": _entries(target),
        "sessionDefaultSettings": {"model": model_id(target.model)},
    }
    return RunPlan(
        env={"FACTORY_RUNTIME_SETTINGS_PATH": "{file:settings.json}"},
        files={"settings.json": json.dumps(settings)},
    )


TOOL = Tool(
    name="droid",
    title="Factory Droid",
    aliases=("factory", "factory-droid"),
    executable="droid",
    package="droid",
    protocol="openai",
    files=(ConfigFile(".factory/settings.json", "json"),),
    render=render,
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=("claude-sonnet-4-5", "gpt-5", "gpt-4.1", "gpt-4o", "claude"),
    order=80,
    writes=Blurb(
        help=N_('~/.factory/settings.json (customModels "r9s <model>", the default model)'),
        markdown=(
            'entries `"r9s <model>"` in `customModels` (`generic-chat-completion-api`, '
            "`baseUrl` with `/v1`, `apiKey`), `sessionDefaultSettings.model = "
            '"custom:r9s-<model>-0"`'
        ),
    ),
    injects=Blurb(
        help=N_("FACTORY_RUNTIME_SETTINGS_PATH naming a private settings file in memory"),
        markdown=(
            "`FACTORY_RUNTIME_SETTINGS_PATH` naming a private settings file held in memory "
            "(`/dev/fd/N`; where there is no such file, a 0600 temporary file deleted "
            "after the run)"
        ),
    ),
    overriding_env=("FACTORY_RUNTIME_SETTINGS_PATH",),
    project_files=(".factory/settings.json",),
)
