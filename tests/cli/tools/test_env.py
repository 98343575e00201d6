"""``r9s env``: variables for a tool or an SDK, evaluated by real shells; the key masked
on a terminal (tmux) and whole where eval needs it."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.support.ci import program
from tests.support.cli import KEY, R9S, r9s, user_env
from tests.support.shells import shell_env
from tests.support.tmux import Tmux

# A key a shell must not mangle: quotes, a dollar sign, a backslash, a space.
ODD_KEY = 'sk-it\'s "$HOME" \\x-0123456789'


def eval_in(shell: str, home: Path, line: str, show: str) -> str:
    """Run ``line`` in a real ``shell`` (r9s on its PATH), then print ``show``."""
    done = subprocess.run(
        [program(shell), "-c", f"{line}\n{show}"], env=shell_env(home), cwd=home,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_eval_of_r9s_env_points_the_shell_at_r9s(home: Path, api: LocalServer, shell: str) -> None:
    flags = f"--api-key {shlex.quote(ODD_KEY)} --base-url {api.url} --model claude-sonnet-4-5"
    if shell == "fish":
        line = f"r9s env claude-code {flags} --shell fish | source"
        show = 'printf "%s|%s|%s\\n" $ANTHROPIC_AUTH_TOKEN $ANTHROPIC_BASE_URL $ANTHROPIC_MODEL'
    else:  # the default shell comes from $SHELL; eval "$(...)" as the docs say
        line = f'export SHELL=/bin/{shell}; eval "$(r9s env claude-code {flags})"'
        show = (
            'printf "%s|%s|%s\\n" "$ANTHROPIC_AUTH_TOKEN" "$ANTHROPIC_BASE_URL" "$ANTHROPIC_MODEL"'
        )

    out = eval_in(shell, home, line, show)

    assert out == f"{ODD_KEY}|{api.root_url}|claude-sonnet-4-5\n"


def test_sdk_targets_and_every_output_syntax(home: Path, api: LocalServer) -> None:
    base = ("--api-key", KEY, "--base-url", api.url)
    done = r9s(home, "env", "openai", *base, "--shell", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"OPENAI_BASE_URL": api.url, "OPENAI_API_KEY": KEY}
    done = r9s(home, "env", "anthropic", *base, "--shell", "dotenv")
    assert done.stdout == f"ANTHROPIC_BASE_URL={api.root_url}\nANTHROPIC_API_KEY={KEY}\n"
    done = r9s(home, "env", "openai", *base, "--shell", "powershell")
    assert done.stdout.splitlines()[1] == f"$env:OPENAI_API_KEY = '{KEY}'"
    assert api.requests == [], "an SDK target needs no model, so nothing is sent"

    # A tool's own variables, with the models it is set to (none given here: kept).
    assert r9s(home, "set", "aider", "--yes", *base, "--model", "qwen-plus").returncode == 0
    done = r9s(home, "env", "aider", *base, "--shell", "json")
    assert json.loads(done.stdout)["AIDER_MODEL"] == "openai/qwen-plus"

    done = r9s(home, "env", "codex", *base, "--model", "gpt-4o")
    assert done.returncode == 1
    assert "use `r9s run codex` or `r9s set codex`" in done.stderr
    done = r9s(home, "env", "opencod", *base)
    assert done.returncode == 2 and "did you mean opencode" in done.stderr


def on_terminal(home: Path, tmux: Tmux, args: str) -> str:
    """What a terminal (tmux) shows of ``r9s env ARGS``."""
    command = " ".join(shlex.quote(p) for p in R9S) + f" env {args}"
    env = user_env(home, {"TERM": "xterm-256color"})
    return tmux.screen_of(command, cwd=home, env=env, size=(150, 20))


def test_the_key_is_masked_on_a_terminal_unless_reveal(home: Path, tmux: Tmux) -> None:
    screen = on_terminal(home, tmux, f"openai --api-key {KEY}")
    assert "export OPENAI_API_KEY='sk-...cdef'" in screen
    assert KEY not in screen
    assert "masked on a terminal" in screen

    screen = on_terminal(home, tmux, f"openai --api-key {KEY} --reveal")
    assert f"export OPENAI_API_KEY='{KEY}'" in screen


def test_dotenv_output_is_read_back_by_the_real_dotenv(home: Path, api: LocalServer) -> None:
    from tests.support.dotenv_node import NodeDotenv

    done = r9s(home, "env", "openai", "--api-key", ODD_KEY, "--base-url", api.url,
               "--shell", "dotenv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    with NodeDotenv() as dotenv:
        assert dotenv.parse(done.stdout) == {"OPENAI_BASE_URL": api.url, "OPENAI_API_KEY": ODD_KEY}

    done = r9s(home, "env", "openai", "--api-key", "sk-\x1b]52;c;x\x07", "--shell", "dotenv")
    assert done.returncode == 1 and done.stdout == ""
    assert "the API key contains control characters (U+0007, U+001B)" in done.stderr
