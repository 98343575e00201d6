"""Deciding which tool, and what to point it at: base URL, key, model and small model.

Each value comes from a flag, else r9s's settings (environment, ./.env, config.toml),
else a question (on a terminal) or a default (``--yes``); ``set`` also offers the model
pick when a model is only configured. Shared by ``set`` and ``run``.
"""

from __future__ import annotations

import argparse
import shutil

from r9s._config import ENV_API_KEY, ENV_MODEL, mask_key
from r9s.cli.common import interact
from r9s.cli.common.interact import NotInteractive
from r9s.cli.common.settings import base_url, resolve
from r9s.cli.tools import all_tools, find
from r9s.cli.tools._base import Target, Tool, default_model, usable_models

LIST_TIMEOUT = 10.0


def pick_tool(name: str | None, interactive: bool) -> Tool:
    """The tool named on the command line, or the one the person picks."""
    tools = all_tools()
    known = ", ".join(tool.name for tool in tools)
    if name:
        tool = find(name)
        if tool is None:
            raise ValueError(f"unknown tool {name!r}; choose one of: {known}")
        return tool
    if not interactive:
        raise NotInteractive(f"name a tool: {known}")
    notes = {
        tool.name: f"{tool.title}, "
        + ("installed" if shutil.which(tool.executable) else "not found")
        for tool in tools
    }
    interact.say("Which coding tool should use r9s?")
    chosen = interact.choose("Tool", [t.name for t in tools], notes=notes, allow_other=False)
    return next(tool for tool in tools if tool.name == chosen)


def resolve_target(
    tool: Tool, args: argparse.Namespace, interactive: bool, *, offer_models: bool = False
) -> tuple[Target, dict[str, str]]:
    """The target for ``tool``, and where its base URL, key and model came from.

    ``args`` has ``api_key``, ``base_url``, ``model`` and ``small_model``. With
    ``offer_models`` (``set``), a terminal user picks the model even when one is
    configured (R9S_MODEL, ./.env, ~/.r9s/config.toml: settings for chat, which may not
    suit this tool); the configured one is then the default. Only ``--model`` skips it.
    """
    base, base_source = base_url(args.base_url)
    assert base is not None
    key, key_source = resolve(args.api_key, ENV_API_KEY, flag_name="--api-key")
    if not key:
        if not interactive:
            raise NotInteractive(f"no API key: pass --api-key or set {ENV_API_KEY}")
        key, key_source = interact.ask_secret(f"r9s API key (for {base}, hidden): "), "prompt"
        interact.say(f"  key {mask_key(key)}")
    model, model_source = resolve(args.model, ENV_MODEL, flag_name="--model")
    small = args.small_model
    if small and not tool.uses_small_model:
        interact.warn(f"{tool.title} has no small model; --small-model is ignored")
        small = None
    needs_small = tool.uses_small_model and not small
    ask_model = interactive and (model is None or (offer_models and model_source != "--model"))
    ids: list[str] = []
    if ask_model or model is None or needs_small:
        # A missing small model alone is no reason to fail: it falls back to the model.
        ids = _fetch_ids(tool, base, key, interactive, required=model is None)
    if ask_model:
        if model is not None:
            interact.say(f"  configured model: {model} (from {model_source})")
        model, model_source = _pick(tool, ids, interactive, small=False, preferred=model), "chosen"
    elif model is None:
        model, model_source = _pick(tool, ids, interactive, small=False), "the best listed"
    if not tool.uses_small_model:
        small = model
    elif small is None:
        small = _pick(tool, ids, interactive, small=True, fallback=model)
    assert model is not None
    sources = {"base_url": base_source, "api_key": key_source, "model": model_source}
    return Target(base, key, model, small), sources


def _fetch_ids(tool: Tool, base: str, key: str, interactive: bool, *, required: bool) -> list[str]:
    from r9s.cli.common.api import ModelListError, list_models

    try:
        return usable_models(tool, list_models(base, key, timeout=LIST_TIMEOUT))
    except ModelListError as exc:
        if not interactive and required:
            raise NotInteractive(f"cannot list models ({exc}); pass --model") from None
        interact.warn(f"cannot list models: {exc}")
        return []


def _pick(
    tool: Tool,
    ids: list[str],
    interactive: bool,
    *,
    small: bool,
    fallback: str | None = None,
    preferred: str | None = None,
) -> str:
    default = preferred or default_model(tool, ids, small=small) or fallback
    label = "Small, fast model" if small else "Model"
    if not interactive:
        if default is None:
            raise NotInteractive(f"the server lists no model for {tool.title}; pass --model")
        return default
    if ids:
        interact.say(f"{label} for {tool.title} ({len(ids)} available):")
        return interact.choose(label, ids, default)
    return interact.ask_text(f"{label} id (the list is unavailable; type it)", default)
