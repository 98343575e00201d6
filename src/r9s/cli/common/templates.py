"""Templates: saved prompts (``~/.r9s/templates/NAME.toml``), and how they are rendered.

A template holds a system prompt, a prompt, a model, an API, options, skills and
defaults for its ``$variables``. Why TOML: Python reads it without a dependency
(``tomllib``, so ``r9s chat -t`` stays fast), ``'''``/``\"\"\"`` strings hold a prompt of
many lines as it is, a value's type never depends on how it looks (YAML reads
``no`` as false and ``3.10`` as 3.1), and ``~/.r9s/config.toml`` is TOML already.

Rendering replaces ``$name`` and ``${name}`` by the values given (``-p name value``,
else the template's defaults), ``$$`` by ``$``, and nothing else: it never runs a
command and never reads a file (``!{...}``, ``$(...)``, backticks and ``@file`` stay
as they are), and a value is inserted as it is, never rendered again.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from r9s.cli.common.errors import UsageError
from r9s.cli.common.files import KEY_FILE_MODE, display, remove, write_atomic
from r9s.cli.common.i18n import _
from r9s.cli.common.settings import state_dir

APIS = ("chat", "messages", "responses")
INPUT = "input"  # the variable that receives what the person typed or piped
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_VARIABLE = re.compile(r"\$(?:(\$)|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})")


class TemplateError(UsageError):
    """A template (or agent) that cannot be used as asked: one line, exit 2."""


def check_name(name: str, kind: str = "template") -> str:
    """``name`` if it can name a file of ours: letters, digits, ``-``, ``_``, ``.``
    (not first), at most 64; never a path."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise TemplateError(
            _(
                "{name!r} is not a valid {kind} name: use letters, digits, '-', '_' and '.' "
                "(not first), at most 64 characters"
            ).format(name=name, kind=kind)
        )
    return name


# ------------------------------------------------------------------ the document


@dataclass
class Preset:
    """What a template or an agent sets for a chat (None or empty: not set)."""

    description: str = ""
    system: str | None = None
    prompt: str | None = None
    model: str | None = None
    api: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    skills: list[str] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)

    def variables(self) -> list[str]:
        """The variables of its system prompt and prompt, in order, each once."""
        found: list[str] = []
        for text in (self.system, self.prompt):
            for name in variables(text or ""):
                if name not in found:
                    found.append(name)
        return found


# Document keys per kind: (file key, Preset attribute)
TEMPLATE_KEYS = {
    "description": "description",
    "model": "model",
    "api": "api",
    "system": "system",
    "prompt": "prompt",
    "skills": "skills",
    "options": "options",
    "defaults": "defaults",
}


def preset_from(data: Mapping[str, Any], keys: Mapping[str, str], where: str) -> Preset:
    """Check a parsed document against ``keys`` and build its Preset; TemplateError
    names ``where`` and what is wrong."""
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise TemplateError(
            _("{where}: unknown key {unknown!r} (known: {join})").format(
                where=where, unknown=unknown[0], join=", ".join(keys)
            )
        )
    values: dict[str, Any] = {}
    for key, attribute in keys.items():
        if key not in data:
            continue
        value = data[key]
        if attribute in ("description", "system", "prompt", "model", "api"):
            if not isinstance(value, str):
                raise TemplateError(
                    _("{where}: {key} must be a string").format(where=where, key=key)
                )
            if attribute == "api" and value and value not in APIS:
                raise TemplateError(
                    _("{where}: api must be one of {join}").format(
                        where=where, join=", ".join(APIS)
                    )
                )
            values[attribute] = value if value or attribute == "description" else None
        elif attribute == "skills":
            from r9s.cli.common.skills import NAME

            if not isinstance(value, list) or not all(
                isinstance(v, str) and NAME.fullmatch(v) for v in value
            ):
                raise TemplateError(
                    _("{where}: {key} must be a list of skill names").format(where=where, key=key)
                )
            values[attribute] = list(value)
        elif attribute == "options":
            values[attribute] = check_options(value, f"{where}: {key}")
        elif attribute == "defaults":
            if not isinstance(value, dict) or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()
            ):
                raise TemplateError(
                    _("{where}: {key} must be a table of text values").format(where=where, key=key)
                )
            values[attribute] = {name: str(v) for name, v in value.items()}
    return Preset(**values)


