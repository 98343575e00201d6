"""Run the ``r9s`` command as a person does: a subprocess, a temporary HOME, a bare env."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

from r9s.testing import LocalServer

R9S = [sys.executable, "-m", "r9s.cli"]
KEY = "sk-r9s-test-0123456789abcdef"
# The models the CLI tests' server lists (``api`` in tests/cli/conftest.py): a few per
# protocol, and non-chat ones a coding tool must not be offered.
DEFAULT_MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "gemini-2.5-flash",
    "qwen-plus",
    "text-embedding-3-small",
    "whisper-1",
)


def every_parser() -> list[tuple[str, argparse.ArgumentParser]]:
    """Every parser of the command tree with its path (``""``, ``"chat"``, ``"config set"``)."""
    from r9s.cli.main import build_parser

    found: list[tuple[str, argparse.ArgumentParser]] = []

    def visit(parser: argparse.ArgumentParser, path: str) -> None:
        found.append((path, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    visit(child, f"{path} {name}".strip())

    visit(build_parser(full=True), "")
    return found


def user_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a user's shell would have: PATH, HOME, a locale; no R9S_* from ours."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
    }
    env.update(extra or {})
    return env


def path_without_tools(folder: Path) -> str:
    """A PATH on which no coding tool (``r9s.cli.tools``) is found,
    whatever this machine has installed: one empty folder. r9s needs nothing from PATH
    (``R9S`` runs it as ``python -m r9s.cli``)."""
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def r9s(
    home: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 30,
    cwd: Path | None = None,
    stdin_closed: bool = False,
    umask: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``r9s ARGS`` without a terminal (stdin is a pipe or /dev/null; with
    ``stdin_closed``, no file descriptor 0 at all, as under ``r9s ... <&-``)."""

    def prepare() -> None:  # in the child, before r9s starts
        if stdin_closed:
            os.close(0)
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [*R9S, *args],
        env=user_env(home, env),
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or home,
        preexec_fn=prepare if stdin_closed or umask is not None else None,
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path to content), to prove nothing changed."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


class _SearchHit(TypedDict, total=False):
    # A base class of its own, not NotRequired[...]: with postponed annotations (the
    # future import above) TypedDict cannot see NotRequired in a string, and
    # __required_keys__ would wrongly hold the key.
    snippet: str
    """Only in ``r9s logs --search``'s answers: the text around the match."""


class LoggedExchange(_SearchHit):
    """One exchange as ``r9s logs --json`` prints it (``Exchange.to_json`` in the log)."""

    id: int
    conversation_id: str
    seq: int
    at: float
    model: str
    api: str
    prompt: str | None
    response: str | None
    system: str | None
    options: dict[str, Any]
    request_extra: dict[str, Any]
    attachments: list[dict[str, Any]]
    interrupted: bool
    error: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost: float | None
    ttft: float | None
    duration: float | None
    finish_reason: str | None
    response_id: str | None
    usage: dict[str, Any] | None
    tool_calls: list[dict[str, Any]] | None
    tool_results: list[dict[str, Any]] | None
    tool_texts: list[str] | None
    parsed: Any


def logged(home: Path) -> list[LoggedExchange]:
    """Every exchange of ``home``'s log, oldest first, as ``r9s logs --json -n 0`` gives."""
    import json

    done = r9s(home, "logs", "--json", "-n", "0")
    assert done.returncode == 0, done.stderr
    exchanges: list[LoggedExchange] = json.loads(done.stdout)
    for exchange in exchanges:  # the type above stays true to what the log prints
        keys = set(exchange) - LoggedExchange.__optional_keys__
        assert keys == LoggedExchange.__required_keys__, sorted(keys)
    return exchanges


def chat_bodies(server: LocalServer) -> list[dict[str, Any]]:
    """The JSON bodies of the chat completion requests ``server`` received, oldest first."""
    return [r.json for r in server.requests if r.path.endswith("/chat/completions")]
