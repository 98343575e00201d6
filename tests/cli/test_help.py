"""Every ``--help``: short, with examples, loading nothing heavy; the tool tables come
from the registry."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from r9s.cli.main import COMMANDS
from r9s.cli.tools import all_tools
from tests.support.cli import every_parser, r9s, user_env


def test_version_and_short_helps_with_examples(home: Path) -> None:
    from r9s._version import __version__

    assert r9s(home, "--version").stdout.strip() == f"r9s {__version__}"
    top = r9s(home, "--help").stdout
    # one line per command (COMMANDS), the rest fixed: it fits a terminal
    assert "examples:" in top and len(top.splitlines()) < 46
    for path, _parser in every_parser():
        if not path:
            continue
        text = r9s(home, *path.split(), "--help").stdout
        assert "examples:" in text, path
        # chat takes the most options (grouped in its help); every other help fits a screen
        limit = 100 if path == "chat" else 70
        assert len(text.splitlines()) < limit, (path, len(text.splitlines()))
        if " " in path:  # a second-level command: its examples use it
            examples = text.split("examples:")[1]
            assert f"r9s {path} " in examples or f"r9s {path}\n" in examples, path


def test_help_of_every_command_imports_nothing_heavy(home: Path) -> None:
    probe = textwrap.dedent(
        """
        import sys
        from r9s.cli.main import main
        try:
            main(sys.argv[1:])
        except SystemExit:
            pass
        heavy = {"httpx", "pydantic", "rich", "prompt_toolkit", "tomlkit", "sqlite3", "yaml"}
        print("HEAVY", sorted(heavy & set(sys.modules)))
        """
    )
    commands = [[], ["--help"], ["--version"]] + [
        [*path.split(), "--help"] for path, _ in every_parser() if path
    ]
    for args in commands:
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            env=user_env(home),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        assert "HEAVY []" in done.stdout, (args, done.stdout)


def test_connection_options_read_the_same_everywhere() -> None:
    helps: dict[str, set[str]] = {"--api-key": set(), "--base-url": set()}
    for path, parser in every_parser():
        for action in parser._actions:
            for string in action.option_strings:
                # login's key is the one it stores, mock's the ones its server accepts
                if string in helps and path not in ("login", "mock"):
                    helps[string].add(action.help or "")
    assert all(len(texts) == 1 for texts in helps.values()), helps
    assert "config.toml" in next(iter(helps["--api-key"]))


@pytest.mark.parametrize(("command", "blurb"), [("set", "writes"), ("run", "injects")])
def test_the_tool_tables_of_set_and_run_list_every_tool(
    home: Path, command: str, blurb: str
) -> None:
    text = r9s(home, command, "--help").stdout
    for tool in all_tools():
        first_line = getattr(tool, blurb).help.splitlines()[0]
        assert f"  {tool.name}  " in text and first_line in text, (command, tool.name)
    assert "experimental_bearer_token" in r9s(home, "set", "--help").stdout
    for tool in all_tools():
        assert tool.name in r9s(home, "reset", "--help").stdout


def test_the_top_help_lists_the_command_table(home: Path) -> None:
    text = r9s(home, "--help").stdout
    for command in COMMANDS:
        assert f"    {command.name}" in text and command.help in text, command.name
