"""Deciding which tool, and what to point it at: base URL, key and every model setting.

Each value comes from a flag, else (for ``set``) what the tool is configured with now,
else r9s's settings (environment, ./.env, config.toml), else a question (on a terminal)
or a default (``--yes``); ``set`` also offers the model pick when a model is only
configured. Shared by ``set``, ``run`` and ``env``.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field

from r9s._config import ENV_API_KEY, ENV_MODEL, mask_key
from r9s.cli.common import interact
from r9s.cli.common.i18n import N_, _
from r9s.cli.common.interact import NotInteractive
from r9s.cli.common.settings import base_url, resolve
from r9s.cli.tools import all_tools, find, unknown_tool
from r9s.cli.tools._base import Current, Slot, Target, Tool, default_model, usable_models

LIST_TIMEOUT = 10.0


class KeyRejected(Exception):
    """The server refused the key: ``set`` writes nothing (unless ``--force``)."""


def pick_tool(name: str | None, interactive: bool) -> Tool:
    """The tool named on the command line, or the one the person picks."""
    tools = all_tools()
    known = ", ".join(tool.name for tool in tools)
    if name:
        tool = find(name)
        if tool is None:
            raise ValueError(unknown_tool(name))
        return tool
    if not interactive:
        raise NotInteractive(_("name a tool: {known}").format(known=known))
    notes = {
        tool.name: (
            _("{title}, installed") if shutil.which(tool.executable) else _("{title}, not found")
        ).format(title=tool.title)
        for tool in tools
    }
    interact.say(_("Which coding tool should use r9s?"))
    chosen = interact.choose(_("Tool"), [t.name for t in tools], notes=notes, allow_other=False)
    return next(tool for tool in tools if tool.name == chosen)


@dataclass
class _Models:
    """The model list, fetched at most once."""

    tool: Tool
    base: str
    key: str
    interactive: bool
    check_key: bool
    force: bool
    ids: list[str] | None = None
    unavailable: str | None = None  # why the list could not be had
    _fetched: bool = field(default=False, repr=False)

    def fetch(self, *, required: bool) -> list[str]:
        if self._fetched:
            if required and self.ids is None and not self.interactive:
                raise NotInteractive(
                    _("cannot list models ({reason}); pass --model").format(reason=self.unavailable)
                )
            return self.ids or []
        self._fetched = True
        from r9s.cli.common.api import ModelListError, list_models

        try:
            self.ids = usable_models(self.tool, list_models(self.base, self.key, LIST_TIMEOUT))
        except ModelListError as exc:
            self.unavailable = str(exc)
            if exc.rejected and self.check_key and not self.force:
                raise KeyRejected(
                    _(
                        "cannot list models: {reason}; nothing was written (check the key, "
                        "or pass --force to write it anyway)"
                    ).format(reason=exc)
                ) from None
            if not self.interactive and required:
                raise NotInteractive(
                    _("cannot list models ({reason}); pass --model").format(reason=exc)
                ) from None
            interact.warn(_("cannot list models: {reason}").format(reason=exc))
        return self.ids or []

    def serves(self, model: str) -> bool:
        """Whether the router lists ``model`` (True when the list is unavailable)."""
        return self.ids is None or model in self.ids


def slot_flags(args: argparse.Namespace, tool: Tool) -> dict[str, str]:
    """The slots given by ``--NAME-model`` and ``--slot NAME=MODEL``."""
    given: dict[str, str] = {}
    names = {slot.name for slot in tool.slots}
    for item in getattr(args, "slot", None) or []:
        name, equals, model = item.partition("=")
        name = name.strip().lower().removesuffix("-model")
        if not equals or not model.strip():
            raise ValueError(_("--slot {item!r}: write NAME=MODEL").format(item=item))
        if name not in names:
            choices = ", ".join(sorted(names)) if names else "none"
            raise ValueError(
                _("--slot {item!r}: {title} has no slot {name!r} ({choices})").format(
                    item=item, title=tool.title, name=name, choices=choices
                )
            )
        given[name] = model.strip()
    for slot in tool.slots:
        value = getattr(args, f"{slot.name}_model", None)
        if value:
            given[slot.name] = value.strip()
    every = {slot.name for other in all_tools() for slot in other.slots}
    unsupported = [
        f"--{name}-model" for name in sorted(every - names) if getattr(args, f"{name}_model", None)
    ]
    if unsupported:
        interact.warn(
            _("{title} has no such model setting: {flags} ignored").format(
                title=tool.title, flags=", ".join(unsupported)
            )
        )
    return given


def resolve_target(
    tool: Tool,
    args: argparse.Namespace,
    interactive: bool,
    *,
    offer_models: bool = False,
    current: Current | None = None,
    check_key: bool = False,
) -> tuple[Target, dict[str, str]]:
    """The target for ``tool``, and where its base URL, key and model came from.

    ``args`` has ``api_key``, ``base_url``, ``model``, ``small_model`` (and for ``set``
    the slot flags, ``reasoning_effort``, ``profile_only``, ``force``). With
    ``offer_models`` (``set``), a terminal user picks the model even when one is
    configured (R9S_MODEL, ./.env, ~/.r9s/config.toml: settings for chat, which may not
    suit this tool); the configured one is then the default. Only ``--model`` skips it.
    ``current`` is what the tool is configured with now: its models are kept where no
    flag names others (and the router still serves them). With ``check_key`` a key the
    server rejects raises :class:`KeyRejected` unless ``args.force``.
    """
    base, base_source = base_url(args.base_url)
    assert base is not None
    key, key_source = resolve(args.api_key, ENV_API_KEY, flag_name="--api-key")
    if not key:
        if not interactive:
            raise NotInteractive(
                _("no API key: pass --api-key or set {variable}").format(variable=ENV_API_KEY)
            )
        key, key_source = (
            interact.ask_secret(_("r9s API key (for {base}, hidden): ").format(base=base)),
            "prompt",
        )
        interact.say(_("  key {key}").format(key=mask_key(key)))
    force = bool(getattr(args, "force", False))
    models = _Models(tool, base, key, interactive, check_key, force)
    if check_key:
        models.fetch(required=False)
    if current is None or not _same_server(current.base_url, base):
        current = Current()  # models of another server say nothing about r9s's

    model, model_source = resolve(args.model, ENV_MODEL, flag_name="--model")
    if model_source != "--model" and current.model and _keeps(models, current.model):
        model, model_source = current.model, N_("kept: the tool's current model")
    small = args.small_model
    if small and not tool.uses_small_model:
        interact.warn(
            _("{title} has no small model; --small-model is ignored").format(title=tool.title)
        )
        small = None
    if offer_models:
        ask_model = interactive and model_source != "--model"
    else:
        ask_model = interactive and model is None
    if ask_model or model is None:
        ids = models.fetch(required=model is None)
        if ask_model:
            if model is not None:
                interact.say(
                    _("  current model: {model} ({said})").format(
                        model=model, said=_said(model_source)
                    )
                )
            model = _pick(tool, ids, interactive, small=False, preferred=model)
            model_source = "chosen"
        else:
            model, model_source = _pick(tool, ids, interactive, small=False), "the best listed"
    assert model is not None

    if not tool.uses_small_model:
        small = model
    elif small is None:
        kept = current.small_model if current.small_model else None
        kept = kept if kept and _keeps(models, kept) else None
        ids = models.fetch(required=False) if kept is None or ask_model else []
        best = kept or default_model(tool, ids, small=True)
        # Asked only while the person picks models anyway, or when nothing suggests one.
        if ask_model or (interactive and best is None and models.ids is None):
            small = _pick(tool, ids, interactive, small=True, fallback=model, preferred=best)
        else:
            small = best or model

    slots = _slots(tool, slot_flags(args, tool), current, models, model, small)
    effort = getattr(args, "reasoning_effort", None) or None
    if effort and not tool.reasoning_efforts:
        interact.warn(
            _("{title} has no reasoning effort setting; --reasoning-effort ignored").format(
                title=tool.title
            )
        )
        effort = None
    elif effort is None and tool.reasoning_efforts:
        effort = current.reasoning_effort
    profile_only = bool(getattr(args, "profile_only", False))
    if profile_only and tool.profile_file is None:
        raise ValueError(_("--profile-only: {title} has no profiles").format(title=tool.title))
    sources = {"base_url": base_source, "api_key": key_source, "model": model_source}
    listed = tuple(models.ids or ())
    target = Target(base, key, model, small, slots, effort, profile_only, listed)
    return target, sources


def _same_server(url: str | None, base: str) -> bool:
    from r9s._config import normalize_base_url

    if not url:
        return False
    try:
        return normalize_base_url(url).rstrip("/") == base.rstrip("/")
    except ValueError:
        return False


def _said(source: str) -> str:
    return _(source) if source.startswith("kept") else _("from {source}").format(source=source)


def _keeps(models: _Models, model: str) -> bool:
    """A model the tool has now is kept while the router serves it."""
    return models.serves(model)


def _slots(
    tool: Tool,
    given: dict[str, str],
    current: Current,
    models: _Models,
    model: str,
    small: str,
) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for slot in tool.slots:
        if slot.name in given:
            chosen[slot.name] = given[slot.name]
            continue
        now = current.slots.get(slot.name)
        if now and _keeps(models, now):
            chosen[slot.name] = now
            continue
        ids = models.fetch(required=False) if models.check_key else models.ids or []
        value = _slot_default(slot, ids)
        value = value or {"model": model, "small": small}.get(slot.fallback)
        if value:
            chosen[slot.name] = value
    return chosen


def _slot_default(slot: Slot, ids: Sequence[str]) -> str | None:
    for prefix in slot.preferred:
        for model_id in ids:
            if model_id.lower().startswith(prefix):
                return model_id
    return None


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
    label = _("Small, fast model") if small else _("Model")
    if not interactive:
        if default is None:
            raise NotInteractive(
                _("the server lists no model for {title}; pass --model").format(title=tool.title)
            )
        return default
    if ids:
        listed = (
            _("Small, fast model for {title} ({count} available):")
            if small
            else _("Model for {title} ({count} available):")
        )
        interact.say(listed.format(title=tool.title, count=len(ids)))
        return interact.choose(label, ids, default)
    typed = (
        _("Small, fast model id (the list is unavailable; type it)")
        if small
        else _("Model id (the list is unavailable; type it)")
    )
    return interact.ask_text(typed, default)
