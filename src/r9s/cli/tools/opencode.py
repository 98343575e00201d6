"""opencode: an OpenAI-compatible provider ``r9s`` in ``~/.config/opencode/opencode.json``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
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

PROVIDER = "r9s"
RUN_PROVIDER = "r9s-run"
SCHEMA = "https://opencode.ai/config.json"
PREFERRED = ("claude-sonnet-4-5", "gpt-5", "gpt-4.1", "gpt-4o", "claude")
PREFERRED_SMALL = ("gpt-4o-mini", "gpt-5-mini", "claude-haiku", "gemini-2.5-flash")


def provider_edits(provider: str, target: Target) -> Edits:
    edits: Edits = {
        ("provider", provider, "npm"): "@ai-sdk/openai-compatible",
        ("provider", provider, "name"): "r9s",
        ("provider", provider, "options", "baseURL"): target.base_url,
        ("provider", provider, "options", "apiKey"): target.api_key,
    }
    for model in dict.fromkeys((target.model, target.small_model)):
        edits["provider", provider, "models", model, "name"] = model
    edits["model",] = f"{provider}/{target.model}"
    edits["small_model",] = f"{provider}/{target.small_model}"
    return edits


def renderer(schema: str) -> Callable[[Target], list[Edits]]:
    """``render`` for opencode's config format (Kilo Code reads the same, its own schema)."""

    def render(target: Target) -> list[Edits]:
        keep_schema = Update(lambda current: schema if current is MISSING else current)
        return [{("$schema",): keep_schema, **provider_edits(PROVIDER, target)}]

    return render


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    config = docs[0]
    model = text(config.get("model")) or ""
    provider_name, _sep, model_id = model.partition("/")
    options = table(table(table(config.get("provider")).get(provider_name)).get("options"))
    small_provider, _sep, small_id = (text(config.get("small_model")) or "").partition("/")
    return Current(
        base_url=text(options.get("baseURL")),
        api_key=text(options.get("apiKey")),
        model=model_id or None,
        key_source="options.apiKey",
        small_model=small_id if small_provider == provider_name and small_id else None,
    )


def config_content(target: Target) -> str:
    """A whole config holding only the provider ``r9s-run`` (for ``*_CONFIG_CONTENT``)."""
    config: dict[str, Any] = {}
    for (*path, last), value in provider_edits(RUN_PROVIDER, target).items():
        node = config
        for key in path:
            node = node.setdefault(key, {})
        node[last] = value
    return json.dumps(config)


def run_plan(target: Target) -> RunPlan:
    # Merged above every config file; the environment is as private as the file would be.
    return RunPlan(env={"OPENCODE_CONFIG_CONTENT": config_content(target)})


TOOL = Tool(
    name="opencode",
    title="opencode",
    aliases=("open-code",),
    executable="opencode",
    package="opencode-ai",
    protocol="openai",
    files=(
        ConfigFile(
            ".config/opencode/opencode.json",
            "jsonc",
            dir_env="XDG_CONFIG_HOME",
            dir_env_sub="opencode",
        ),
    ),
    render=renderer(SCHEMA),
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=PREFERRED,
    order=50,
    writes=Blurb(
        help=N_('~/.config/opencode/opencode.json (provider "r9s", model "r9s/<model>")'),
        markdown=(
            "provider `r9s` (`@ai-sdk/openai-compatible`, `options.baseURL`, "
            '`options.apiKey`, its models), `model = "r9s/<model>"`, `small_model`'
        ),
    ),
    injects=Blurb(
        help=N_('OPENCODE_CONFIG_CONTENT in the environment (a provider "r9s-run")'),
        markdown="`OPENCODE_CONFIG_CONTENT` with a provider `r9s-run`",
    ),
    preferred_small_models=PREFERRED_SMALL,
    overriding_env=("OPENCODE_CONFIG", "OPENCODE_CONFIG_CONTENT"),
    project_files=("opencode.json", "opencode.jsonc", ".opencode/opencode.json"),
)
