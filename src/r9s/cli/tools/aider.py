"""aider: ``~/.aider.conf.yml`` with ``openai-api-base``, ``openai-api-key`` and the models
as ``openai/<id>`` (litellm's route for any OpenAI-compatible server), checked with aider
0.86. Its options also read ``AIDER_*`` variables, which beat the file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from r9s.cli.common.i18n import N_
from r9s.cli.tools._base import Blurb, ConfigFile, Current, Edits, RunPlan, Target, Tool, text

ROUTE = "openai/"  # litellm: an OpenAI-compatible server at openai-api-base


def _options(target: Target) -> dict[str, str]:
    return {
        "openai-api-base": target.base_url,
        "openai-api-key": target.api_key,
        "model": ROUTE + target.model,
        "weak-model": ROUTE + target.small_model,
    }


def render(target: Target) -> list[Edits]:
    return [{(name,): value for name, value in _options(target).items()}]


def _model(value: Any) -> str | None:
    found = text(value)
    return found.removeprefix(ROUTE) if found else None


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    config = {name: environ.get(_variable(name)) or docs[0].get(name) for name in _NAMES}
    in_file = {_variable(n): text(docs[0].get(n)) for n in _NAMES}
    return Current(
        base_url=text(config["openai-api-base"]),
        api_key=text(config["openai-api-key"]),
        model=_model(config["model"]),
        key_source="$AIDER_OPENAI_API_KEY"
        if environ.get("AIDER_OPENAI_API_KEY")
        else "openai-api-key",
        file_values={name: value for name, value in in_file.items() if value},
        small_model=_model(config["weak-model"]),
    )


_NAMES = ("openai-api-base", "openai-api-key", "model", "weak-model")


def _variable(option: str) -> str:
    return "AIDER_" + option.upper().replace("-", "_")


def run_plan(target: Target) -> RunPlan:
    return RunPlan(env={_variable(name): value for name, value in _options(target).items()})


TOOL = Tool(
    name="aider",
    title="aider",
    aliases=("aider-chat",),
    executable="aider",
    package="aider-chat",
    registry="pypi",
    protocol="openai",
    files=(ConfigFile(".aider.conf.yml", "yaml"),),
    render=render,
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=("claude-sonnet-4-5", "gpt-5", "gpt-4.1", "gpt-4o", "claude", "deepseek"),
    order=90,
    writes=Blurb(
        help=N_("~/.aider.conf.yml (openai-api-base, openai-api-key, model, weak-model)"),
        markdown=(
            "`openai-api-base` (with `/v1`), `openai-api-key`, `model` and `weak-model` as "
            "`openai/<model>`; comments and other keys kept"
        ),
    ),
    injects=Blurb(
        help=N_("AIDER_OPENAI_API_BASE, AIDER_OPENAI_API_KEY, AIDER_MODEL, AIDER_WEAK_MODEL"),
        markdown=(
            "`AIDER_OPENAI_API_BASE`, `AIDER_OPENAI_API_KEY`, `AIDER_MODEL`, "
            "`AIDER_WEAK_MODEL` (they beat `~/.aider.conf.yml`)"
        ),
    ),
    preferred_small_models=("gpt-4o-mini", "gpt-5-mini", "claude-haiku", "gemini-2.5-flash"),
    overriding_env=tuple(_variable(name) for name in _NAMES),
    project_files=(".aider.conf.yml",),
)
