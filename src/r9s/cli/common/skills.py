"""Skills: folders holding a ``SKILL.md``, in the Agent Skills format that Claude Code and
Codex read: YAML front matter between ``---`` lines (``name``, ``description``; optional
``license``, ``compatibility``, ``metadata``, ``allowed-tools``), then the instructions.

The rules checked are those of the format (and of Claude Code's own check): ``name`` is
1-64 characters of lowercase letters, digits and single hyphens, not first or last, and
equals its folder's name; ``description`` is 1-1024 characters; ``compatibility`` at
most 500; ``metadata`` maps text to text.

Installed skills live in ``~/.r9s/skills/NAME/``. A skill is found by its name only,
never by a path, and its ``SKILL.md`` must resolve inside that folder: a name such as
``../x`` or ``/etc`` is refused, and so is a symlink that leads out (a skill from a
repository could otherwise put ``~/.ssh/id_rsa`` into a system prompt).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from r9s.cli.common.errors import UsageError
from r9s.cli.common.files import display, make_dirs
from r9s.cli.common.i18n import _
from r9s.cli.common.settings import state_dir

SKILL_FILE = "SKILL.md"
NAME = re.compile(r"(?=.{1,64}$)[a-z0-9]+(?:-[a-z0-9]+)*")
DESCRIPTION_LIMIT = 1024
COMPATIBILITY_LIMIT = 500
SKILL_FILE_LIMIT = 1024 * 1024
FIELDS = ("name", "description", "license", "compatibility", "metadata", "allowed-tools")
CLONE_TIMEOUT = 300.0


class SkillError(UsageError):
    """A skill that cannot be used or installed: one line, exit 2."""


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    instructions: str
    folder: Path
    fields: dict[str, Any]


@dataclass
class Check:
    """What :func:`check_folder` found: the skill (when it can be read) and problems."""

    skill: Skill | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def skills_dir(home: Path | None = None) -> Path:
    return state_dir(home) / "skills"


def check_skill_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise SkillError(
            _(
                "{name!r} is not a skill name: 1-64 lowercase letters, digits and single "
                "hyphens (not first or last)"
            ).format(name=name)
        )
    return name


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter, instructions) of a SKILL.md; SkillError if it has no front matter."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise SkillError(
            _("{SKILL_FILE} must start with a '---' line (YAML front matter)").format(
                SKILL_FILE=SKILL_FILE
            )
        )
    for index, line in enumerate(lines[1:], 1):
        if line.rstrip("\r\n") == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    raise SkillError(
        _("{SKILL_FILE}: the front matter has no closing '---' line").format(SKILL_FILE=SKILL_FILE)
    )


def parse_skill_file(text: str) -> tuple[dict[str, Any], str]:
    """The front matter (a mapping) and the instructions of a SKILL.md."""
    import yaml

    head, body = split_front_matter(text)
    try:
        data = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise SkillError(
            _("{SKILL_FILE}: the front matter is not valid YAML{where}: {problem}").format(
                SKILL_FILE=SKILL_FILE, where=where, problem=problem
            )
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SkillError(
            _("{SKILL_FILE}: the front matter must be a mapping (name: ...)").format(
                SKILL_FILE=SKILL_FILE
            )
        )
    return data, body


def _check_fields(data: dict[str, Any], found: Check) -> None:
    errors, warnings = found.errors, found.warnings
    name = data.get("name")
    if not isinstance(name, str) or not name:
        errors.append("name is missing")
    elif not NAME.fullmatch(name):
        errors.append(
            f"name {name!r}: 1-64 lowercase letters, digits and single hyphens (not first or last)"
        )
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        errors.append("description is missing")
    elif len(description) > DESCRIPTION_LIMIT:
        errors.append(
            f"description has {len(description)} characters (at most {DESCRIPTION_LIMIT})"
        )
    compatibility = data.get("compatibility")
    if compatibility is not None and (
        not isinstance(compatibility, str) or len(compatibility) > COMPATIBILITY_LIMIT
    ):
        errors.append(f"compatibility must be text of at most {COMPATIBILITY_LIMIT} characters")
    license_ = data.get("license")
    if license_ is not None and not isinstance(license_, str):
        errors.append("license must be text")
    metadata = data.get("metadata")
    if metadata is not None and not (
        isinstance(metadata, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        errors.append("metadata must map text to text (quote numbers and dates)")
    tools = data.get("allowed-tools")
    listed = isinstance(tools, list) and all(isinstance(t, str) for t in tools)
    if tools is not None and not (isinstance(tools, str) or listed):
        errors.append("allowed-tools must be text or a list of text")
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        warnings.append(
            f"{', '.join(map(str, unknown))}: not in the Agent Skills format (kept, not used)"
        )


def _links_out(folder: Path) -> list[str]:
    """The symlinks under ``folder`` that lead outside it."""
    root = folder.resolve()
    leaks = []
    for parent, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".git"]
        for entry in [*dirs, *files]:
            path = Path(parent) / entry
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                leaks.append(str(path.relative_to(folder)))
    return leaks


def check_folder(folder: Path, *, name_must_match: bool = True) -> Check:
    """Every problem of the skill in ``folder`` (errors make it unusable)."""
    found = Check()
    path = folder / SKILL_FILE
    if not path.is_file():
        found.errors.append(f"no {SKILL_FILE} in {display(folder)}")
        return found
    leaks = _links_out(folder)
    if leaks:
        found.errors.append(f"symlinks lead out of the skill's folder: {', '.join(leaks)}")
        return found
    if path.stat().st_size > SKILL_FILE_LIMIT:
        found.errors.append(f"{SKILL_FILE} is larger than 1 MiB")
        return found
    try:
        data, body = parse_skill_file(path.read_text("utf-8"))
    except UnicodeDecodeError:
        found.errors.append(f"{SKILL_FILE} is not UTF-8 text")
        return found
    except SkillError as exc:
        found.errors.append(str(exc))
        return found
    _check_fields(data, found)
    name = data.get("name")
    folder_name = folder.resolve().name
    if name_must_match and isinstance(name, str) and name != folder_name:
        found.errors.append(f"name {name!r} differs from its folder's name {folder_name!r}")
    if not body.strip():
        found.warnings.append("no instructions after the front matter")
    if not found.errors:
        found.skill = Skill(str(name), str(data["description"]).strip(), body.strip(), folder, data)
    return found


def load(name: str, home: Path | None = None) -> Skill:
    """An installed skill by name (SkillError for a bad name, a leak or an invalid skill)."""
    check_skill_name(name)
    root = skills_dir(home)
    folder = root / name
    path = folder / SKILL_FILE
    if not folder.exists() and not folder.is_symlink():
        known = [skill.name for skill in installed(home)[0]]
        hint = f" (installed: {', '.join(known)})" if known else " (r9s skills install PATH|GIT)"
        raise SkillError(_("no skill {name!r}{hint}").format(name=name, hint=hint))
    real_root = root.resolve()
    if not path.resolve().is_relative_to(real_root) or not folder.resolve().is_relative_to(
        real_root
    ):
        raise SkillError(
            _(
                "skill {name!r} leads out of {display} (a symlink): refused; "
                "install it with `r9s skills install PATH` instead"
            ).format(name=name, display=display(root))
        )
    found = check_folder(folder)
    if found.skill is None:
        raise SkillError(
            _("skill {name!r} is not valid: {errors}").format(name=name, errors=found.errors[0])
        )
    return found.skill


def remove(name: str, home: Path | None = None) -> Path:
    """Delete an installed skill (a symlink: only the link)."""
    folder = skills_dir(home) / check_skill_name(name)
    if folder.is_symlink():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
    else:
        raise SkillError(_("no skill {name!r}").format(name=name))
    return folder


def installed(home: Path | None = None) -> tuple[list[Skill], list[tuple[str, str]]]:
    """The installed skills, by name, and (folder, problem) for those that cannot be used."""
    root = skills_dir(home)
    skills: list[Skill] = []
    broken: list[tuple[str, str]] = []
    if not root.is_dir():
        return skills, broken
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        try:
            skills.append(load(entry.name, home))
        except SkillError as exc:
            broken.append((entry.name, str(exc)))
    return skills, broken


def with_skills(system: str | None, skills: list[Skill]) -> str | None:
    """The system prompt followed by each skill's instructions."""
    parts = [system] if system else []
    for skill in skills:
        parts.append(
            f'<skill name="{skill.name}">\n{skill.description}\n\n{skill.instructions}\n</skill>'
        )
    return "\n\n".join(parts) if parts else None


