"""``.env`` files as Gemini CLI reads them: r9s's reader against the real dotenv parser
(the version Gemini CLI bundles, under node), and every value r9s writes read back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from r9s.cli.common import dotenv
from r9s.cli.common.files import MalformedFile
from r9s.cli.common.formats import REMOVE, edit
from tests.support.dotenv_node import NodeDotenv

HERE = Path("/home/user/.gemini/.env")

# The characters that make .env files hard: every quote, escapes, comment marks, every
# kind of line break and space JavaScript and Python disagree on, control characters.
TRICKY = [
    "A", "KEY", "=", ":", " ", "\t", "\n", "\r", "\r\n", "'", '"', "`", "#", "\\", "\\n",
    "\\r", "export ", "x", "\u2028", "\u2029", "\x85", "\f", "\v", "\x1e", "\x00", "\x1b",
    "é", "😀", "\ufeff", "\u00a0", "-", ".", "$", "{", "}",
]  # fmt: skip
texts = st.lists(st.sampled_from(TRICKY), max_size=30).map("".join)
values = st.lists(st.sampled_from(TRICKY), max_size=12).map("".join)


@pytest.fixture(scope="module")
def node() -> Iterator[NodeDotenv]:
    with NodeDotenv() as parser:
        yield parser


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_env_files_are_read_exactly_as_gemini_clis_dotenv_reads_them(
    node: NodeDotenv, text: str
) -> None:
    assert dotenv.parse(text) == node.parse(text)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, value=values)
def test_env_values_are_written_so_that_gemini_clis_dotenv_reads_back_the_same_bytes(
    node: NodeDotenv, text: str, value: str
) -> None:
    before = node.parse(text)
    try:
        written = edit("env", text, {("GEMINI_API_KEY",): value}, HERE).text
    except MalformedFile as refused:
        assert "nothing was written" in str(refused)
        assert "GEMINI_API_KEY" in str(refused)
        return
    after = node.parse(written)
    assert after.pop("GEMINI_API_KEY") == value
    assert after == {k: v for k, v in before.items() if k != "GEMINI_API_KEY"}


@pytest.mark.parametrize(
    "value",
    [
        'say "hi"',
        "back\\slash\\n and \\r",
        "tab\there",
        "ends with a backslash \\",
        "both ' and \"",
        "line\nbreak",
        "carriage\rreturn",
        "control \x00\x01\x1b[31m\x7f",
        "  padded  ",
        "# not a comment",
        "'quoted'",
        "\u2028\u0085\f\x1e",
    ],
)
def test_env_values_with_quotes_backslashes_tabs_or_control_characters_round_trip(
    node: NodeDotenv, value: str
) -> None:
    text = "# mine\nOTHER=keep\n"
    written = edit("env", text, {("GEMINI_API_KEY",): value}, HERE).text
    assert written.startswith(text)
    assert node.parse(written) == {"OTHER": "keep", "GEMINI_API_KEY": value}
    assert dotenv.parse(written) == node.parse(written)
    rewritten = edit("env", written, {("GEMINI_API_KEY",): "plain"}, HERE).text
    assert rewritten == text + "GEMINI_API_KEY=plain\n", "replaced in place, nothing left"


def test_env_value_dotenv_cannot_hold_is_refused_with_a_clear_error(node: NodeDotenv) -> None:
    # a carriage return needs double quotes (\r), where a " then # would end the value
    value = 'a double quote " then # and a carriage return \r'
    with pytest.raises(MalformedFile) as refused:
        edit("env", "OTHER=1\n", {("GEMINI_API_KEY",): value}, HERE)
    message = str(refused.value)
    assert message.startswith("/home/user/.gemini/.env: the value of GEMINI_API_KEY cannot be")
    assert "nothing was written" in message and "\n" not in message


def test_env_lines_are_split_only_at_line_breaks(node: NodeDotenv) -> None:
    # U+2028, U+0085, form feed and \x1e are characters of a value or comment here, and
    # must stay where they are (a splitlines() would have turned them into line breaks).
    text = "A=one\u2028x\nB=two\x85y # c\x1e\nC=three\ffour\r\nD='multi\nline'\n"
    expected_values = node.parse(text)
    assert dotenv.parse(text) == expected_values

    written = edit("env", text, {("GEMINI_API_KEY",): "k", ("C",): REMOVE}, HERE).text

    assert written == "A=one\u2028x\nB=two\x85y # c\x1e\nD='multi\nline'\nGEMINI_API_KEY=k\r\n"
    expected_values.pop("C")
    assert node.parse(written) == {**expected_values, "GEMINI_API_KEY": "k"}


def test_every_env_write_is_read_back_and_refused_if_it_would_change_another_setting() -> None:
    # dotenv reads `A:` followed by a line break as A = the next line: appending a key
    # after it would change A. The read-back check catches it; nothing is written.
    with pytest.raises(MalformedFile) as refused:
        edit("env", "A:", {("GEMINI_API_KEY",): "k"}, HERE)
    assert "without changing how dotenv reads" in str(refused.value)


def test_an_existing_key_keeps_its_place_export_and_comment_and_loses_its_duplicates() -> None:
    text = "export GEMINI_API_KEY=old   # mine\nOTHER=1\nGEMINI_API_KEY=older\n"
    written = edit("env", text, {("GEMINI_API_KEY",): "new key"}, HERE).text
    assert written == "export GEMINI_API_KEY='new key'   # mine\nOTHER=1\n"
