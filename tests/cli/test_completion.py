"""Completion scripts cover the whole parser, in bash, zsh and fish."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from r9s.cli.completion import walk
from r9s.cli.main import build_parser
from r9s.cli.tools import all_tools
from tests.support import shells
from tests.support.ci import program
from tests.support.cli import every_parser, r9s


def test_the_tree_knows_every_command_and_option() -> None:
    nodes = {node.path: node for node in walk(build_parser(full=True))}
    for path, parser in every_parser():
        node = nodes[path]
        strings = {s for option in node.options for s in option.strings}
        for action in parser._actions:
            for string in action.option_strings:
                # a hidden option (an old spelling) is accepted, not offered
                assert (string in strings) == (action.help != argparse.SUPPRESS), (path, string)
    assert {"chat", "models", "images", "audio", "login", "config", "completion", "status"} <= set(
        nodes[""].children
    )
    assert set(nodes["config"].children) == {"set", "get", "list", "unset", "path"}
    assert nodes["completion"].positionals == ["bash", "zsh", "fish"]


# ------------------------------------------------------------------ the real shells

FILE_WORDS = ("FILE", "PATH", "IMAGE", "AUDIO", "DIR")  # a metavar naming one: a path
FILE = "photo.png"  # the one file in the folder completion runs in


def takes_path(action: argparse.Action) -> bool:
    return isinstance(action.metavar, str) and any(w in action.metavar for w in FILE_WORDS)


def values(action: argparse.Action) -> set[str]:
    """What completes a word for ``action``: its choices, the file, or nothing."""
    if action.choices is not None:
        return {str(choice) for choice in action.choices}
    return {FILE} if takes_path(action) else set()


def expected_completions(shell: str) -> dict[str, set[str]]:
    """For each command path of the parser itself: what the shell must offer after it (an
    empty word, then "-"), after each option taking a value, and after a flag."""
    expected: dict[str, set[str]] = {}
    for path, parser in every_parser():
        line = f"r9s {path} ".replace("  ", " ")
        commands = {
            name
            for action in parser._actions
            if isinstance(action, argparse._SubParsersAction)
            for name in action.choices
        }
        positionals = [
            action
            for action in parser._actions
            if not action.option_strings and not isinstance(action, argparse._SubParsersAction)
        ]
        first = values(positionals[0]) if positionals else set()
        shown = [action for action in parser._actions if action.help != argparse.SUPPRESS]
        options = {s for action in shown for s in action.option_strings}
        # fish offers options only for a word that starts with "-"
        at_empty_word = commands | first | (set() if shell == "fish" else options)
        expected[line] = at_empty_word
        expected[line + "-"] = options
        for action in shown:
            for string in action.option_strings:
                if action.nargs != 0:
                    expected[f"{line}{string} "] = values(action)
        flag = next(a for a in reversed(shown) if a.option_strings and a.nargs == 0)
        expected[f"{line}{flag.option_strings[-1]} "] = at_empty_word
    return expected


# Lines the walk above does not reach: partial words, values skipped on the way, the words
# after `r9s run TOOL` (the tool's: files only), and words r9s does not take.
TOOLS = all_tools()
TOOL_NAMES = {name for tool in TOOLS for name in (tool.name, *tool.aliases)}


def tool_lines() -> dict[str, set[str]]:
    """For each tool, the first letters of its name after set, reset or run (with an
    option before them): every name and alias they begin."""
    lines: dict[str, set[str]] = {}
    prefixes = ("r9s set ", "r9s reset --yes ", "r9s run --model m ")
    for number, tool in enumerate(TOOLS):
        start = tool.name[:2]
        lines[prefixes[number % 3] + start] = {n for n in TOOL_NAMES if n.startswith(start)}
    return lines


MORE_LINES: dict[str, set[str]] = {
    "r9s ch": {"chat"},
    "r9s conf": {"config"},
    "r9s config s": {"set"},
    "r9s config set b": {"base_url", "backups"},
    "r9s chat -m gpt --no-": {"--no-log", "--no-stream", "--no-reasoning"},
    "r9s chat --api re": {"responses"},
    "r9s chat --image pho": {FILE},
    "r9s status --j": {"--json"},
    "r9s batch r": {"run", "retry-failed"},
    "r9s batch run --max-c": {"--max-concurrency", "--max-cost"},
    # after the tool's name, the words are the tool's: files only
    f"r9s run {TOOLS[0].name} ": {FILE},
    f"r9s run {TOOLS[0].name} --": set(),
    f"r9s run {TOOLS[0].name} -p --mo": set(),
    f"r9s run {TOOLS[-1].name} exec pho": {FILE},
    # a word the parser would reject: nothing is right after it
    "r9s nonsense ": set(),
    "r9s config nonsense -": set(),
    "r9s completion bash zsh ": set(),
}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_completes_every_command_path_as_the_parser_has_it(
    tmp_path: Path, shell: str
) -> None:
    binary = program(shell)
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    (work / FILE).write_bytes(b"")
    expected = {**expected_completions(shell), **MORE_LINES, **tool_lines()}
    assert expected["r9s set "] >= TOOL_NAMES and "r9s config set " in expected

    offered = shells.SHELLS[shell](binary, home, work, list(expected))

    wrong = {
        line: {"missing": sorted(want - offered[line]), "extra": sorted(offered[line] - want)}
        for line, want in expected.items()
        if offered[line] != want
    }
    assert not wrong, f"{shell} completes {len(wrong)} of {len(expected)} lines wrongly: {wrong}"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_every_script_is_valid_in_its_shell(home: Path, shell: str) -> None:
    binary = program(shell)
    done = r9s(home, "completion", shell)
    assert done.returncode == 0, done.stderr
    check = subprocess.run([binary, "-n"], input=done.stdout, text=True, capture_output=True)
    assert check.returncode == 0, check.stderr
