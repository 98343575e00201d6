"""Text from elsewhere, made safe to print on a terminal (standard library only)."""

from __future__ import annotations

import re

__all__ = ["for_stdout", "json_text", "printable"]

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
