"""Kilo Code CLI: a fork of opencode reading the same config format from
``~/.config/kilo/kilo.json`` (checked in the 7.7 binary, which also reads
``KILO_CONFIG_CONTENT``), so opencode's module serves both."""

from __future__ import annotations

from r9s.cli.common.i18n import N_
from r9s.cli.tools._base import Blurb, ConfigFile, RunPlan, Target, Tool
from r9s.cli.tools.opencode import (
    PREFERRED,
    PREFERRED_SMALL,
    config_content,
    inspect,
    renderer,
)

SCHEMA = "https://app.kilo.ai/config.json"


def run_plan(target: Target) -> RunPlan:
    return RunPlan(env={"KILO_CONFIG_CONTENT": config_content(target)})


TOOL = Tool(
    name="kilo-code",
    title="Kilo Code CLI",
    aliases=("kilo", "kilocode", "kilo_code"),
    executable="kilo",
    package="@kilocode/cli",
    protocol="openai",
    files=(
        ConfigFile(
            ".config/kilo/kilo.json", "jsonc", dir_env="XDG_CONFIG_HOME", dir_env_sub="kilo"
        ),
    ),
    render=renderer(SCHEMA),
    inspect=inspect,
    run_plan=run_plan,
    preferred_models=PREFERRED,
    order=60,
    writes=Blurb(
        help=N_('~/.config/kilo/kilo.json (provider "r9s", model "r9s/<model>", as opencode)'),
        markdown=(
            "as opencode: provider `r9s` (`@ai-sdk/openai-compatible`, `options.baseURL`, "
            '`options.apiKey`, its models), `model = "r9s/<model>"`, `small_model`'
        ),
    ),
    injects=Blurb(
        help=N_('KILO_CONFIG_CONTENT in the environment (a provider "r9s-run")'),
        markdown="`KILO_CONFIG_CONTENT` with a provider `r9s-run`",
    ),
    preferred_small_models=PREFERRED_SMALL,
    overriding_env=("KILO_CONFIG", "KILO_CONFIG_CONTENT"),
    project_files=("kilo.json", "kilo.jsonc", ".kilo/kilo.json", "opencode.json"),
)
