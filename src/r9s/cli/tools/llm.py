"""simonw's llm: every model the router lists as ``r9s/<id>`` in
``extra-openai-models.yaml`` (so ``llm -m r9s/gpt-4o`` works), their key as ``r9s`` in
``keys.json``, both in llm's folder (``$LLM_USER_PATH``, else ``~/.config/io.datasette.llm``),
checked with llm 0.36. llm's own default model is left alone."""

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
    text,
)

KEY_NAME = "r9s"  # in keys.json, named by api_key_name
PREFIX = "r9s/"
FOLDER = ".config/io.datasette.llm"


def _entries(target: Target) -> list[dict[str, str]]:
    models = dict.fromkeys((target.model, *target.listed))
    return [
        {
            "model_id": PREFIX + model,
            "model_name": model,
            "api_base": target.base_url,  # llm appends /chat/completions
            "api_key_name": KEY_NAME,
        }
        for model in models
    ]


def _is_ours(entry: Any) -> bool:
    return isinstance(entry, dict) and str(entry.get("model_id", "")).startswith(PREFIX)


def render(target: Target) -> list[Edits]:
    models = ours_in_list(_is_ours, _entries(target), "the list of models", first=False)
    return [{("",): models}, {(KEY_NAME,): target.api_key}]


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    entries = docs[0].get("")
    ours = [e for e in entries if _is_ours(e)] if isinstance(entries, list) else []
    first: Mapping[str, Any] = ours[0] if ours else {}
    return Current(
        base_url=text(first.get("api_base")),
        api_key=text(docs[1].get(KEY_NAME)),
        model=text(first.get("model_name")),
        key_source=f"keys.json {KEY_NAME}",
    )


def run_plan(target: Target) -> RunPlan:
    # llm reads both files from one folder: a private one for this run.
    models = "".join(f"- {json.dumps(entry)}\n" for entry in _entries(target))
    return RunPlan(
        env={"LLM_USER_PATH": "{dir}", "LLM_MODEL": PREFIX + target.model},
        files={
            "extra-openai-models.yaml": models,
            "keys.json": json.dumps({KEY_NAME: target.api_key}),
        },
    )


TOOL = Tool(
    name="llm",
    title="llm",
    aliases=("llm-cli",),
    executable="llm",
    package="llm",
    registry="pypi",
    protocol="openai",
    files=(
        ConfigFile(
            f"{FOLDER}/extra-openai-models.yaml", "yaml", holds_key=False, dir_env="LLM_USER_PATH"
        ),
        ConfigFile(f"{FOLDER}/keys.json", "json", dir_env="LLM_USER_PATH", only_secrets=True),
    ),
    render=render,
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=("gpt-4o-mini", "gpt-4o", "gpt-5", "claude-sonnet-4-5", "claude"),
    order=100,
    writes=Blurb(
        help=N_("~/.config/io.datasette.llm/ extra-openai-models.yaml (r9s/<model>), keys.json"),
        markdown=(
            "`extra-openai-models.yaml`: an entry `r9s/<model>` (`api_base` with `/v1`, "
            '`api_key_name: r9s`) for every model the router lists; `keys.json`: `"r9s"`'
        ),
    ),
    injects=Blurb(
        help=N_("LLM_USER_PATH naming a private temporary folder with both files; LLM_MODEL"),
        markdown=(
            "`LLM_USER_PATH` naming a private temporary folder holding both files (so this "
            "run's log is not kept in llm's own), `LLM_MODEL = r9s/<model>`"
        ),
    ),
    overriding_env=("LLM_USER_PATH",),
)
