"""Reading and editing config files in place: JSON (strict, with comments, JSONC), TOML
and ``.env``, keeping everything that is not r9s's.

- Reading never guesses: each JSON file is read in its tool's dialect (comments or not);
  a malformed file raises :class:`~r9s.cli.common.files.MalformedFile` naming the file
  and line, unless the caller forces a rewrite (after a backup).
- JSON is edited in place (:mod:`~r9s.cli.common.jsonc`: comments, order, layout and
  numbers as written kept; ``NaN`` refused); TOML goes through tomlkit, keeping comments
  and layout; ``.env`` files are read as dotenv reads them and keep every line that is
  not ours (:mod:`~r9s.cli.common.dotenv`). Every edit is read back and refused unless
  it equals the old values plus r9s's edits.

An edit is a mapping of key paths to values (:data:`Edits`): a new value, :data:`REMOVE`,
or an :class:`Update` computed from the current value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

from r9s.cli.common.files import MalformedFile
from r9s.cli.common.i18n import _
from r9s.cli.common.jsonc import Dialect, Document, JsonSyntaxError, ObjectView

Format = Literal["json", "json-comments", "jsonc", "toml", "env", "yaml"]
"""``json``: strict; ``json-comments``: ``//`` and ``/* */`` comments too (trailing commas
are read, and removed on writing); ``jsonc``: comments and trailing commas; ``yaml``: see
:mod:`r9s.cli.common.yamlfile`."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""The value an :class:`Update` receives for a key that does not exist yet."""

REMOVE: Any = object()
"""An edit value that deletes the key (a conflicting setting r9s replaces)."""


@dataclass(frozen=True)
class Update:
    """An edit computed from the current value (``MISSING`` when absent).

    The function may raise ``ValueError`` when the current value has the wrong shape;
    the engine then refuses the file as malformed.
    """

    function: Callable[[Any], Any]


KeyPath = tuple[str, ...]
Edits = dict[KeyPath, Any]
"""Key path to new value, :data:`REMOVE` or an :class:`Update`; applied in order."""


class Edited(NamedTuple):
    """An edited file's text, and what the person should know about the edit."""

    text: str
    notes: tuple[str, ...] = ()


def parse(fmt: Format, text: str, path: Path) -> Mapping[str, Any]:
    """The file's values as plain data (for reading back); raises :class:`MalformedFile`."""
    if fmt in JSON_DIALECTS:
        values: dict[str, Any] = _json_document(fmt, text, path).value
        return values
    if fmt == "toml":
        import tomllib

        try:  # the standard library's reader is the faster; tomlkit names the line
            values = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError):
            values = _parse_toml(text, path).unwrap()
        return values
    if fmt == "yaml":
        from r9s.cli.common import yamlfile

        return yamlfile.parse(text, path)
    from r9s.cli.common import dotenv

    return dotenv.parse(text)


def edit(fmt: Format, text: str, edits: Edits, path: Path, *, force: bool = False) -> Edited:
    """``text`` with ``edits`` applied, everything else preserved.

    With ``force``, an unparsable file is replaced and a value of the wrong shape in the
    way of an edit is overwritten (the caller backs the file up first); the notes say so.
    """
    if fmt == "env":
        return Edited(_edit_env(text, edits, path))
    if fmt == "yaml":
        return _edit_yaml(text, edits, path, force)
    conflict = _conflicts(path, text)
    notes: list[str] = []
    replaced: list[str] = []
    if fmt in JSON_DIALECTS:
        try:
            document = _json_document(fmt, text, path)
        except MalformedFile as exc:
            if not force:
                raise
            notes.append(_replacing(exc))
            document = Document("", JSON_DIALECTS[fmt], _json_indent(text))
        before = document.value
        _apply(ObjectView(document), edits, conflict, force, lambda node, levels: {}, replaced)
        if document.dialect.trailing_commas == "remove" and document.remove_trailing_commas():
            notes.append(_("trailing commas removed: this tool accepts comments but not them"))
        after = document.text if document.text.endswith("\n") else document.text + "\n"
        _check(before, edits, force, _json_document(fmt, after, path).value, path)
        notes += document.notes
    else:
        import tomlkit

        try:
            toml = _parse_toml(text, path)
        except MalformedFile as exc:
            if not force:
                raise
            notes.append(_replacing(exc))
            toml = tomlkit.document()
        try:
            before = toml.unwrap()
            _apply(toml, edits, conflict, force, _toml_table, replaced)
            after = tomlkit.dumps(toml)
        except RecursionError:
            raise _too_deep(path) from None
        _check(before, edits, force, _read_toml(after), path)
    notes += [
        _("{keys} had an unexpected type and was replaced").format(keys=keys) for keys in replaced
    ]
    return Edited(after, tuple(notes))


def _edit_yaml(text: str, edits: Edits, path: Path, force: bool) -> Edited:
    import copy

    from r9s.cli.common import yamlfile

    conflict = _conflicts(path, text)

    def apply(values: Any, edits: Mapping[KeyPath, Any]) -> Any:
        expected = copy.deepcopy(values)
        _apply(expected, dict(edits), conflict, force, lambda node, levels: {})
        return expected

    try:
        return Edited(yamlfile.edit(text, edits, path, apply))
    except MalformedFile as exc:
        if not force or exc.force_replaces is None:
            raise
        return Edited(yamlfile.edit("", edits, path, apply), (_replacing(exc),))


def _replacing(exc: MalformedFile) -> str:
    return _(
        "line {line}: {problem}: the file is replaced by one holding only "
        "r9s's settings (the old one stays in the backup)"
    ).format(line=exc.line, problem=exc.problem)


