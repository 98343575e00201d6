"""Completion scripts cover the whole parser; every help is short and has examples;
``--help`` of every command imports nothing heavy."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from r9s.cli._completion import walk
from r9s.cli.main import build_parser
from tests.support.cli import r9s, user_env

HEAVY = {"httpx", "pydantic", "rich", "prompt_toolkit", "tomlkit"}


def every_parser() -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []

    def visit(parser: argparse.ArgumentParser, path: str) -> None:
        found.append((path, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    visit(child, f"{path} {name}".strip())

    visit(build_parser(full=True), "")
    return found


def test_the_tree_knows_every_command_and_option() -> None:
    nodes = {node.path: node for node in walk(build_parser(full=True))}
    for path, parser in every_parser():
        node = nodes[path]
        strings = {s for option in node.options for s in option.strings}
        for action in parser._actions:
            for string in action.option_strings:
                assert string in strings, (path, string)
    assert {"chat", "models", "images", "audio", "login", "config", "completion", "status"} <= set(
        nodes[""].children
    )
    assert set(nodes["config"].children) == {"set", "get", "list", "unset", "path"}
    assert nodes["completion"].positionals == ["bash", "zsh", "fish"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_every_script_names_every_option(home: Path, shell: str) -> None:
    done = r9s(home, "completion", shell)
    assert done.returncode == 0, done.stderr
    for path, parser in every_parser():
        for action in parser._actions:
            for string in action.option_strings:
                needle = string.lstrip("-") if shell == "fish" else string
                assert needle in done.stdout, (shell, path, string)
        if path:
            assert path.split()[-1] in done.stdout
    binary = shutil.which(shell)
    if binary is not None:  # syntax check where the shell is installed
        check = subprocess.run([binary, "-n"], input=done.stdout, text=True, capture_output=True)
        assert check.returncode == 0, check.stderr


def complete(home: Path, script: str, line: str) -> list[str]:
    """What bash offers for ``line`` (the cursor at its end)."""
    words = line.split(" ")
    program = textwrap.dedent(
        f"""
        source {script}
        COMP_WORDS=({" ".join(repr(w) for w in words)})
        COMP_CWORD={len(words) - 1}
        _r9s
        printf '%s\\n' "${{COMPREPLY[@]}}"
        """
    )
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, cwd=home)
    assert done.returncode == 0, done.stderr
    return sorted(set(done.stdout.split()))


def test_bash_completion_completes_commands_options_and_values(home: Path) -> None:
    script = home / "r9s.bash"
    script.write_text(r9s(home, "completion", "bash").stdout)
    (home / "photo.png").write_bytes(b"")

    assert "chat" in complete(home, script.name, "r9s ch")
    assert complete(home, script.name, "r9s conf") == ["config"]
    assert complete(home, script.name, "r9s config ") == ["--help", "-h", "get", "list", "path",
                                                           "set", "unset"]  # fmt: skip
    assert complete(home, script.name, "r9s config set ") == ["--help", "-h", "api_key",
                                                               "base_url", "model"]  # fmt: skip
    assert complete(home, script.name, "r9s chat --api ") == ["chat", "messages", "responses"]
    assert complete(home, script.name, "r9s chat -m gpt --no-") == ["--no-save", "--no-stream"]
    assert complete(home, script.name, "r9s chat --image pho") == ["photo.png"]
    assert complete(home, script.name, "r9s completion ") == ["--help", "-h", "bash", "fish", "zsh"]
    assert "--details" in complete(home, script.name, "r9s models --")
    assert complete(home, script.name, "r9s status --j") == ["--json"]


TOOL_NAMES = ["claude-code", "codex", "gemini-cli", "opencode", "qwen-code"]


def test_bash_completes_tool_names_and_leaves_what_follows_run_tool_to_the_tool(
    home: Path,
) -> None:
    script = home / "r9s.bash"
    script.write_text(r9s(home, "completion", "bash").stdout)
    (home / "photo.png").write_bytes(b"")

    for command in ("set", "reset"):
        assert set(TOOL_NAMES) <= set(complete(home, script.name, f"r9s {command} "))
    assert complete(home, script.name, "r9s set cl") == ["claude", "claude-code", "claude_code"]
    assert complete(home, script.name, "r9s run --model m q") == ["qwen", "qwen-code", "qwen_code"]
    assert "--base-url" in complete(home, script.name, "r9s run --")
    assert complete(home, script.name, "r9s run claude --") == []
    assert complete(home, script.name, "r9s run claude -p --mo") == []
    assert complete(home, script.name, "r9s run codex exec pho") == ["photo.png"]


def test_version_and_short_helps_with_examples(home: Path) -> None:
    from r9s._version import __version__

    assert r9s(home, "--version").stdout.strip() == f"r9s {__version__}"
    top = r9s(home, "--help").stdout
    assert "examples:" in top and len(top.splitlines()) < 45
    for path, _parser in every_parser():
        if not path:
            continue
        text = r9s(home, *path.split(), "--help").stdout
        assert "examples:" in text, path
        assert len(text.splitlines()) < 70, (path, len(text.splitlines()))
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
        print("HEAVY", sorted({"httpx", "pydantic", "rich", "prompt_toolkit", "tomlkit"}
                              & set(sys.modules)))
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


ZSH_HARNESS = r"""
compdef() { :; }
source "$R9S_SCRIPT"
_describe() { local arr; arr=("${(@P)${@[-1]}}"); print -l -- ${arr%%:*}; }
compadd() { shift; print -l -- "$@"; }
_files() { print -- "<files>"; }
_message() { print -- "<value>"; }
words=(${=1}); CURRENT=${#words}
[[ "$1" == *" " ]] && { words+=(""); CURRENT=${#words}; }
_r9s
"""


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completion_logic(home: Path) -> None:
    script = home / "_r9s"
    script.write_text(r9s(home, "completion", "zsh").stdout)

    def offered(line: str) -> list[str]:
        env = {"R9S_SCRIPT": str(script), "PATH": "/usr/bin:/bin"}
        command = ["zsh", "-f", "-c", ZSH_HARNESS, "zsh", line]
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        return sorted(done.stdout.split())

    assert {"chat", "models", "completion", "status", "--version"} <= set(offered("r9s "))
    assert offered("r9s config ") == ["--help", "-h", "get", "list", "path", "set", "unset"]
    assert offered("r9s chat --api ") == ["chat", "messages", "responses"]
    assert offered("r9s chat --image ") == ["<files>"]
    assert "<files>" in offered("r9s audio transcribe ")
    assert offered("r9s completion ") == ["--help", "-h", "bash", "fish", "zsh"]
    assert set(TOOL_NAMES) <= set(offered("r9s set "))
    assert "--api-key" in offered("r9s run ")
    assert offered("r9s run claude ") == ["<files>"]
    assert offered("r9s run claude -p --mo") == ["<files>"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completion_logic(home: Path) -> None:
    script = home / "r9s.fish"
    script.write_text(r9s(home, "completion", "fish").stdout)

    def offered(line: str) -> list[str]:
        done = subprocess.run(
            ["fish", "--no-config", "-c", f"source {script}; complete -C {line!r}"],
            capture_output=True, text=True, env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return sorted(entry.split("\t")[0] for entry in done.stdout.splitlines())

    assert {"chat", "models", "images", "audio", "login", "config"} <= set(offered("r9s "))
    assert offered("r9s config ") == ["get", "list", "path", "set", "unset"]
    assert offered("r9s config set ") == ["api_key", "base_url", "model"]
    assert offered("r9s chat --api ") == ["chat", "messages", "responses"]
    assert "--no-stream" in offered("r9s chat --no")
    assert offered("r9s completion ") == ["bash", "fish", "zsh"]
    assert set(TOOL_NAMES) <= set(offered("r9s reset "))
    assert "--api-key" in offered("r9s run --")
    assert not [o for o in offered("r9s run claude --") if o.startswith("-")]


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