def check_options(value: Any, where: str) -> dict[str, Any]:
    """The request options a template or an agent sets: the keys of ``r9s chat -o``
    (:mod:`r9s.cli.common.options`), each value of its kind."""
    from r9s.cli.common.options import OptionError, check_kept

    if not isinstance(value, dict):
        raise TemplateError(_("{where} must be a table").format(where=where))
    try:
        return check_kept(value)
    except OptionError as exc:
        raise TemplateError(f"{where}: {str(exc).removeprefix('-o ')}") from None


def parse_value(text: str) -> Any:
    """A value typed on the command line (``--param temperature 0.2``): a number when it
    reads as one, else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def document_of(preset: Preset, keys: Mapping[str, str], header: str) -> str:
    """``preset`` as a TOML document (``header`` as its leading comment lines)."""
    import tomlkit

    doc = tomlkit.document()
    for line in header.splitlines():
        doc.add(tomlkit.comment(line))
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, attribute in keys.items():
        value = getattr(preset, attribute)
        if isinstance(value, dict):
            if value:
                tables.append((key, value))
        elif isinstance(value, list):
            if value:
                doc[key] = value
        elif value:
            doc[key] = _toml_string(value)
    for key, value in tables:
        table = tomlkit.table()
        for name, item in value.items():
            table[name] = item
        doc[key] = table
    return tomlkit.dumps(doc)


def _toml_string(text: str) -> Any:
    import tomlkit

    multiline = "\n" in text and "\r" not in text
    return tomlkit.string(text, multiline=multiline)


def parse_document(text: str, keys: Mapping[str, str], where: str) -> Preset:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{where}: {exc}") from None
    return preset_from(data, keys, where)


# ------------------------------------------------------------------ rendering


def variables(text: str) -> list[str]:
    """The ``$name``/``${name}`` variables of ``text``, in order."""
    return [m[2] or m[3] for m in _VARIABLE.finditer(text) if not m[1]]


def render(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its variables replaced, in one pass (a value is never rendered)."""

    def replace(match: re.Match[str]) -> str:
        if match[1]:
            return "$"
        return values[match[2] or match[3]]

    return _VARIABLE.sub(replace, text)


@dataclass(frozen=True)
class Rendered:
    system: str | None
    prompt: str  # the first message: the template's prompt with the input, or the input


def apply(preset: Preset, name: str, text: str, params: Mapping[str, str]) -> Rendered:
    """The system prompt and first message of ``preset`` for the person's ``text``
    (what they typed or piped: ``$input``) and ``params`` (``-p NAME VALUE``).

    A template prompt without ``$input`` gets the text after it, a blank line between.
    A variable without a value, or a ``-p`` the template has no variable for, is an error.
    """
    if INPUT in params:
        raise TemplateError(
            _("-p {INPUT}: $input is what you type or pipe, not a parameter").format(INPUT=INPUT)
        )
    used = preset.variables()
    unknown = [key for key in params if key not in used]
    if unknown:
        has = ", ".join(v for v in used if v != INPUT) or "none"
        raise TemplateError(
            _("{name} has no variable {unknown!r} (its variables: {has})").format(
                name=name, unknown=unknown[0], has=has
            )
        )
    values = {**preset.defaults, **params, INPUT: text}
    missing = [v for v in used if v not in values]
    if missing:
        flags = " ".join(f"-p {v} VALUE" for v in missing)
        raise TemplateError(
            _("{name} needs a value for ${missing}: add {flags}").format(
                name=name, missing=missing[0], flags=flags
            )
        )
    system = render(preset.system, values) if preset.system else None
    if preset.prompt is None:
        return Rendered(system, text)
    prompt = render(preset.prompt, values)
    if INPUT not in variables(preset.prompt) and text:
        prompt = f"{prompt}\n\n{text}" if prompt else text
    return Rendered(system, prompt)


# ------------------------------------------------------------------ files


def templates_dir(home: Path | None = None) -> Path:
    return state_dir(home) / "templates"