# ------------------------------------------------------------------ installing


def is_git_source(source: str) -> bool:
    """A repository URL (``https://``, ``ssh://``, ``file://``, ``git@host:path``) or a
    bare repository's folder; a plain folder is copied as it is."""
    if "://" in source or re.match(r"[\w.-]+@[\w.-]+:", source) or source.endswith(".git"):
        return True
    path = Path(source).expanduser()
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _clone(source: str, into: Path) -> Path:
    git = shutil.which("git")
    if git is None:
        raise SkillError(
            _("installing from {source} needs git, which is not on PATH").format(source=source)
        )
    target = into / "source"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    command = [
        git, "-c", "protocol.ext.allow=never", "clone", "--depth", "1", "--quiet", "--",
        source, str(target),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=CLONE_TIMEOUT, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        raise SkillError(
            _("git clone {source} took over {CLONE_TIMEOUT:g} s").format(
                source=source, CLONE_TIMEOUT=CLONE_TIMEOUT
            )
        ) from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise SkillError(
            _("git clone {source}: {removeprefix}").format(
                source=source, removeprefix=reason.removeprefix("fatal: ")
            )
        )
    return target


def _candidates(root: Path) -> list[Path]:
    if (root / SKILL_FILE).is_file():
        return [root]
    found = [p.parent for p in sorted(root.glob(f"*/{SKILL_FILE}"))]
    found += [p.parent for p in sorted(root.glob(f"skills/*/{SKILL_FILE}"))]
    return [p for p in found if ".git" not in p.parts]


def _copy(source: Path, target: Path) -> None:
    """Copy a skill folder (checked: no symlink leads out); links inside stay links."""
    real_source = source.resolve()
    target.mkdir(mode=0o755)
    for parent, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d != ".git"]
        relative = Path(parent).relative_to(source)
        for entry in [*dirs, *files]:
            origin = Path(parent) / entry
            destination = target / relative / entry
            if origin.is_symlink():
                pointed = origin.resolve()
                link = os.path.relpath(pointed, (real_source / relative).resolve())
                os.symlink(link, destination)
                if entry in dirs:
                    dirs.remove(entry)
            elif entry in dirs:
                destination.mkdir(mode=0o755)
            else:
                shutil.copy2(origin, destination, follow_symlinks=False)


