"""YAML config files, edited line by line so that comments and layout stay.

Two shapes are edited: the top-level keys of a block mapping (aider's ``.aider.conf.yml``)
and the items of a top-level list (llm's ``extra-openai-models.yaml``, addressed with the
key path ``("",)``). A value r9s writes is JSON, which YAML reads as it is (flow style).
Every edit is read back with PyYAML and refused unless it gives exactly the old values
plus r9s's edits, so a layout this editor does not understand is never damaged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from r9s.cli.common.files import MalformedFile

LIST_KEY = ""
"""The key path ``(LIST_KEY,)`` stands for the items of a file whose top level is a list."""

_KEY_LINE = re.compile(
    r"""^(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-?:][^#]*?)\s*:(?:\s|$)"""
)
_PLAIN_KEY = re.compile(r"^[A-Za-z_][\w.-]*$")


MAX_DEPTH = 128
"""Collections nested deeper than this are refused, as in JSON files (PyYAML builds a
document recursively)."""
MAX_NODES = 200_000
"""Values in a document once its aliases are expanded: more is refused ("billion laughs":
a few lines of anchors and aliases that would take hours to compare)."""


def load(text: str, path: Path) -> Any:
    """The document's value (None when empty); a syntax error, nesting deeper than
    :data:`MAX_DEPTH` or aliases expanding past :data:`MAX_NODES` values is a
    :class:`MalformedFile`."""
    import yaml

    try:
        _check_size(text, path)
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise MalformedFile(path, line, f"invalid YAML: {problem}") from None


def _check_size(text: str, path: Path) -> None:
    """Walk the parser's events (no recursion) counting depth and expanded values."""
    import yaml

    anchors: dict[str, int] = {}
    open_: list[list[Any]] = [[None, 0]]  # [anchor, values so far] per open collection
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_) > MAX_DEPTH:
                raise MalformedFile(
                    path, line, f"invalid YAML: too deeply nested (more than {MAX_DEPTH} levels)"
                )
            open_.append([event.anchor, 1])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = open_.pop()
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, anchors.get(event.anchor or "", 1)
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        else:
            continue
        if anchor is not None:
            anchors[anchor] = size
        open_[-1][1] += size
        if open_[0][1] + sum(frame[1] for frame in open_[1:]) > MAX_NODES:
            raise MalformedFile(
                path, line, f"invalid YAML: aliases expand to more than {MAX_NODES} values"
            )


def parse(text: str, path: Path) -> Mapping[str, Any]:
    """The values: the top-level mapping, or ``{LIST_KEY: items}`` for a top-level list."""
    value = load(text, path)
    if value is None:
        return {}
    if isinstance(value, list):
        return {LIST_KEY: value}
    if not isinstance(value, dict):
        raise MalformedFile(path, 1, "the top level is neither a mapping nor a list")
    return value


@dataclass
class _Block:
    """Lines of the file: one top-level entry (``key`` for a mapping entry, ``item`` for a
    list item) with its indented continuation, or lines of no entry (comments, blanks)."""

    lines: list[str]
    key: str | None = None
    item: bool = False
    value: Any = field(default=None)


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        continues = blocks and (blocks[-1].key is not None or blocks[-1].item)
        if line[:1] in (" ", "\t") and continues:
            blocks[-1].lines.append(line)
            continue
        if stripped.startswith("- ") or stripped == "-":
            if continues and blocks[-1].key is not None:  # a list under a key, not indented
                blocks[-1].lines.append(line)
            else:
                blocks.append(_Block([line], item=True))
            continue
        match = _KEY_LINE.match(line)
        if match and not stripped.startswith("#"):
            blocks.append(_Block([line], key=_key(match["key"])))
        else:
            blocks.append(_Block([line]))
    return blocks


def _key(raw: str) -> str:
    import yaml

    value = yaml.safe_load(raw) if raw[:1] in "\"'" else raw.strip()
    return str(value)


def _render_key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) else json.dumps(key)


def edit(
    text: str,
    edits: Mapping[tuple[str, ...], Any],
    path: Path,
    apply: Callable[[Any, Mapping[tuple[str, ...], Any]], Any],
) -> str:
    """``text`` with ``edits`` applied. ``apply(values, edits)`` gives the values expected
    after the edit (the shared engine's own semantics of REMOVE and Update)."""
    before = parse(text, path)
    if LIST_KEY in before or (not before and set(edits) == {(LIST_KEY,)}):
        return _edit_list(text, edits, path, before.get(LIST_KEY, []), apply)
    if any(len(keys) != 1 or keys == (LIST_KEY,) for keys in edits):
        raise MalformedFile(
            path,
            1,
            "r9s edits only top-level keys of this YAML file",
            force_replaces=None,
            hint="make the change by hand",
        )
    expected = apply(dict(before), edits)
    blocks = _blocks(text)
    out: list[str] = []
    written: set[str] = set()
    for block in blocks:
        if block.key is None or (block.key,) not in edits:
            out += block.lines
            continue
        if block.key in written:  # a duplicate key: YAML keeps the last, we keep one
            continue
        written.add(block.key)
        if block.key in expected:
            out.append(f"{_render_key(block.key)}: {json.dumps(expected[block.key])}\n")
    missing = [keys[0] for keys in edits if keys[0] not in written and keys[0] in expected]
    if missing and out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out += [f"{_render_key(key)}: {json.dumps(expected[key])}\n" for key in missing]
    return _checked("".join(out), expected, path)


def _edit_list(
    text: str,
    edits: Mapping[tuple[str, ...], Any],
    path: Path,
    items: list[Any],
    apply: Callable[[Any, Mapping[tuple[str, ...], Any]], Any],
) -> str:
    wanted = list(apply({LIST_KEY: list(items)}, edits)[LIST_KEY])
    out: list[str] = []
    kept: list[Any] = []
    blocks = _blocks(text)
    # A list in flow style (`[]`, `[a, b]`) is rewritten as a block list; comments stay.
    flow = not any(block.item for block in blocks)
    for block in blocks:
        if not block.item:
            out += [line for line in block.lines if not flow or _is_comment(line)]
            continue
        value = load("".join(block.lines), path)[0]
        if value in wanted:
            wanted.remove(value)  # kept where it is, as it was written
            out += block.lines
            kept.append(value)
    if wanted and out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out += [f"- {json.dumps(item)}\n" for item in wanted]
    return _checked("".join(out), kept + wanted, path)


def _is_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#") or stripped == "---"


def _checked(text: str, expected: Any, path: Path) -> str:
    value = load(text, path)
    if value is None:
        value = {} if isinstance(expected, dict) else []
    if value != expected:
        raise MalformedFile(
            path,
            1,
            "r9s cannot edit this layout without changing other settings",
            force_replaces=None,
            hint="make the change by hand, or move the file aside",
        )
    return text