def template_path(name: str, home: Path | None = None) -> Path:
    return templates_dir(home) / f"{check_name(name)}.toml"


def template_names(home: Path | None = None) -> list[str]:
    folder = templates_dir(home)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml") if _NAME.fullmatch(p.stem))


def load_template(name: str, home: Path | None = None) -> Preset:
    path = template_path(name, home)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        known = template_names(home)
        hint = f" (yours: {', '.join(known)})" if known else " (r9s chat --save NAME makes one)"
        raise TemplateError(_("no template {name!r}{hint}").format(name=name, hint=hint)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{display(path)}: {exc}") from None
    return parse_document(text, TEMPLATE_KEYS, display(path))


TEMPLATE_HEADER = """\
r9s template: r9s chat -t {name} [-p VARIABLE VALUE]... [QUESTION]
$variables in system and prompt come from -p (or [defaults]); $input is the question
typed or piped (without $input in the prompt, the question follows the prompt).
Keys: description, model, api (chat, messages, responses), system, prompt, skills,
[options] (the keys of r9s chat -o: temperature, max_tokens, top_p...), [defaults]."""


def template_text(name: str, preset: Preset) -> str:
    return document_of(preset, TEMPLATE_KEYS, TEMPLATE_HEADER.format(name=name))


def save_template(name: str, preset: Preset, *, replace: bool, home: Path | None = None) -> Path:
    """Write the template (0600, atomically); refuses to replace one unless ``replace``."""
    path = template_path(name, home)
    if path.exists() and not replace:
        raise TemplateError(
            _(
                "a template {name!r} exists already: change it with `r9s templates edit {name}`, "
                "or remove it first (`r9s templates rm {name}`)"
            ).format(name=name)
        )
    write_atomic(path, template_text(name, preset).encode("utf-8"), KEY_FILE_MODE)
    return path


def remove_template(name: str, home: Path | None = None) -> Path:
    path = template_path(name, home)
    if not path.exists():
        raise TemplateError(_("no template {name!r}").format(name=name))
    remove(path)
    return path


# ------------------------------------------------------------------ $EDITOR


def editor_command() -> list[str]:
    """``$VISUAL``, else ``$EDITOR`` (with its arguments: ``code --wait``), else an editor
    found on PATH."""
    import shutil

    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            return shlex.split(value)
    for name in ("editor", "nano", "vim", "vi"):
        if shutil.which(name):
            return [name]
    raise TemplateError(_("no editor: set $EDITOR (for example EDITOR=nano)"))


def edit_text(text: str, name: str, check: Any) -> str | None:
    """Let the person edit ``text`` in their editor (a private temporary file named
    ``name``) until ``check(new_text)`` accepts it; None when nothing changed.

    A rejected edit is offered again on a terminal; without one, the error says where
    the edited copy was kept, so no typing is lost."""
    from r9s.cli.common import interact

    folder = Path(tempfile.mkdtemp(prefix="r9s-edit-"))
    path = folder / name
    path.write_text(text, "utf-8")
    path.chmod(KEY_FILE_MODE)
    keep = False
    try:
        while True:
            command = [*editor_command(), str(path)]
            try:
                done = subprocess.run(command, check=False)
            except OSError as exc:
                raise TemplateError(
                    _("cannot start the editor {command!r}: {exc}").format(
                        command=command[0], exc=exc
                    )
                ) from None
            if done.returncode != 0:
                keep = True
                raise TemplateError(
                    _(
                        "the editor exited with status {returncode}; nothing was changed "
                        "(your edit is kept in {path})"
                    ).format(returncode=done.returncode, path=path)
                )
            edited = path.read_text("utf-8")
            if edited == text:
                return None
            try:
                check(edited)
            except TemplateError as exc:
                if interact.is_interactive() and interact.confirm(
                    _("{exc}. Edit again?").format(exc=exc), True
                ):
                    continue
                keep = True
                raise TemplateError(
                    _("{exc}; nothing was changed (your edit is kept in {path})").format(
                        exc=exc, path=path
                    )
                ) from None
            return edited
    finally:
        if not keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
