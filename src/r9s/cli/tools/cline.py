"""Cline CLI: the ``openai-compatible`` provider in ``~/.cline/data/settings/providers.json``,
the file ``cline auth openai-compatible`` writes (Cline 3.0, checked by running it)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from r9s.cli.common.i18n import N_
from r9s.cli.tools._base import (
    MISSING,
    Blurb,
    ConfigFile,
    Current,
    Edits,
    RunPlan,
    Target,
    Tool,
    Update,
    table,
    text,
)

PROVIDER = "openai-compatible"


def _settings(target: Target) -> dict[str, str]:
    return {
        "provider": PROVIDER,
        "apiKey": target.api_key,
        "model": target.model,
        "baseUrl": target.base_url,  # Cline appends /chat/completions
    }


def _plain(value: Any) -> Any:
    """A value read from the document as plain data (to write it back unchanged)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _unless_set(default: Any) -> Update:
    return Update(lambda current: default if current is MISSING else _plain(current))


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def render(target: Target) -> list[Edits]:
    # Cline replaces a file missing `modes` or a provider's `updatedAt` with its defaults.
    ours = ("providers", PROVIDER)
    edits: Edits = {
        ("version",): _unless_set(1),
        ("lastUsedProvider",): PROVIDER,
        ("modes",): _unless_set({}),
    }
    edits |= {(*ours, "settings", name): value for name, value in _settings(target).items()}
    edits[(*ours, "updatedAt")] = _unless_set(_now())
    edits[(*ours, "tokenSource")] = "manual"
    return [edits]


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    config = docs[0]
    name = text(config.get("lastUsedProvider")) or ""
    settings = table(table(table(config.get("providers")).get(name)).get("settings"))
    return Current(
        base_url=text(settings.get("baseUrl")),
        api_key=text(settings.get("apiKey")),
        model=text(settings.get("model")),
        key_source=f"providers.{name}.settings.apiKey",
    )


def run_plan(target: Target) -> RunPlan:
    # Read instead of ~/.cline/data/settings/providers.json (Cline 3.0's own variable).
    providers = {
        "version": 1,
        "lastUsedProvider": PROVIDER,
        "modes": {},
        "providers": {
            PROVIDER: {"settings": _settings(target), "updatedAt": _now(), "tokenSource": "manual"}
        },
    }
    return RunPlan(
        env={"CLINE_PROVIDER_SETTINGS_PATH": "{file:providers.json}"},
        files={"providers.json": json.dumps(providers)},
    )


TOOL = Tool(
    name="cline",
    title="Cline CLI",
    aliases=("cline-cli",),
    executable="cline",
    package="cline",
    protocol="openai",
    files=(
        ConfigFile(
            ".cline/data/settings/providers.json",
            "json",
            dir_env="CLINE_DATA_DIR",
            dir_env_sub="settings",
        ),
    ),
    render=render,
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=("claude-sonnet-4-5", "gpt-5", "gpt-4.1", "gpt-4o", "claude"),
    order=70,
    writes=Blurb(
        help=N_("~/.cline/data/settings/providers.json (the openai-compatible provider)"),
        markdown=(
            "`providers.openai-compatible.settings` (`apiKey`, `model`, `baseUrl` with "
            '`/v1`), `lastUsedProvider = "openai-compatible"`, as `cline auth` writes it'
        ),
    ),
    injects=Blurb(
        help=N_("CLINE_PROVIDER_SETTINGS_PATH naming a private providers.json in memory"),
        markdown=(
            "`CLINE_PROVIDER_SETTINGS_PATH` naming a private `providers.json` held in memory "
            "(`/dev/fd/N`; where there is no such file, a 0600 temporary file deleted "
            "after the run)"
        ),
    ),
    overriding_env=("CLINE_PROVIDER_SETTINGS_PATH", "CLINE_API_KEY", "CLINE_PROVIDER"),
)
