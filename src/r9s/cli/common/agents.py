"""Agents: named, versioned presets (instructions, model, params, skills) with history.

``~/.r9s/agents/NAME/v1.toml``, ``v2.toml``...: every change is a new version file and
no version is ever rewritten, so ``diff`` and ``rollback`` (a new version holding an
old one's content) always have the history. A version is created with a hard link
from a complete temporary file: two changes at once get two numbers, never one file.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from r9s.cli.common.files import KEY_FILE_MODE, display, make_dirs
from r9s.cli.common.i18n import _
from r9s.cli.common.settings import state_dir
from r9s.cli.common.templates import (
    Preset,
    TemplateError,
    check_name,
    document_of,
    preset_from,
)

AGENT_KEYS = {
    "description": "description",
    "instructions": "system",
    "model": "model",
    "api": "api",
    "skills": "skills",
    "params": "options",
}
_VERSION_FILE = re.compile(r"v([1-9][0-9]*)\.toml")
AGENT_HEADER = """\
r9s agent {name}: r9s chat --agent {name} [QUESTION]
Saving a change makes version {next}; `r9s agents versions {name}` lists them.
Keys: description, instructions (the system prompt), model, api (chat, messages,
responses), skills (names from `r9s skills list`), [params] (the keys of r9s chat -o)."""


@dataclass(frozen=True)
class Version:
    number: int
    created: str
    note: str
    preset: Preset
    path: Path


def now_text() -> str:
    return datetime.now().isoformat(timespec="seconds")


def agents_dir(home: Path | None = None) -> Path:
    return state_dir(home) / "agents"


def agent_dir(name: str, home: Path | None = None) -> Path:
    return agents_dir(home) / check_name(name, "agent")


def agent_names(home: Path | None = None) -> list[str]:
    folder = agents_dir(home)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and _numbers(p))


def _numbers(folder: Path) -> list[int]:
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(int(m[1]) for name in names if (m := _VERSION_FILE.fullmatch(name)))


def exists(name: str, home: Path | None = None) -> bool:
    return bool(_numbers(agent_dir(name, home)))


def content_text(name: str, preset: Preset, next_number: int) -> str:
    """An agent version's content as the person edits and diffs it."""
    header = AGENT_HEADER.format(name=name, next=next_number)
    return document_of(preset, AGENT_KEYS, header)


def body_text(preset: Preset) -> str:
    """An agent version's content without the explanatory comments (show, diff)."""
    return document_of(preset, AGENT_KEYS, "")


def parse_content(text: str, where: str) -> Preset:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{where}: {exc}") from None
    data.pop("version", None)
    return preset_from(data, AGENT_KEYS, where)


def versions(name: str, home: Path | None = None) -> list[Version]:
    """Every version of the agent, oldest first (TemplateError when there is none)."""
    folder = agent_dir(name, home)
    numbers = _numbers(folder)
    if not numbers:
        known = agent_names(home)
        hint = f" (yours: {', '.join(known)})" if known else " (r9s agents create NAME makes one)"
        raise TemplateError(_("no agent {name!r}{hint}").format(name=name, hint=hint))
    return [_read(folder / f"v{number}.toml", number) for number in numbers]


def _read(path: Path, number: int) -> Version:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(f"{display(path)}: {exc}") from None
    meta = data.pop("version", {})
    if not isinstance(meta, dict):
        raise TemplateError(_("{display}: [version] must be a table").format(display=display(path)))
    preset = preset_from(data, AGENT_KEYS, display(path))
    return Version(number, str(meta.get("created", "")), str(meta.get("note", "")), preset, path)


def version(name: str, number: int | None = None, home: Path | None = None) -> Version:
    """One version (the latest without ``number``)."""
    found = versions(name, home)
    if number is None:
        return found[-1]
    for item in found:
        if item.number == number:
            return item
    have = ", ".join(f"v{item.number}" for item in found)
    raise TemplateError(
        _("agent {name!r} has no version {number} (it has {have})").format(
            name=name, number=number, have=have
        )
    )


def parse_version(text: str) -> int:
    """``3`` or ``v3``."""
    value = text.strip().lower().removeprefix("v")
    if not value.isdigit() or int(value) < 1:
        raise TemplateError(_("{text!r} is not a version (give 3 or v3)").format(text=text))
    return int(value)


def split_reference(text: str) -> tuple[str, int | None]:
    """``NAME`` or ``NAME@V`` (``--agent reviewer@2``)."""
    name, at, number = text.partition("@")
    return check_name(name, "agent"), parse_version(number) if at else None


def save_version(
    name: str, preset: Preset, note: str = "", *, new: bool = False, home: Path | None = None
) -> Version:
    """Add a version with ``preset``'s content. With ``new``, the agent must not exist."""
    folder = agent_dir(name, home)
    existing = _numbers(folder)
    if new and existing:
        raise TemplateError(
            _(
                "an agent {name!r} exists already: `r9s agents edit {name}` makes a new version"
            ).format(name=name)
        )
    if not new and not existing:
        raise TemplateError(
            _("no agent {name!r} (r9s agents create {name} makes it)").format(name=name)
        )
    make_dirs(folder)
    number = (existing[-1] if existing else 0) + 1
    while True:
        body = _version_file(name, preset, number, note)
        target = folder / f"v{number}.toml"
        if _create_new(target, body):
            return Version(number, now_text(), note, preset, target)
        number += 1  # another r9s took this number meanwhile


def _version_file(name: str, preset: Preset, number: int, note: str) -> bytes:
    import tomlkit

    text = content_text(name, preset, number + 1)
    meta = tomlkit.table()
    meta["created"] = now_text()
    meta["note"] = note
    doc = tomlkit.parse(text)
    doc["version"] = meta
    return tomlkit.dumps(doc).encode("utf-8")


def _create_new(target: Path, data: bytes) -> bool:
    """Write ``target`` whole or not at all; False when it exists already."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".new-", suffix=".tmp")
    try:
        os.fchmod(fd, KEY_FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, target)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def diff(name: str, first: Version, second: Version) -> str:
    """The change from ``first`` to ``second``, as a unified diff of their content."""
    lines = difflib.unified_diff(
        body_text(first.preset).splitlines(keepends=True),
        body_text(second.preset).splitlines(keepends=True),
        fromfile=f"{name} v{first.number}",
        tofile=f"{name} v{second.number}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def remove_agent(name: str, home: Path | None = None) -> int:
    """Delete the agent and all its versions; how many versions there were."""
    import shutil

    count = len(versions(name, home))
    shutil.rmtree(agent_dir(name, home))
    return count
