"""The in-place JSON editor behind ``r9s set``: comments, layout and order survive."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from r9s.cli.common.formats import REMOVE, _apply, _conflicts
from r9s.cli.common.jsonc import Dialect, Document, JsonSyntaxError, ObjectView

JSONC = Dialect(comments=True, trailing_commas="keep")


def new_table(parent: object, levels: int) -> dict[str, Any]:
    return {}


def edited(text: str, edits: dict[tuple[str, ...], Any], dialect: Dialect = JSONC) -> str:
    document = Document(text, dialect)
    _apply(ObjectView(document), edits, _conflicts(Path("f"), text), False, new_table)
    return document.text


def test_strict_json_refuses_comments_and_trailing_commas_with_their_line() -> None:
    with pytest.raises(JsonSyntaxError) as caught:
        Document('{\n  "a": 1 // no\n}', Dialect())
    assert caught.value.line == 2 and "comments are not allowed" in caught.value.message
    with pytest.raises(JsonSyntaxError) as caught:
        Document('{\n  "a": [1,\n  ],\n}', Dialect(comments=True))
    assert caught.value.line == 2 and "trailing comma" in caught.value.message
    with pytest.raises(JsonSyntaxError) as caught:
        Document('{\n  /* open\n  "a": 1\n}', JSONC)
    assert caught.value.line == 2
    for empty in ('{"a": [,]}', "{,}", '{"a": [1,,]}'):
        with pytest.raises(JsonSyntaxError):
            Document(empty, JSONC)


def test_comment_markers_inside_strings_are_text() -> None:
    document = Document('{"url": "http://x//y", "glob": "/*.js", "a": 1}', Dialect())
    assert document.value == {"url": "http://x//y", "glob": "/*.js", "a": 1}


def test_a_new_member_follows_the_last_one_after_its_comment() -> None:
    text = '{\n    "a": 1, // one\n    "b": [1, 2] /* two */\n}\n'
    assert edited(text, {("c",): "x"}) == (
        '{\n    "a": 1, // one\n    "b": [1, 2], /* two */\n    "c": "x"\n}\n'
    )


def test_trailing_commas_are_kept_or_removed_as_the_dialect_says() -> None:
    text = '{\n  "a": 1,\n}\n'
    assert edited(text, {("b",): 2}) == '{\n  "a": 1,\n  "b": 2,\n}\n'
    document = Document(text, Dialect(comments=True, trailing_commas="remove"))
    assert document.remove_trailing_commas()
    assert document.text == '{\n  "a": 1\n}\n'


def test_removing_a_member_takes_its_line_and_keeps_the_comments_around_it() -> None:
    text = '{\n  // keep me\n  "a": 1,\n  "gone": "x", // about gone\n  "b": 2\n}\n'
    assert edited(text, {("gone",): REMOVE}) == (
        '{\n  // keep me\n  "a": 1,\n  // about gone\n  "b": 2\n}\n'
    )
    assert edited('{\n  "a": 1,\n  "gone": 2\n}\n', {("gone",): REMOVE}) == '{\n  "a": 1\n}\n'
    assert edited('{\n  "gone": 2\n}\n', {("gone",): REMOVE}) == "{}\n"


def test_duplicate_keys_edit_the_last_and_removal_takes_them_all() -> None:
    text = '{"k": 1, "k": 2}'
    assert Document(text, JSONC).value == {"k": 2}
    assert edited(text, {("k",): 3}) == '{"k": 1, "k": 3}'
    assert json.loads(edited('{\n  "k": 1,\n  "k": 2,\n  "z": 0\n}', {("k",): REMOVE})) == {"z": 0}


def test_comments_only_file_and_empty_objects_keep_their_comments() -> None:
    assert edited("// settings\n", {("a",): 1}) == '// settings\n{\n  "a": 1\n}'
    assert edited('{\n  "env": { /* later */ }\n}\n', {("env", "K"): "v"}) == (
        '{\n  "env": { /* later */\n    "K": "v"\n  }\n}\n'
    )


def test_a_one_line_object_with_comments_grows_on_its_line() -> None:
    assert edited('{"a": 1 /* c */}', {("b",): [1]}) == '{"a": 1, "b": [1] /* c */}'
    assert edited('{"a": {"x": 1}}', {("a", "y"): 2}) == '{"a": {\n  "x": 1,\n  "y": 2\n}}'


def test_crlf_files_stay_crlf() -> None:
    text = '{\r\n  "a": 1,\r\n  "gone": 2, // c\r\n  "b": 3\r\n}\r\n'
    result = edited(text, {("gone",): REMOVE, ("new",): {"x": 1}})
    assert "\n" not in result.replace("\r\n", "")
    assert Document(result, JSONC).value == {"a": 1, "b": 3, "new": {"x": 1}}


def test_an_array_keeps_the_text_and_comments_of_the_items_it_keeps() -> None:
    text = '{\n  "l": [\n    // first\n    {"id": 1}, // one\n    {"id": 2}\n  ]\n}\n'
    result = edited(text, {("l",): [{"id": 0}, {"id": 2}, {"id": 1}]})
    assert result == (
        '{\n  "l": [\n    {\n      "id": 0\n    },\n    {"id": 2},\n'
        '    // first\n    {"id": 1} // one\n  ]\n}\n'
    )
    document = Document('{"l": [\n  1, // one\n  2, // two\n]}', JSONC)
    document.set(("l",), [0, 2])
    assert document.text == '{"l": [\n  0,\n  2, // two\n]}'
    assert document.notes == ["comments inside l were not kept: they were in what r9s replaced"]


# -- random documents and edits: the edit lands, nothing else changes, comments stay


KEYS = ["a", "b", "env", "x y", "é"]


def _value(rnd: random.Random, depth: int) -> Any:
    pick = rnd.random()
    if depth < 3 and pick < 0.3:
        return {rnd.choice(KEYS): _value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))}
    if depth < 3 and pick < 0.4:
        return [_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    return rnd.choice(["s", 1, 2.5, True, None, 'q"uote', "// not a comment", "/* nor */"])


def _write(rnd: random.Random, value: Any, unit: str, level: int = 0) -> str:
    """JSONC with comments and trailing commas sprinkled around."""
    if not isinstance(value, (dict, list)) or not value or rnd.random() < 0.2:
        return json.dumps(value, ensure_ascii=False)
    pad, end = unit * (level + 1), unit * level
    items = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
    lines = []
    for index, (key, item) in enumerate(items):
        lead = f"{pad}// about\n" if rnd.random() < 0.2 else ""
        name = f"{json.dumps(key, ensure_ascii=False)}: " if key is not None else ""
        comma = "," if index < len(items) - 1 or rnd.random() < 0.3 else ""
        tail = rnd.choice(["", "", " // c", " /* b */"])
        lines.append(f"{lead}{pad}{name}{_write(rnd, item, unit, level + 1)}{comma}{tail}")
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return opening + "\n" + "\n".join(lines) + "\n" + end + closing


def _comments(text: str) -> int:
    return sum(text.count(mark) for mark in ("// c", "/* b */", "// about"))


@pytest.mark.parametrize("seed", range(4))
def test_random_documents_take_random_edits_without_other_change(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(100):
        unit = rnd.choice(["  ", "    ", "\t"])
        data = {rnd.choice(KEYS): _value(rnd, 1) for _ in range(rnd.randint(0, 5))}
        text = _write(rnd, data, unit) + "\n"
        if rnd.random() < 0.2:
            text = text.replace("\n", "\r\n")
        edits = {
            tuple(rnd.choice(KEYS) for _ in range(rnd.randint(1, 3))): (
                REMOVE if rnd.random() < 0.3 else _value(rnd, 2)
            )
            for _ in range(rnd.randint(1, 5))
        }
        document = Document(text, JSONC, unit)
        expected = copy.deepcopy(document.value)
        _apply(expected, edits, _conflicts(Path("f"), ""), True, new_table)
        _apply(ObjectView(document), edits, _conflicts(Path("f"), text), True, new_table)

        assert Document(document.text, JSONC).value == expected, (text, edits, document.text)
        if "\r\n" in text:
            assert "\n" not in document.text.replace("\r\n", "")
        if _comments(document.text) < _comments(text):
            assert document.notes, "a comment may only go with a value r9s replaced, and said so"
