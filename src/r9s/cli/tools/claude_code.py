"""Claude Code: the ``env`` object of ``~/.claude/settings.json`` (it beats the shell)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from r9s._config import root_url
from r9s.cli.common.i18n import N_
from r9s.cli.tools._base import (
    REMOVE,
    Blurb,
    ConfigFile,
    Current,
    Edits,
    RunPlan,
    Slot,
    Target,
    Tool,
    table,
    text,
)

# The per-tier models Claude Code 2.1 reads (checked in its bundled code): what the
# "opus"/"sonnet"/"haiku" aliases and /model resolve to, and the model every subagent
# uses (left unset unless asked: each agent then keeps its own tier).
SLOTS = (
    Slot("opus", "ANTHROPIC_DEFAULT_OPUS_MODEL", ("claude-opus",)),
    Slot("sonnet", "ANTHROPIC_DEFAULT_SONNET_MODEL", ("claude-sonnet",)),
    Slot("haiku", "ANTHROPIC_DEFAULT_HAIKU_MODEL", fallback="small"),
    Slot("subagent", "CLAUDE_CODE_SUBAGENT_MODEL", fallback=""),
)
SMALL = "ANTHROPIC_SMALL_FAST_MODEL"  # background tasks (the older name of the haiku tier)


def _env(target: Target) -> dict[str, str]:
    env = {
        # Claude Code appends /v1/messages itself.
        "ANTHROPIC_BASE_URL": root_url(target.base_url),
        # Sent as "Authorization: Bearer"; ANTHROPIC_API_KEY would make the TUI ask first.
        "ANTHROPIC_AUTH_TOKEN": target.api_key,
        "ANTHROPIC_MODEL": target.model,
    }
    for slot in SLOTS[:3]:
        env[slot.setting] = target.slots.get(slot.name) or target.small_model
    env[SMALL] = target.small_model
    subagent = target.slots.get("subagent")
    if subagent:
        env[SLOTS[3].setting] = subagent
    env["API_TIMEOUT_MS"] = "600000"
    env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1"
    return env


def render(target: Target) -> list[Edits]:
    edits: Edits = {("env", name): value for name, value in _env(target).items()}
    # Unless kept or given: a subagent model the router does not serve would fail.
    edits.setdefault(("env", SLOTS[3].setting), REMOVE)
    # A second key would travel to r9s as x-api-key next to ours.
    edits["env", "ANTHROPIC_API_KEY"] = REMOVE
    return [edits]


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    env = table(docs[0].get("env"))
    token = text(env.get("ANTHROPIC_AUTH_TOKEN"))
    slots = {slot.name: text(env.get(slot.setting)) for slot in SLOTS}
    return Current(
        base_url=text(env.get("ANTHROPIC_BASE_URL")),
        api_key=token or text(env.get("ANTHROPIC_API_KEY")),
        model=text(env.get("ANTHROPIC_MODEL")) or text(docs[0].get("model")),
        key_source="ANTHROPIC_AUTH_TOKEN" if token else "ANTHROPIC_API_KEY",
        small_model=text(env.get(SMALL)) or slots["haiku"],
        slots={name: model for name, model in slots.items() if model},
    )


def run_plan(target: Target) -> RunPlan:
    # --settings beats ~/.claude/settings.json, whose env would beat our environment.
    settings = json.dumps({"env": _env(target)})
    return RunPlan(
        env={},
        args=["--settings", "{file:settings.json}"],
        unset=("ANTHROPIC_API_KEY",),
        files={"settings.json": settings},
    )


def warnings(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    if docs[0].get("apiKeyHelper"):
        return ["apiKeyHelper is set: its output is sent as the key too"]
    return []


TOOL = Tool(
    name="claude-code",
    title="Claude Code",
    aliases=("claude", "claude_code", "cc"),
    executable="claude",
    package="@anthropic-ai/claude-code",
    protocol="anthropic",
    files=(ConfigFile(".claude/settings.json", "json", dir_env="CLAUDE_CONFIG_DIR"),),
    render=render,
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=("claude-sonnet-4-5", "claude-sonnet", "claude-opus", "claude"),
    order=10,
    writes=Blurb(
        help=N_("~/.claude/settings.json (env: ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN, ...)"),
        markdown=(
            "`env`: `ANTHROPIC_BASE_URL` (no `/v1`), `ANTHROPIC_AUTH_TOKEN`, "
            "`ANTHROPIC_MODEL`, `ANTHROPIC_DEFAULT_OPUS_MODEL`, "
            "`ANTHROPIC_DEFAULT_SONNET_MODEL`, `ANTHROPIC_DEFAULT_HAIKU_MODEL`, "
            "`ANTHROPIC_SMALL_FAST_MODEL`, `CLAUDE_CODE_SUBAGENT_MODEL` (when given), "
            "`API_TIMEOUT_MS`, "
            "`CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC`; removes `env.ANTHROPIC_API_KEY`, "
            "which would travel as a second key"
        ),
    ),
    injects=Blurb(
        help=N_("--settings with a private file in memory (beats ~/.claude/settings.json)"),
        markdown=(
            "`--settings` naming a private file held in memory (`/dev/fd/N`; where there "
            "is no such file, a 0600 temporary file deleted after the run), which beats "
            "`~/.claude/settings.json`; `ANTHROPIC_API_KEY` is removed from the tool's "
            "environment"
        ),
    ),
    preferred_small_models=("claude-haiku-4-5", "claude-haiku", "claude-3-5-haiku"),
    overriding_env=("ANTHROPIC_API_KEY",),
    slots=SLOTS,
    env=_env,
    project_files=(
        ".claude/settings.json",
        ".claude/settings.local.json",
        "/etc/claude-code/managed-settings.json",
    ),
    warnings=warnings,
)
