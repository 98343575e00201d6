"""Text from elsewhere, made safe to print on a terminal (standard library only)."""

from __future__ import annotations

import re

__all__ = ["display_width", "for_stdout", "json_text", "pad", "printable", "wrap"]

# Terminal control: escape sequences (CSI, OSC, DCS... and their 8-bit forms), then any
# other C0/C1 control character, the line separators and the invisible characters that
# reorder text (bidi overrides: "Trojan Source"). Joiners stay (emoji need them).
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, screen clearing
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC (title, clipboard), DCS...
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
    r"|[\x90\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit OSC, DCS...
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def printable(text: str, *, keep_lines: bool = False) -> str:
    """``text`` from elsewhere (a server's model id or error, a config file, a model's
    answer) made safe to print on a terminal: escape sequences and control characters
    are removed, so nothing it holds can recolour, move, retitle or clear the screen,
    write to the clipboard, or hide text. Tabs stay; line breaks stay with
    ``keep_lines``, else become spaces."""
    text = _CONTROL.sub("", _SEQUENCE.sub("", text))
    return text if keep_lines else text.replace("\n", " ")


def for_stdout(text: str) -> str:
    """``text`` (a diff of config files, say) for stdout: made :func:`printable`, lines
    kept, when stdout is a terminal; as it is when piped or redirected."""
    import sys

    return printable(text, keep_lines=True) if sys.stdout.isatty() else text


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def json_text(value: object, **options: object) -> str:
    """``json.dumps(value, ensure_ascii=False, ...)`` with the characters that could drive a
    terminal (C1 controls, bidi overrides; json escapes C0 itself) written as ``\\uXXXX``
    escapes: the same JSON, safe to print."""
    import json

    text = json.dumps(value, ensure_ascii=False, **options)  # type: ignore[arg-type]
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def display_width(text: str) -> int:
    """The columns ``text`` takes on a terminal: two for a wide character (Chinese,
    Japanese, Korean; full-width forms), none for a combining mark."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


# never at the start of a line (closing punctuation), never at the end (opening)
_CLOSING = set("，。、；：？！）》」』】〉”’…,.;:?!)]}%")
_OPENING = set("（《「『【〈“‘([{")


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns (:func:`display_width`), broken at
    spaces or between two wide characters, never before closing punctuation or after
    opening punctuation; a word longer than a line stays whole."""
    import unicodedata

    units: list[tuple[bool, str]] = []  # (a space before it, the unbreakable piece)
    space = False
    word = ""

    def close_word() -> None:
        nonlocal word, space
        if word:
            units.append((space, word))
            word, space = "", False

    for char in text:
        if char.isspace():
            close_word()
            space = bool(units)
        elif unicodedata.east_asian_width(char) in "WF":
            close_word()
            units.append((space, char))
            space = False
        else:
            word += char
    close_word()
    glued: list[tuple[bool, str]] = []
    for spaced, piece in units:
        previous = glued[-1][1] if glued else ""
        if glued and not spaced and (piece[0] in _CLOSING or previous[-1] in _OPENING):
            glued[-1] = (glued[-1][0], previous + piece)
        else:
            glued.append((spaced, piece))
    lines: list[str] = []
    line = ""
    for spaced, piece in glued:
        candidate = f"{line} {piece}" if spaced and line else line + piece
        if line and display_width(candidate) > width:
            lines.append(line)
            line = piece
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` columns (``str.ljust`` by
    :func:`display_width`: a table's Chinese labels stay aligned)."""
    return text + " " * max(0, width - display_width(text))