# How each tool's JSON reader reads its settings: Claude Code strict JSON; Gemini CLI
# and Qwen Code strip comments (strip-json-comments) but refuse trailing commas;
# opencode uses jsonc-parser with trailing commas allowed.
JSON_DIALECTS: dict[str, Dialect] = {
    "json": Dialect(),
    "json-comments": Dialect(comments=True, trailing_commas="remove"),
    "jsonc": Dialect(comments=True, trailing_commas="keep"),
}


def _json_document(fmt: Format, text: str, path: Path) -> Document:
    try:
        document = Document(text, JSON_DIALECTS[fmt], _json_indent(text))
    except JsonSyntaxError as exc:
        raise MalformedFile(path, exc.line, f"invalid JSON: {exc.message}") from None
    if not isinstance(document.value, dict):
        raise MalformedFile(path, 1, "the top level is not a JSON object")
    return document


def _parse_toml(text: str, path: Path) -> Any:
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        reason = str(exc).split(" at line ")[0]
        deep = re.search(r"nested more than (\d+) levels", reason)
        if deep:  # tomlkit's own limit
            reason = f"too deeply nested (more than {deep[1]} levels)"
        raise MalformedFile(path, exc.line, f"invalid TOML: {reason}") from None
    except RecursionError:
        raise _too_deep(path) from None


def _too_deep(path: Path) -> MalformedFile:
    return MalformedFile(path, 0, "too deeply nested", force_replaces=None, hint="fix the file")


def _toml_table(parent: Any, levels_below: int) -> Any:
    import tomlkit
    from tomlkit.items import InlineTable

    # Inside an inline table (model_providers = { ... }) only an inline table may go,
    # and beside dotted keys (model_providers.x.name = ...) a [header] table would be
    # rendered above the top-level keys that follow it, capturing them.
    dotted = getattr(parent, "is_super_table", lambda: False)() and any(
        key is not None and key.is_dotted() for key, _ in parent.value.body
    )
    if isinstance(parent, InlineTable) or dotted:
        return tomlkit.inline_table()
    # A table holding only tables renders as [a.b], without an empty [a] header.
    return tomlkit.table(is_super_table=levels_below > 1)


def _read_toml(text: str) -> Any:
    import tomllib

    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return {"(unreadable)": str(exc)}


def _check(before: Any, edits: Edits, force: bool, actual: Any, path: Path) -> None:
    """Refuse an edit whose output does not read back as exactly ``before`` plus the
    edits: whatever the layout, no other setting may move, change or disappear."""
    import copy

    expected = copy.deepcopy(before)
    _apply(expected, edits, _conflicts(path, ""), force, lambda node, levels: {})
    if actual != expected:
        raise MalformedFile(
            path,
            1,
            "r9s cannot edit this layout without changing other settings",
            force_replaces=None,
            hint="make the change by hand, or move the file aside",
        )


Conflict = Callable[..., "MalformedFile"]


def _apply(
    root: Any,
    edits: Edits,
    conflict: Conflict,
    force: bool,
    new_table: Any,
    replaced: list[str] | None = None,
) -> None:
    """Apply ``edits`` to ``root`` (a dict-like document); ``new_table(parent, levels)``
    makes a missing table, ``conflict(keys, reason)`` the error for a refused edit.
    With ``force``, values in the way are overwritten and listed in ``replaced``."""
    for keys, value in edits.items():
        try:
            _apply_one(root, keys, value, conflict, force, new_table, replaced)
        except MalformedFile:
            raise
        except Exception as exc:  # the document library refused the edit
            raise conflict(keys, f"cannot be set ({exc})") from None


def _apply_one(
    root: Any,
    keys: tuple[str, ...],
    value: Any,
    conflict: Conflict,
    force: bool,
    new_table: Any,
    replaced: list[str] | None,
) -> None:
    node = root
    for depth, key in enumerate(keys[:-1]):
        child = node.get(key, MISSING)
        if child is MISSING or (force and not isinstance(child, Mapping)):
            if value is REMOVE:
                return
            if child is not MISSING and replaced is not None:
                replaced.append(".".join(keys[: depth + 1]))
            node[key] = new_table(node, len(keys) - 1 - depth)
            child = node[key]
        elif not isinstance(child, Mapping):
            raise conflict(keys[: depth + 1])
        node = child
    last = keys[-1]
    if value is REMOVE:
        node.pop(last, None)
        return
    if isinstance(value, Update):
        try:
            value = value.function(node.get(last, MISSING))
        except ValueError:
            if not force:
                raise conflict(keys) from None
            if replaced is not None:
                replaced.append(".".join(keys))
            value = value.function(MISSING)
    node[last] = value


def _conflicts(path: Path, text: str) -> Conflict:
    def conflict(keys: tuple[str, ...], reason: str = "has an unexpected type") -> MalformedFile:
        where = re.search(rf'(^|[\s{{,"])"?{re.escape(keys[-1])}"?\s*[:=]', text, re.MULTILINE)
        line = text.count("\n", 0, where.start()) + 1 if where else 1
        name = ".".join(keys)
        return MalformedFile(
            path, line, f"{name} {reason}", force_replaces=f"{name} (the rest is kept)"
        )

    return conflict


def _json_indent(text: str) -> str:
    """The file's indentation unit (two spaces for a new or one-line file)."""
    match = re.search(r"\n([ \t]+)\S", text)
    return match.group(1) if match else "  "


def _edit_env(text: str, edits: Edits, path: Path) -> str:
    from r9s.cli.common import dotenv

    changes = {key: None if value is REMOVE else str(value) for (key,), value in edits.items()}
    try:
        return dotenv.edit(text, changes)
    except dotenv.Unwritable as exc:
        raise MalformedFile(
            path, 0, str(exc), force_replaces=None, hint="make the change by hand"
        ) from None
