"""Text from a server or a file never drives the terminal: model ids, error messages, a
model's answer and config values are printed without their control sequences, and `set`
refuses to write a model id holding them. The local server plays the hostile router."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from r9s.cli.common.terminal import printable
from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S, r9s, tree, user_env
from tests.support.pty import Terminal, run_on_terminal

EVIL = "evil\x1b]0;pwned title\x07-model\x1b[31m\x1b[2J\x9b2J\u202e"
SHOWN = "evil-model"


@pytest.fixture
def hostile() -> Iterator[LocalServer]:
    with LocalServer(api_key=KEY, models=["gpt-4o", EVIL]) as server:
        yield server


def on_terminal(home: Path, *args: str) -> tuple[int | None, str]:
    command = " ".join(shlex.quote(part) for part in [*R9S, *args])
    env = user_env(home, {"TERM": "xterm-256color"})
    return run_on_terminal(command, cwd=home, env=env, size=(200, 40))


def assert_harmless(text: str) -> None:
    for sequence in ("\x1b]", "\x1b[31m", "\x1b[2J", "\x9b", "\x07", "\u202e", "pwned"):
        assert sequence not in text, (sequence, text)


def test_printable_removes_escape_sequences_and_control_characters() -> None:
    assert printable(EVIL) == SHOWN
    assert printable("a\x1b]52;c;c2VjcmV0\x1b\\b") == "ab", "no clipboard write"
    assert printable("line\nnext\ttab") == "line next\ttab"
    assert printable("line\nnext", keep_lines=True) == "line\nnext"
    assert printable("👨\u200d👩\u200d👧 ünïcode") == "👨\u200d👩\u200d👧 ünïcode"


def test_model_ids_and_other_server_text_printed_by_the_cli_are_stripped_of_control_sequences(
    home: Path, hostile: LocalServer
) -> None:
    connect = ("--api-key", KEY, "--base-url", hostile.url)

    piped = r9s(home, "models", *connect)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines() == [SHOWN, "gpt-4o"]

    as_json = r9s(home, "models", "--json", *connect)
    assert_harmless(as_json.stdout.replace("pwned", ""))
    assert EVIL in [model["id"] for model in json.loads(as_json.stdout)["data"]], "same data"

    status, table = on_terminal(home, "models", *connect)
    assert status == 0, table
    assert SHOWN in table
    assert_harmless(table)

    hostile.inject("status=403;message=denied \x1b[2J\x1b[31mred\x07 \x9b2J")
    failed = r9s(home, "models", *connect)
    assert failed.returncode == 1
    assert failed.stderr == "r9s: error: permission denied (403): denied red\n"

    status, chat = on_terminal(home, "chat", "--no-save", *connect, "-m", "gpt-4o",
                               "hi \x1b]0;pwned\x07\x1b[2Jthere")  # fmt: skip
    assert status == 0, chat
    assert "Echo: hi there" in chat
    assert_harmless(chat)
    piped_chat = r9s(home, "chat", "--no-save", *connect, "-m", "gpt-4o", "a\x1b[31mb")
    assert piped_chat.stdout == "Echo: a\x1b[31mb\n", "piped, the answer is passed on as sent"


def test_doctor_and_the_model_pick_show_config_and_server_text_harmlessly(
    home: Path, hostile: LocalServer
) -> None:
    (home / ".codex").mkdir()
    (home / ".codex/config.toml").write_text(
        'model = "m\\u001b[2J\\u001b]0;pwned\\u0007"\nmodel_provider = "x"\n'
    )
    status, report = on_terminal(home, "doctor", "--no-check")
    assert status == 0, report
    assert "model        m" in report
    assert_harmless(report.replace("\x1b[1m", "").replace("\x1b[0m", ""))

    args = [*R9S, "set", "qwen", "--api-key", KEY, "--base-url", hostile.url]
    child = Terminal(args, cwd=home, env=user_env(home, {"TERM": "dumb"}), size=(200, 40))
    child.expect(r"Model \[")
    listed = child.before
    child.terminate(force=True)
    assert SHOWN in listed
    assert_harmless(listed)


@pytest.mark.parametrize(
    ("flag", "value", "shown"),
    [
        ("--model", "gpt\x1b[31m-4o", "'gpt\\x1b[31m-4o' contains control characters (U+001B)"),
        ("--model", "two\nlines", "'two\\nlines' contains control characters (U+000A)"),
        ("--model", "rtl\u202eoverride", "contains control characters (U+202E)"),
        ("--small-model", "s\x07", "the small model id 's\\x07' contains control characters"),
    ],
    ids=["escape", "line-break", "bidi", "small-model"],
)
def test_set_refuses_to_write_a_model_id_containing_control_characters(
    home: Path, flag: str, value: str, shown: str
) -> None:
    args = ["--yes", "--api-key", KEY, "--base-url", "http://127.0.0.1:9", "--model", "m",
            "--small-model", "s", flag, value]  # fmt: skip

    done = r9s(home, "set", "claude", *args)

    assert done.returncode == 1
    assert shown in done.stderr and "r9s will not write it into a config file" in done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert tree(home) == {}


def test_set_refuses_a_model_id_with_control_characters_picked_from_the_servers_list(
    home: Path,
) -> None:
    # With --yes and no --model, set takes the best model listed: here the only one.
    with LocalServer(api_key=KEY, models=[EVIL]) as server:
        done = r9s(home, "set", "opencode", "--yes", "--api-key", KEY, "--base-url", server.url)

    assert done.returncode == 1, done.stderr
    assert "the model id 'evil\\x1b]0;pwned title\\x07-model" in done.stderr
    assert "contains control characters (U+0007, U+001B, U+009B, U+202E)" in done.stderr
    assert "\x1b" not in done.stderr
    assert tree(home) == {}
