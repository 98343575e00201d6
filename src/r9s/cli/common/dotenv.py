"""``.env`` files, read exactly as the ``dotenv`` package (v16/v17) reads them, and edited
so that it reads back what r9s meant.

Gemini CLI bundles dotenv 17 and reads ``~/.gemini/.env`` with ``dotenv.parse``; this
module is that parser, carried over from JavaScript with its semantics intact:

- a line ends only at ``\\n``, ``\\r\\n`` or ``\\r`` (``\\r\\n`` and ``\\r`` are read as
  ``\\n`` first); where JavaScript's ``$`` also stops at U+2028 and U+2029, so does this;
  nothing else (U+0085, form feeds, ``\\x1e``...) ends a line;
- ``KEY=value``, ``export KEY=value`` and ``KEY: value``; the last of duplicates wins;
- a value in single quotes or backticks is taken as it is (it may span lines); in double
  quotes likewise, except that ``\\n`` and ``\\r`` become line breaks; unquoted, it ends
  at ``#`` and is trimmed.

Writing: a value is written bare when that is plainly safe, else in the first of single
quotes, double quotes, backticks and no quotes at all that reads back to the same text
(checked by parsing the whole new file), else refused. Standard library only.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from r9s.cli.common.i18n import _

# JavaScript's \s (WhiteSpace and LineTerminator), and its line terminators
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_SPACE_CHARS = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_LINE_END = "\n\r\u2028\u2029"

# dotenv's LINE, /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|
# \s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mg, with ^ and $
# of JavaScript's multiline mode and its \s, \w and . spelt out.
_S = f"[{_JS_SPACE}]"
_ENTRY = re.compile(
    rf"(?:(?<=[{_LINE_END}])|\A)"
    rf"{_S}*(?:export{_S}+)?(?P<key>[A-Za-z0-9_.-]+)"
    rf"(?P<sep>{_S}*={_S}*?|:{_S}+?)"
    rf"(?P<value>{_S}*'(?:\\'|[^'])*'|{_S}*\"(?:\\\"|[^\"])*\"|{_S}*`(?:\\`|[^`])*`|[^#\r\n]+)?"
    rf"{_S}*(?:#[^{_LINE_END}]*)?"
    rf"(?=[{_LINE_END}]|\Z)"
)
# value.replace(/^(['"`])([\s\S]*)\1$/mg, '$2')
_UNQUOTE = re.compile(rf"(?:(?<=[{_LINE_END}])|\A)(['\"`])([\s\S]*)\1(?=[{_LINE_END}]|\Z)")
_BARE = re.compile(r"[A-Za-z0-9_./:@+=,%~^-]*")


@dataclass(frozen=True)
class Entry:
    """A ``KEY=value`` of the file, with offsets into the original text."""

    key: str
    value: str
    key_start: int  # where the key begins (after `export `)
    value_end: int  # after the value (its closing quote; trailing spaces excluded)
    line_start: int  # the start of the line holding the key
    end: int  # after the line holding the end of the value, its line break included


def _value(raw: str | None) -> str:
    value = (raw or "").strip(_JS_SPACE_CHARS)
    if not any(quote in value for quote in "'\"`"):
        return value  # nothing to unquote (the common case, kept fast)
    quote = value[:1]
    value = _UNQUOTE.sub(lambda match: match[2], value)
    if quote == '"':
        value = value.replace("\\n", "\n").replace("\\r", "\r")
    return value


def _normalized(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def entries(text: str) -> list[Entry]:
    """Every entry dotenv reads in ``text``, in order (duplicates included)."""
    normalized = _normalized(text)
    # where a \r\n became \n, in the normalized text: to map offsets back
    collapsed = [m.start() - i for i, m in enumerate(re.finditer(r"\r\n", text))]

    def original(position: int) -> int:
        return position + bisect_left(collapsed, position)

    found = []
    for match in _ENTRY.finditer(normalized):
        key_start = match.start("key")
        if match.group("value") is None:
            value_end = match.end("sep")
        else:
            raw = match.group("value")
            value_end = match.start("value") + len(raw.rstrip(_JS_SPACE_CHARS))
        line_start = normalized.rfind("\n", 0, key_start) + 1
        line_end = normalized.find("\n", match.end(0))
        end = len(normalized) if line_end < 0 else line_end + 1
        found.append(
            Entry(
                match.group("key"),
                _value(match.group("value")),
                original(key_start),
                original(value_end),
                original(line_start),
                len(text) if end == len(normalized) else original(end),
            )
        )
    return found


def parse(text: str) -> dict[str, str]:
    """``dotenv.parse(text)``: the last of duplicate keys wins."""
    return {m["key"]: _value(m["value"]) for m in _ENTRY.finditer(_normalized(text))}


class Unwritable(ValueError):
    """A value no form of ``.env`` line can hold so that dotenv reads it back unchanged."""


def _forms(value: str) -> list[str]:
    """The ways to write ``value``, simplest first."""
    forms = [value] if _BARE.fullmatch(value) else []
    forms.append(f"'{value}'")
    forms.append('"' + value.replace("\n", "\\n").replace("\r", "\\r") + '"')
    forms.append(f"`{value}`")
    forms.append(value)  # unquoted, as a last resort: dotenv takes it up to a #
    return forms


def edit(text: str, changes: dict[str, str | None]) -> str:
    """``text`` with each key set to its value (None: removed), everything else kept.

    An existing key keeps its place (and an ``export`` before it, and a comment after
    it); its duplicates go, since readers disagree on which one wins. New keys are
    appended. The result is parsed again and must give exactly the old values plus the
    changes; a value that cannot be written so raises :class:`Unwritable`.
    """
    expected = parse(text)
    for key, value in changes.items():
        if value is None:
            expected.pop(key, None)
        else:
            expected[key] = value
    newline = "\r\n" if "\r\n" in text else "\n"
    result = text
    for key, value in changes.items():
        result = _edit_one(result, key, value, newline)
    if parse(result) != expected:  # each step was checked; this checks them together
        raise Unwritable(_("r9s cannot edit this file without changing other settings"))
    return result


def _edit_one(text: str, key: str, value: str | None, newline: str) -> str:
    wanted = parse(text)
    if value is None:
        wanted.pop(key, None)
    else:
        wanted[key] = value
    found = [entry for entry in entries(text) if entry.key == key]
    # later duplicates go first, so that earlier offsets stay right
    for entry in reversed(found[1:] if value is not None else found):
        text = text[: entry.line_start] + text[entry.end :]
    if value is None:
        return text
    if found:
        first = found[0]

        def place(form: str) -> str:
            return text[: first.key_start] + f"{key}={form}" + text[first.value_end :]
    else:
        lead = text if not text or text.endswith(("\n", "\r")) else text + newline

        def place(form: str) -> str:
            return f"{lead}{key}={form}{newline}"

    # The simplest form that reads back alone; then the whole file, read back, must hold
    # this value and every other one unchanged. Only if it does not (a neighbouring line
    # reads differently) is each form tried against the whole file.
    forms = _forms(value)
    alone = [form for form in forms if parse(f"{key}={form}\n") == {key: value}]
    if alone:
        candidate = place(alone[0])
        if parse(candidate) == wanted:
            return candidate
    for form in forms:
        candidate = place(form)
        if parse(candidate) == wanted:
            return candidate
    if text and alone:
        raise Unwritable(
            _(
                "r9s cannot write {key} into this file without changing how dotenv reads "
                "the lines around it"
            ).format(key=key)
        )
    raise Unwritable(
        _(
            "the value of {key} cannot be written so that Gemini CLI's dotenv reads it back "
            "unchanged (dotenv has no escapes: no quote character is free to enclose it, and "
            "it cannot go unquoted, since it holds a #, a line break or spaces at its ends)"
        ).format(key=key)
    )
