"""What a coding tool is, as data: its files, the edits that point it at r9s, how to run it.

A tool module holds no I/O: ``render`` turns a :class:`Target` into edits that the shared
engine (:mod:`r9s.cli.common.formats`) applies, ``inspect`` reads a parsed config back
for ``doctor``, and ``run_plan`` says how to inject r9s for a single run. ``writes`` and
``injects`` describe the same for ``--help`` and docs/coding-tools.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from r9s.cli.common.api import NOT_CHAT
from r9s.cli.common.formats import MISSING, REMOVE, Edits, Format, KeyPath, Update
from r9s.cli.common.i18n import _

__all__ = [
    "MISSING",
    "REMOVE",
    "ConfigFile",
    "Current",
    "Edits",
    "Format",
    "KeyPath",
    "RunPlan",
    "Slot",
    "Target",
    "Tool",
    "Update",
    "default_model",
    "ours_in_list",
    "table",
    "text",
    "usable_models",
]


@dataclass(frozen=True)
class ConfigFile:
    """A config file, relative to HOME unless the variable ``dir_env`` names its folder."""

    home_path: str
    format: Format
    holds_key: bool = True
    dir_env: str | None = None
    dir_env_sub: str = ""
    only_secrets: bool = False  # every value is a credential (llm's keys.json): diffs mask all

    def location(self, home: Path, environ: Mapping[str, str]) -> Path:
        """Where the tool reads this file for this user."""
        folder = environ.get(self.dir_env, "") if self.dir_env else ""
        if folder:
            return Path(folder) / self.dir_env_sub / PurePosixPath(self.home_path).name
        return home / self.home_path


@dataclass(frozen=True)
class Slot:
    """A model setting beyond the main and small model (Claude Code's per-tier models).

    Set with ``--NAME-model M`` or ``--slot NAME=M``; without either, the best listed
    model whose id starts with one of ``preferred``, else the small model (``fallback =
    "small"``) or the main one (``"model"``); ``fallback = ""`` leaves it unset.
    """

    name: str
    setting: str  # what the tool calls it, for --help and docs
    preferred: tuple[str, ...] = ()
    fallback: str = "model"


@dataclass(frozen=True)
class Target:
    """What ``r9s set`` points a tool at. ``base_url`` always ends in ``/v1``-style path."""

    base_url: str
    api_key: str
    model: str
    small_model: str
    slots: Mapping[str, str] = field(default_factory=dict)  # Slot.name -> model id
    reasoning_effort: str | None = None
    profile_only: bool = False  # write only the tool's r9s profile, not its default
    listed: tuple[str, ...] = ()  # the models the router lists for the tool (when known)


@dataclass(frozen=True)
class Current:
    """What a tool's config says now (read back for ``doctor``)."""

    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    key_source: str = ""
    # What the files give to the variables of ``Tool.overriding_env`` they also set, so
    # that doctor can tell an override from the same value set twice.
    file_values: Mapping[str, str] = field(default_factory=dict)
    small_model: str | None = None
    slots: Mapping[str, str] = field(default_factory=dict)  # Slot.name -> model id
    reasoning_effort: str | None = None

    def models(self) -> dict[str, str]:
        """Every model setting by what it is ("model", "small model", a slot's name)."""
        slots = {f"{name} model": model for name, model in self.slots.items()}
        named = {"model": self.model, "small model": self.small_model, **slots}
        return {what: model for what, model in named.items() if model}


@dataclass(frozen=True)
class RunPlan:
    """How ``r9s run`` injects r9s: extra environment, leading arguments, private files.

    ``args`` and ``env`` values may be ``{file:NAME}``, replaced by the path of a private
    temporary file holding ``files[NAME]`` (mode 0600, deleted after the run), or
    ``{dir}``, the private temporary folder holding them.
    """

    env: dict[str, str]
    args: list[str] = field(default_factory=list)
    unset: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Blurb:
    """One description in two forms: ``help``, plain text for ``--help`` (lines of at most
    78 characters, broken with newlines; it follows the tool's name), and ``markdown``, one
    cell of a docs table."""

    help: str
    markdown: str


@dataclass(frozen=True)
class Tool:
    """A supported coding tool, described as data plus small pure functions."""

    name: str
    title: str
    aliases: tuple[str, ...]
    executable: str
    package: str  # on npm, or on PyPI with registry="pypi"
    protocol: str  # "anthropic", "openai" or "gemini": what the tool sends
    files: tuple[ConfigFile, ...]
    render: Callable[[Target], list[Edits]]  # one Edits per file, in order
    inspect: Callable[[Sequence[Mapping[str, Any]], Mapping[str, str]], Current]
    run_plan: Callable[[Target], RunPlan]
    preferred_models: tuple[str, ...]  # id prefixes, best first
    order: int  # where the tool comes in every list (help, doctor, the pick in set)
    writes: Blurb  # what `set` writes (the file is named beside it)
    injects: Blurb  # how `run` injects r9s
    preferred_small_models: tuple[str, ...] = ()  # empty: the tool has no small model
    overriding_env: tuple[str, ...] = ()  # variables that beat (or join) the file
    project_files: tuple[str, ...] = ()  # relative to the working folder, or absolute
    # Files the tool looks for in the working folder, then each parent up to /, then in
    # HOME, reading only the first it finds (Gemini CLI's .env): names in order of
    # preference within one folder.
    env_file_search: tuple[str, ...] = ()
    warnings: Callable[[Sequence[Mapping[str, Any]]], list[str]] = lambda docs: []
    run_notes: Callable[[Sequence[Mapping[str, Any]]], list[str]] = lambda docs: []
    registry: str = "npm"  # or "pypi"
    slots: tuple[Slot, ...] = ()
    reasoning_efforts: tuple[str, ...] = ()  # the values the tool accepts; empty: none
    # The file `set --profile-only` writes alone (an index into ``files``), when the
    # tool has profiles beside its default.
    profile_file: int | None = None
    # The variables `r9s env TOOL` prints (the same target as `run`, for a shell).
    env: Callable[[Target], dict[str, str]] | None = None
    api: str = ""  # the API it sends (doctor --probe): "" is the protocol's usual one

    @property
    def probe_api(self) -> str:
        """ "messages", "responses", "chat" or "gemini"."""
        usual = {"anthropic": "messages", "gemini": "gemini", "openai": "chat"}
        return self.api or usual[self.protocol]

    @property
    def uses_small_model(self) -> bool:
        return bool(self.preferred_small_models)

    @property
    def install_hint(self) -> str:
        """The command that installs the tool."""
        if self.registry == "pypi":
            return f"pipx install {self.package} (or: pip install {self.package})"
        return f"npm install -g {self.package}"


# Models a coding tool cannot chat with, recognised by id when the list does not say.
_NOT_CHAT = NOT_CHAT


def usable_models(tool: Tool, models: Sequence[Any]) -> list[str]:
    """Ids of the models ``tool`` can use, preferred ones first.

    ``models`` are :class:`r9s.cli.common.api.ModelInfo`-like (``id``, ``endpoint_types``).
    A model is dropped when the list says it serves other protocols only, or when its
    id names a non-chat model (embeddings, audio, images).
    """
    ids = []
    for model in models:
        kinds = getattr(model, "endpoint_types", None)
        if kinds is not None and tool.protocol not in kinds and "openai" not in kinds:
            continue
        if _NOT_CHAT.search(model.id):
            continue
        ids.append(model.id)
    return sorted(dict.fromkeys(ids), key=lambda i: _rank(i, tool.preferred_models))


def default_model(tool: Tool, ids: Sequence[str], *, small: bool = False) -> str | None:
    """The best id for ``tool`` among ``ids`` (its small model with ``small``)."""
    prefixes = tool.preferred_small_models if small else tool.preferred_models
    ranked = sorted(ids, key=lambda i: _rank(i, prefixes))
    if ranked and _rank(ranked[0], prefixes) < len(prefixes):
        return ranked[0]
    return ids[0] if ids and not small else None


def _rank(model_id: str, prefixes: Sequence[str]) -> int:
    """Position of the first matching prefix; sorting is stable, so ties keep list order."""
    for position, prefix in enumerate(prefixes):
        if model_id.lower().startswith(prefix):
            return position
    return len(prefixes)


def ours_in_list(
    is_ours: Callable[[Any], bool], ours: Sequence[Any], what: str, *, first: bool = True
) -> Update:
    """An edit of a list setting: r9s's entries (those ``is_ours`` accepts) replaced by
    ``ours``, first or last, every other entry kept in its order. A value that is not a
    list is refused (``what`` names it)."""

    def update(current: Any) -> list[Any]:
        if current is MISSING:
            current = []
        if not isinstance(current, list):
            raise ValueError(_("{what} is not a list").format(what=what))
        others = [entry for entry in current if not is_ours(entry)]
        return [*ours, *others] if first else [*others, *ours]

    return Update(update)


def text(value: Any) -> str | None:
    """A config value as a string, or None when absent or not a string."""
    return value if isinstance(value, str) and value else None


def table(value: Any) -> Mapping[str, Any]:
    """A config value as a mapping (an empty one when absent or of another type)."""
    return value if isinstance(value, Mapping) else {}