@dataclass
class Installed:
    names: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def install(source: str, *, force: bool = False, home: Path | None = None) -> Installed:
    """Install the skills of ``source``: a folder with a SKILL.md, a folder of skill
    folders (also under ``skills/``), or a git repository of either."""
    root = skills_dir(home)
    make_dirs(root)
    work = Path(tempfile.mkdtemp(prefix=".install-", dir=root))
    result = Installed()
    try:
        if is_git_source(source):
            origin = _clone(source, work)
        else:
            origin = Path(source).expanduser()
            if origin.is_file() and origin.name == SKILL_FILE:
                origin = origin.parent
            if not origin.is_dir():
                raise SkillError(
                    _("{source}: no such folder (or git repository)").format(source=source)
                )
        candidates = _candidates(origin)
        if not candidates:
            raise SkillError(
                _("no {SKILL_FILE} in {source} (looked in it, its folders, and skills/*/)").format(
                    SKILL_FILE=SKILL_FILE, source=source
                )
            )
        for folder in candidates:
            _install_one(folder, folder != origin, root, work, force, result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _install_one(
    folder: Path, name_must_match: bool, root: Path, work: Path, force: bool, result: Installed
) -> None:
    found = check_folder(folder, name_must_match=name_must_match)
    label = folder.name
    if found.skill is None:
        result.failures.append(f"{label}: {'; '.join(found.errors)}")
        return
    skill = found.skill
    result.warnings += [f"{skill.name}: {warning}" for warning in found.warnings]
    target = root / skill.name
    if (target.exists() or target.is_symlink()) and not force:
        result.failures.append(f"{skill.name}: installed already (add --force to replace it)")
        return
    staged = work / f"new-{skill.name}"
    _copy(folder, staged)
    if target.exists() or target.is_symlink():
        old = work / f"old-{skill.name}"
        os.rename(target, old)
    os.rename(staged, target)
    result.names.append(skill.name)
