"""Gemini CLI: key and URL in ``~/.gemini/.env``, auth type and model in ``settings.json``.

Gemini CLI speaks only the Gemini API (``/v1beta/models/M:streamGenerateContent``), which
the router serves. Folder trust is left as the user set it: the CLI reads ``~/.gemini/.env``
only in trusted folders, so headless runs elsewhere need ``--skip-trust``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from r9s._config import root_url
from r9s.cli.common.i18n import N_
from r9s.cli.tools._base import (
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

AUTH_TYPE = "gemini-api-key"


def render(target: Target) -> list[Edits]:
    return [
        {
            ("GEMINI_API_KEY",): target.api_key,
            ("GOOGLE_GEMINI_BASE_URL",): root_url(target.base_url),  # it appends /v1beta
        },
        {
            ("security", "auth", "selectedType"): AUTH_TYPE,
            ("model", "name"): target.model,
        },
    ]


def inspect(docs: Sequence[Mapping[str, Any]], environ: Mapping[str, str]) -> Current:
    dotenv, settings = docs
    # A variable already in the environment beats the .env file.
    key = environ.get("GEMINI_API_KEY") or text(dotenv.get("GEMINI_API_KEY"))
    source = "$GEMINI_API_KEY" if environ.get("GEMINI_API_KEY") else ".env"
    base = environ.get("GOOGLE_GEMINI_BASE_URL") or text(dotenv.get("GOOGLE_GEMINI_BASE_URL"))
    model = environ.get("GEMINI_MODEL") or text(table(settings.get("model")).get("name"))
    in_files = {
        "GEMINI_API_KEY": text(dotenv.get("GEMINI_API_KEY")),
        "GOOGLE_GEMINI_BASE_URL": text(dotenv.get("GOOGLE_GEMINI_BASE_URL")),
        "GEMINI_MODEL": text(table(settings.get("model")).get("name")),
    }
    file_values = {name: value for name, value in in_files.items() if value}
    return Current(base, key, model, source, file_values)


def run_plan(target: Target) -> RunPlan:
    return RunPlan(
        env={
            "GEMINI_API_KEY": target.api_key,
            "GOOGLE_GEMINI_BASE_URL": root_url(target.base_url),
            "GEMINI_MODEL": target.model,
            "GEMINI_DEFAULT_AUTH_TYPE": AUTH_TYPE,  # read by the interactive UI only
        },
        # The Google SDK prefers GOOGLE_API_KEY over GEMINI_API_KEY.
        unset=("GOOGLE_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GENAI_USE_GCA"),
    )


def run_notes(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    # Headless, the auth type comes from settings only (the environment would select an
    # unsupported "gateway" type), and a system settings file must be owned by root.
    selected = table(table(docs[1].get("security")).get("auth")).get("selectedType")
    if selected == AUTH_TYPE:
        return []
    return [
        f"Gemini CLI's settings select {selected or 'no'} auth type: headless runs (-p) need "
        f'security.auth.selectedType = "{AUTH_TYPE}" (`r9s set gemini-cli` writes it)'
    ]


def warnings(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    trust = table(table(docs[1].get("security")).get("folderTrust"))
    if trust.get("enabled") is False:
        return []
    return ["~/.gemini/.env is read only in trusted folders (`gemini --skip-trust` elsewhere)"]


TOOL = Tool(
    name="gemini-cli",
    title="Gemini CLI",
    aliases=("gemini", "gemini_cli"),
    executable="gemini",
    package="@google/gemini-cli",
    protocol="gemini",
    files=(
        ConfigFile(".gemini/.env", "env"),
        ConfigFile(".gemini/settings.json", "json-comments", holds_key=False),
    ),
    render=render,
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=("gemini-2.5-pro", "gemini-2.5-flash", "gemini"),
    order=40,
    writes=Blurb(
        help=N_("~/.gemini/.env (key, URL) and ~/.gemini/settings.json (auth type, model)"),
        markdown=(
            "`GEMINI_API_KEY`, `GOOGLE_GEMINI_BASE_URL` (no `/v1`); "
            '`security.auth.selectedType = "gemini-api-key"`, `model.name`'
        ),
    ),
    injects=Blurb(
        help=(
            N_(
                "GEMINI_API_KEY, GOOGLE_GEMINI_BASE_URL, GEMINI_MODEL in the environment\n"
                "(headless runs also need the API-key auth type in ~/.gemini/settings.json)"
            )
        ),
        markdown=(
            "`GEMINI_API_KEY`, `GOOGLE_GEMINI_BASE_URL`, `GEMINI_MODEL`. Headless (`-p`) "
            "Gemini CLI takes its auth type only from settings, so it needs "
            '`security.auth.selectedType = "gemini-api-key"` there; `run` warns when it is '
            "missing"
        ),
    ),
    overriding_env=("GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_MODEL", "GOOGLE_API_KEY"),
    project_files=(".gemini/settings.json",),
    env_file_search=(".gemini/.env", ".env"),
    warnings=warnings,
    run_notes=run_notes,
)
