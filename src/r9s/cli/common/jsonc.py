"""JSON settings files edited in place, comments and all.

A :class:`Document` keeps the file's text and changes only the spans an edit touches:
a value is replaced where it stands, a new member goes after the last one with the
same indentation, a removed member takes its line with it. Everything else (comments,
blank lines, the order of keys, a compact ``["a", "b"]`` on one line) stays as the
user wrote it.

How it reads the text: comments (``//`` and ``/* */``, where the dialect allows them)
are blanked with spaces, newlines kept, so offsets and line numbers stay those of the
file; trailing commas are blanked too for :func:`json.loads`, which then checks the
syntax and gives the values. A small scanner over the blanked text finds where each
value, key and comma is.

Standard library only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

from r9s.cli.common.i18n import _

TrailingCommas = Literal["refuse", "keep", "remove"]


class JsonSyntaxError(ValueError):
    """The text is not JSON of the expected dialect; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Dialect:
    """What a tool's JSON reader accepts beyond strict JSON."""

    comments: bool = False
    trailing_commas: TrailingCommas = "refuse"  # "remove": read them, write none


@dataclass(eq=False)
class Node:
    """A value in the text: ``text[start:end]``; objects and arrays have entries, found
    when first asked for (a large list nobody edits is never taken apart)."""

    start: int
    end: int
    kind: Literal["object", "array", "scalar"]
    scanner: _Scanner | None = field(default=None, repr=False)
    _entries: list[Entry] | None = field(default=None, repr=False)

    @property
    def entries(self) -> list[Entry]:
        if self._entries is None:
            self._entries = self.scanner.members(self) if self.scanner else []
        return self._entries


@dataclass
class Entry:
    """An object member (``key`` set, ``start`` at the key) or an array item."""

    key: str | None
    start: int
    value: Node
    comma: int | None  # the comma after it, if any


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SCALAR = re.compile(r"[^\s,:\[\]{}]+")
# What needs no attention while blanking: anything but brackets and slashes, strings
# whole (brackets and slashes inside them are text). Matched by the regex engine, so a
# large file is read at C speed; only brackets and comments come back to Python.
_PLAIN = re.compile(r'(?:[^"/{}\[\]]+|"[^"\\]*(?:\\.[^"\\]*)*")*', re.DOTALL)
_NOT_NEWLINE = re.compile(r"[^\r\n]")
_NO_BRACKET = re.compile(r'(?:[^"{}\[\]]+|"[^"\\]*(?:\\.[^"\\]*)*")*', re.DOTALL)
_WHITESPACE = " \t\r\n"  # JSON's
MAX_DEPTH = 128
"""Objects and arrays nested deeper than this are refused ("too deeply nested"): no
settings file comes close, and a parser must not recurse without end."""


def blank(text: str, dialect: Dialect) -> tuple[str, str, list[int]]:
    """``(code, strict, trailing)``: the text with comments blanked (``code``), also
    without trailing commas (``strict``), and where the trailing commas are.

    Raises :class:`JsonSyntaxError` for a comment or trailing comma the dialect refuses,
    an unterminated comment, and nesting deeper than :data:`MAX_DEPTH`.
    """
    pieces: list[str] = []  # the text with comments blanked, in order
    copied = 0  # text[:copied] is in pieces
    trailing: list[int] = []
    last, last_at, before = "", -1, ""  # the last significant character, and the one before
    depth = 0
    i, n = 0, len(text)
    while i < n:
        j = _PLAIN.match(text, i).end()  # type: ignore[union-attr]
        significant = text[i:j].rstrip(_WHITESPACE)
        if significant:
            if significant[-1] == ",":
                ahead = significant[:-1].rstrip(_WHITESPACE)
                before = ahead[-1] if ahead else last
            last, last_at = significant[-1], i + len(significant) - 1
        if j >= n or text[j] == '"':  # the end, or a string never closed: json.loads says
            break
        char = text[j]
        if char == "/" and text[j + 1 : j + 2] in ("/", "*"):
            if not dialect.comments:
                raise JsonSyntaxError(_line(text, j), "comments are not allowed in this file")
            if text[j + 1] == "/":
                end = text.find("\n", j)
                end = n if end < 0 else end
            else:
                close = text.find("*/", j + 2)
                if close < 0:
                    raise JsonSyntaxError(_line(text, j), "a /* comment is never closed")
                end = close + 2
            pieces.append(text[copied:j])
            pieces.append(_NOT_NEWLINE.sub(" ", text[j:end]))
            copied = i = end
            continue
        if char in "{[":
            depth += 1
            if depth > MAX_DEPTH:
                raise JsonSyntaxError(
                    _line(text, j), f"too deeply nested (more than {MAX_DEPTH} levels)"
                )
        elif char in "}]":
            depth -= 1
            # a comma after a value, before the closing bracket ([,] is no list)
            if last == "," and before not in ("[", "{", ",", ""):
                if dialect.trailing_commas == "refuse":
                    raise JsonSyntaxError(_line(text, last_at), "a trailing comma")
                trailing.append(last_at)
        last, last_at = char, j
        i = j + 1
    pieces.append(text[copied:])
    code = "".join(pieces)
    if not trailing:
        return code, code, trailing
    strict = [code[: trailing[0]]]
    for index, position in enumerate(trailing):
        following = trailing[index + 1] if index + 1 < len(trailing) else len(code)
        strict.append(" " + code[position + 1 : following])
    return code, "".join(strict), trailing


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


