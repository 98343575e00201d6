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


@dataclass
class Node:
    """A value in the text: ``text[start:end]``; objects and arrays have entries."""

    start: int
    end: int
    kind: Literal["object", "array", "scalar"]
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Entry:
    """An object member (``key`` set, ``start`` at the key) or an array item."""

    key: str | None
    start: int
    value: Node
    comma: int | None  # the comma after it, if any


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"[^\s,:\[\]{}]+")


def blank(text: str, dialect: Dialect) -> tuple[str, str, list[int]]:
    """``(code, strict, trailing)``: the text with comments blanked (``code``), also
    without trailing commas (``strict``), and where the trailing commas are.

    Raises :class:`JsonSyntaxError` for a comment or trailing comma the dialect refuses,
    and for an unterminated comment.
    """
    out = list(text)
    trailing: list[int] = []
    last = before = -1  # the last two significant characters outside comments
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            match = _STRING.match(text, i)
            i = match.end() if match else n
            last, before = i - 1, last
            continue
        if char == "/" and text[i + 1 : i + 2] in ("/", "*"):
            if not dialect.comments:
                raise JsonSyntaxError(_line(text, i), "comments are not allowed in this file")
            if text[i + 1] == "/":
                end = text.find("\n", i)
                end = n if end < 0 else end
            else:
                close = text.find("*/", i + 2)
                if close < 0:
                    raise JsonSyntaxError(_line(text, i), "a /* comment is never closed")
                end = close + 2
            for j in range(i, end):
                if out[j] not in "\r\n":
                    out[j] = " "
            i = end
            continue
        # a comma after a value, before the closing bracket ([,] is no list)
        if char in "}]" and last > 0 and text[last] == "," and text[before] not in "[{,":
            if dialect.trailing_commas == "refuse":
                raise JsonSyntaxError(_line(text, last), "a trailing comma")
            trailing.append(last)
        if not char.isspace():
            last, before = i, last
        i += 1
    code = "".join(out)
    for position in trailing:
        out[position] = " "
    return code, "".join(out), trailing


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def same(a: Any, b: Any) -> bool:
    """Equal as JSON (``True`` is not ``1`` here)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


class _Scanner:
    """Finds the spans of values in comment-free JSON that json.loads accepted."""

    def __init__(self, code: str) -> None:
        self.code = code

    def skip(self, i: int) -> int:
        while i < len(self.code) and self.code[i].isspace():
            i += 1
        return i

    def value(self, i: int) -> Node:
        i = self.skip(i)
        char = self.code[i]
        if char in "{[":
            return self.container(i)
        match = _STRING.match(self.code, i) if char == '"' else _SCALAR.match(self.code, i)
        assert match is not None
        return Node(i, match.end(), "scalar")

    def container(self, start: int) -> Node:
        closing = "}" if self.code[start] == "{" else "]"
        node = Node(start, start, "object" if closing == "}" else "array")
        i = self.skip(start + 1)
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
            node.entries.append(Entry(key, entry_start, value, comma))
        node.end = i + 1
        return node


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

    def _read(self) -> None:
        self.code, self.strict, self.trailing = blank(self.text, self.dialect)
        self.root: Node | None = None
        self.value: Any = {}
        if not self.strict.strip():
            return
        try:
            self.value = json.loads(self.strict)
        except json.JSONDecodeError as exc:
            raise JsonSyntaxError(exc.lineno, exc.msg) from None
        self.root = _Scanner(self.code).value(0)

    def plain(self, node: Node) -> Any:
        return json.loads(self.strict[node.start : node.end])

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
                compact = json.dumps({key: value}, ensure_ascii=False)[1:-1]
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
            self._read()
        except JsonSyntaxError as exc:  # a bug here must never reach the disk
            raise RuntimeError(f"the edit would make invalid JSON ({exc})") from None

    def _member(self, key: str, value: Any, indent: str) -> str:
        return f"{json.dumps(key, ensure_ascii=False)}: {self._render(value, indent)}"

    def _render(self, value: Any, indent: str) -> str:
        text = json.dumps(value, indent=self.indent, ensure_ascii=False)
        return text.replace("\n", self.newline + indent)

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
        note = f"comments inside {'.'.join(path)} were not kept: they were in what r9s replaced"
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