class JsonNumber(float):
    """A number read from a file, which remembers how it was written: written back, it
    is the same text (``1E400`` stays ``1E400``, never ``Infinity``; ``1.50`` stays
    ``1.50``), and it compares as the float it denotes."""

    text: str

    def __new__(cls, text: str) -> JsonNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __reduce__(self) -> tuple[type[JsonNumber], tuple[str]]:
        return (JsonNumber, (self.text,))


class _NotJson(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is not a JSON value")
        self.name = name


def _constant(name: str) -> Any:
    raise _NotJson(name)


def loads(text: str) -> Any:
    """:func:`json.loads` keeping numbers as written (:class:`JsonNumber`) and refusing
    ``NaN`` and ``Infinity``."""
    return json.loads(text, parse_float=JsonNumber, parse_constant=_constant)


def dumps(value: Any, indent: str | None = "  ", level: str = "") -> str:
    """``value`` as JSON in the layout of ``json.dumps(indent=...)`` (one line with
    ``indent=None``), non-ASCII kept, and :class:`JsonNumber` written as it was read."""
    if isinstance(value, JsonNumber):
        return value.text
    if isinstance(value, (dict, list, tuple)) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    if isinstance(value, (dict, list, tuple)):
        inner = level + (indent or "")
        if isinstance(value, dict):
            parts = [
                f"{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, indent, inner)}"
                for k, v in value.items()
            ]
            opening, closing = "{", "}"
        else:
            parts = [dumps(item, indent, inner) for item in value]
            opening, closing = "[", "]"
        if indent is None:
            return opening + ", ".join(parts) + closing
        return f"{opening}\n{inner}" + f",\n{inner}".join(parts) + f"\n{level}{closing}"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def same(a: Any, b: Any) -> bool:
    """Equal as JSON (``True`` is not ``1`` here; numbers by value)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


class _Scanner:
    """Finds the spans of values in comment-free JSON that json.loads accepted: the
    members of a container when they are asked for (a nested container is stepped over
    by the regular expression engine, bracket to bracket)."""

    def __init__(self, code: str, strict: str) -> None:
        self.code = code
        self.strict = strict  # the same offsets, trailing commas blanked

    def skip(self, i: int) -> int:
        while i < len(self.code) and self.code[i] in _WHITESPACE:
            i += 1
        return i

    def value(self, i: int) -> Node:
        i = self.skip(i)
        char = self.code[i]
        if char in "{[":
            return Node(i, self.container_end(i), "object" if char == "{" else "array", self)
        match = _STRING.match(self.code, i) if char == '"' else _SCALAR.match(self.code, i)
        assert match is not None
        return Node(i, match.end(), "scalar")

    def container_end(self, start: int) -> int:
        """Where the object or array opening at ``start`` ends (after its bracket)."""
        depth, i = 0, start
        while True:
            char = self.code[i]
            depth += 1 if char in "{[" else -1
            if depth == 0:
                return i + 1
            i = _NO_BRACKET.match(self.code, i + 1).end()  # type: ignore[union-attr]

    def members(self, node: Node) -> list[Entry]:
        closing = "}" if node.kind == "object" else "]"
        entries = []
        i = self.skip(node.start + 1)
        while self.code[i] != closing:
            key = None
            entry_start = i
            if closing == "}":
                match = _STRING.match(self.code, i)
                assert match is not None
                key = json.loads(match.group())
                i = self.skip(match.end())
                assert self.code[i] == ":"
                i += 1
            value = self.value(i)
            i = self.skip(value.end)
            comma = None
            if self.code[i] == ",":
                comma = i
                i = self.skip(i + 1)
            entries.append(Entry(key, entry_start, value, comma))
        assert i + 1 == node.end
        return entries


class Document:
    """A JSON text being edited; ``text`` is always the current version."""

    def __init__(self, text: str, dialect: Dialect, indent: str = "  ") -> None:
        self.dialect = dialect
        self.indent = indent
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.notes: list[str] = []
        self.text = text
        self._read()

    # -- reading ------------------------------------------------------------------------

    def _read(self, *, check: bool = True) -> None:
        """Read ``text``; with ``check`` its values too (an edit's output is checked as a
        whole once it is complete: see :attr:`value`)."""
        self.code, self.strict, self.trailing = blank(self.text, self.dialect)
        self.root: Node | None = None
        self._value: Any = {}
        self._stale = False
        if not self.strict.strip():
            return
        if check:
            self._value = self._load()
        else:
            self._stale = True
        self.root = _Scanner(self.code, self.strict).value(0)

    def _load(self) -> Any:
        try:
            return loads(self.strict)
        except json.JSONDecodeError as exc:
            raise JsonSyntaxError(exc.lineno, exc.msg) from None
        except _NotJson as exc:
            spans = _STRING.sub(lambda m: " " * len(m[0]), self.strict)
            found = re.search(rf"(?<![\w.+-])[-+]?{exc.name}(?![\w.])", spans)
            line = _line(self.text, found.start() if found else 0)
            raise JsonSyntaxError(line, str(exc)) from None
        except (ValueError, RecursionError) as exc:
            raise JsonSyntaxError(1, str(exc) or "too deeply nested") from None

    @property
    def value(self) -> Any:
        """The document's values, as :func:`loads` reads them."""
        if self._stale:
            self._value, self._stale = self._load(), False
        return self._value

    def plain(self, node: Node) -> Any:
        return loads(self.strict[node.start : node.end])

    def find(self, path: tuple[str, ...]) -> Node | None:
        node = self.root
        for key in path:
            if node is None or node.kind != "object":
                return None
            members = [e for e in node.entries if e.key == key]
            node = members[-1].value if members else None  # the last one wins, as in JS
        return node

    def has_comments(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` holds a comment."""
        return self.text[start:end] != self.code[start:end]

    # -- editing ------------------------------------------------------------------------

    def set(self, path: tuple[str, ...], value: Any) -> None:
        """Give the member at ``path`` this value; its parent object must exist."""
        parent = self._object(path[:-1])
        members = [e for e in parent.entries if e.key == path[-1]]
        if not members:
            self._insert(parent, path[-1], value)
        elif not same(self.plain(members[-1].value), value):
            self._replace(members[-1].value, value, path)

    def remove(self, path: tuple[str, ...]) -> None:
        """Remove the member at ``path`` (every duplicate of it) if it exists."""
        while True:
            parent = self.find(path[:-1])
            if parent is None or parent.kind != "object":
                return
            index = next(
                (i for i, e in reversed(list(enumerate(parent.entries))) if e.key == path[-1]),
                None,
            )
            if index is None:
                return
            self._remove_member(parent, index, path)

    def remove_trailing_commas(self) -> bool:
        """Remove every trailing comma; whether there was one."""
        if not self.trailing:
            return False
        self._splice([(position, position + 1, "") for position in self.trailing])
        return True

    def _object(self, path: tuple[str, ...]) -> Node:
        if self.root is None:  # empty, or comments only: they stay above the object
            self._splice([(0, len(self.text), self._lead() + "{}")])
        node = self.find(path)
        assert node is not None and node.kind == "object", path
        return node

    def _lead(self) -> str:
        """What goes before a new root object: the file's comments, on their own lines."""
        kept = self.text.rstrip()
        return kept + self.newline if kept else ""

    def _insert(self, parent: Node, key: str, value: Any) -> None:
        base = self._line_indent(parent.start)
        span = self.text[parent.start : parent.end]
        if not parent.entries:
            inner = self.text[parent.start + 1 : parent.end - 1].rstrip()
            indent = base + self.indent
            member = self._member(key, value, indent)
            nl = self.newline
            self._splice(
                [(parent.start + 1, parent.end - 1, f"{inner}{nl}{indent}{member}{nl}{base}")]
            )
            return
        if "\n" not in span:  # a one-line object
            if not self.has_comments(parent.start, parent.end):
                whole = {**self.plain(parent), key: value}
                self._splice([(parent.start, parent.end, self._render(whole, base))])
            else:
                last = parent.entries[-1]
                compact = dumps({key: value}, None)[1:-1]
                self._splice([(last.value.end, last.value.end, ", " + compact)])
            return
        last = parent.entries[-1]
        if self.text[self._line_start(last.start) : last.start].strip():
            indent = base + self.indent
        else:
            indent = self._line_indent(last.start)
        anchor = last.comma + 1 if last.comma is not None else last.value.end
        eol = self._line_end(anchor)
        position = eol if not self.code[anchor:eol].strip() else anchor
        if position == eol and self.text[eol - 1 : eol] == "\r":
            position -= 1
        text = self.newline + indent + self._member(key, value, indent)
        splices = [(position, position, text + ("," if last.comma is not None else ""))]
        if last.comma is None:
            splices.append((last.value.end, last.value.end, ","))
        self._splice(splices)

    def _replace(self, node: Node, value: Any, path: tuple[str, ...]) -> None:
        base = self._line_indent(node.start)
        span = self.text[node.start : node.end]
        if node.kind == "array" and isinstance(value, list) and node.entries and "\n" in span:
            self._splice([(node.start, node.end, self._merge_array(node, value, path))])
            return
        if self.has_comments(node.start, node.end):
            self._lost(path)
        self._splice([(node.start, node.end, self._render(value, base))])

    def _merge_array(self, node: Node, values: list[Any], path: tuple[str, ...]) -> str:
        """The new array's text: items equal to old ones keep their text, with the
        comments before them and the one after their comma; new items are written in
        the array's indentation."""
        items = node.entries
        # (text before and of the item, comment after its comma) for every old item
        parts: list[tuple[str, str]] = []
        lead = node.start + 1
        for item in items:
            after = item.value.end
            if item.comma is not None:
                after = item.comma + 1
                eol = self._line_end(after)
                if self.text[eol - 1 : eol] == "\r":
                    eol -= 1
                if not self.code[after:eol].strip():
                    after = eol
            comment = self.text[item.comma + 1 : after] if item.comma is not None else ""
            parts.append((self.text[lead : item.value.end], comment))
            lead = after
        first = items[0].start
        if self.text[self._line_start(first) : first].strip():
            indent = self._line_indent(node.start) + self.indent
        else:
            indent = self._line_indent(first)
        olds = [self.plain(item.value) for item in items]
        used: set[int] = set()
        chunks: list[tuple[str, str]] = []
        for value in values:
            match = next(
                (j for j, old in enumerate(olds) if j not in used and same(old, value)), None
            )
            if match is None:
                chunks.append((self.newline + indent + self._render(value, indent), ""))
            else:
                used.add(match)
                chunks.append(parts[match])
        for j, (text, comment) in enumerate(parts):
            if j not in used and (self._commented(text) or comment.strip()):
                self._lost(path)
        trailing = items[-1].comma is not None
        out = "["
        for index, (text, comment) in enumerate(chunks):
            comma = "," if index < len(chunks) - 1 or trailing else ""
            out += text + comma + comment
        return out + self.text[lead : node.end - 1] + "]"

    def _commented(self, text: str) -> bool:
        """Whether a piece of JSON text holds a comment."""
        return blank(text, Dialect(comments=True, trailing_commas="keep"))[0] != text

    def _remove_member(self, parent: Node, index: int, path: tuple[str, ...]) -> None:
        member = parent.entries[index]
        start = member.start
        end = member.comma + 1 if member.comma is not None else member.value.end
        line_start, eol = self._line_start(start), self._line_end(end)
        if not self.text[line_start:start].strip() and not self.text[end:eol].strip():
            # the member has its line(s) to itself: the lines go
            start = line_start - 1 if line_start > 0 else line_start
            end = eol if line_start > 0 else min(eol + 1, len(self.text))
            if start > 0 and self.text[start - 1] == "\r":
                start -= 1  # the line break before it goes; the one after it stays
                if self.text[end - 1 : end] == "\r":
                    end -= 1
        else:
            while end < eol and self.text[end] in " \t":
                end += 1
        if self.has_comments(member.start, member.value.end):
            self._lost(path)
        splices = [(start, end, "")]
        if member.comma is None and index > 0:
            previous = parent.entries[index - 1].comma
            assert previous is not None
            splices.append((previous, previous + 1, ""))
        self._splice(splices)
        parent = self.find(path[:-1]) or parent
        if not parent.entries and not self.text[parent.start + 1 : parent.end - 1].strip():
            self._splice([(parent.start, parent.end, "{}")])

    # -- helpers ------------------------------------------------------------------------

    def _splice(self, changes: list[tuple[int, int, str]]) -> None:
        text = self.text
        for start, end, new in sorted(changes, key=lambda change: change[0], reverse=True):
            text = text[:start] + new + text[end:]
        self.text = text
        try:
            self._read(check=False)
        except (JsonSyntaxError, ValueError, AssertionError, IndexError) as exc:
            # a bug here must never reach the disk
            raise RuntimeError(
                _("the edit would make invalid JSON ({exc})").format(exc=exc)
            ) from None

    def _member(self, key: str, value: Any, indent: str) -> str:
        return f"{json.dumps(key, ensure_ascii=False)}: {self._render(value, indent)}"

    def _render(self, value: Any, indent: str) -> str:
        return dumps(value, self.indent).replace("\n", self.newline + indent)

    def _line_start(self, position: int) -> int:
        return self.text.rfind("\n", 0, position) + 1

    def _line_end(self, position: int) -> int:
        end = self.text.find("\n", position)
        return len(self.text) if end < 0 else end

    def _line_indent(self, position: int) -> str:
        start = self._line_start(position)
        line = self.text[start:position]
        return line[: len(line) - len(line.lstrip(" \t"))]

    def _lost(self, path: tuple[str, ...]) -> None:
        note = _("comments inside {path} were not kept: they were in what r9s replaced").format(
            path=".".join(path)
        )
        if note not in self.notes:
            self.notes.append(note)


class ObjectView(MutableMapping[str, Any]):
    """The object at ``path`` of a :class:`Document`, as a mutable mapping whose
    writes edit the text (nested objects are views too; other values are plain)."""

    def __init__(self, document: Document, path: tuple[str, ...] = ()) -> None:
        self.document = document
        self.path = path

    def _entries(self) -> list[Entry]:
        node = self.document.find(self.path)
        return node.entries if node is not None and node.kind == "object" else []

    def __getitem__(self, key: str) -> Any:
        node = self.document.find((*self.path, key))
        if node is None:
            raise KeyError(key)
        if node.kind == "object":
            return ObjectView(self.document, (*self.path, key))
        return self.document.plain(node)

    def __setitem__(self, key: str, value: Any) -> None:
        self.document.set((*self.path, key), value)

    def __delitem__(self, key: str) -> None:
        if self.document.find((*self.path, key)) is None:
            raise KeyError(key)
        self.document.remove((*self.path, key))

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(e.key for e in self._entries() if e.key is not None))

    def __len__(self) -> int:
        return len(list(iter(self)))
