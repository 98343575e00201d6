"""``r9s set`` / ``r9s run``, then the real tool, against the local r9s-compatible server.

Each tool is run headless with a hard timeout and only PATH and HOME set, and must print
the server's echo answer; the server must have seen our key and our model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import run_tool
from tests.support.cli import KEY, r9s

# The first test also waits for the npm install of the five tools (about 1.4 GB).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

PROMPT = "Greetings from r9s"

# tool -> (command, model, extra `set` flags)
TOOLS: dict[str, tuple[list[str], str, list[str]]] = {
    "claude-code": (["claude", "-p", PROMPT], "claude-sonnet-4-5",
                    ["--small-model", "claude-haiku-4-5"]),
    "codex": (["codex", "exec", "--skip-git-repo-check", PROMPT], "gpt-4o", []),
    "qwen-code": (["qwen", "-p", PROMPT], "qwen-plus", []),
    # Gemini CLI reads ~/.gemini/.env only in trusted folders; r9s leaves trust to the user.
    "gemini-cli": (["gemini", "-p", PROMPT, "--skip-trust"], "gemini-2.5-flash", []),
    "opencode": (["opencode", "run", PROMPT], "gpt-4o-mini", ["--small-model", "gpt-4o-mini"]),
}  # fmt: skip

# The files `r9s set TOOL` writes (relative to HOME). Before `set` the first of them holds
# the person's own content (r9s edits it; a rewrite would not give those exact bytes), the
# others do not exist (r9s creates them).
CONFIG_FILES: dict[str, list[str]] = {
    "claude-code": [".claude/settings.json"],
    "codex": [".codex/config.toml"],
    "qwen-code": [".qwen/settings.json"],
    "gemini-cli": [".gemini/.env", ".gemini/settings.json"],
    "opencode": [".config/opencode/opencode.json"],
}
OWN_CONTENT = {".json": b"{ }", ".toml": b"# mine\n", ".env": b"# mine\n"}


def user_path(tools_bin: Path) -> str:
    return f"{tools_bin}:/usr/local/bin:/usr/bin:/bin"


def saw_key_and_model(server: Any, model: str) -> bool:
    for request in server.requests:
        body = request.json if isinstance(request.json, dict) else {}
        if request.api_key == KEY and (body.get("model") == model or f"/{model}:" in request.path):
            return True
    return False


def describe(server: Any) -> str:
    return json.dumps([[r.method, r.path, r.api_key == KEY] for r in server.requests])


@pytest.mark.parametrize("tool", list(TOOLS))
def test_set_then_the_real_tool_talks_to_r9s(
    tool: str, tools_bin: Path, server: Any, tmp_path: Path
) -> None:
    command, model, extra = TOOLS[tool]
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    files = [home / name for name in CONFIG_FILES[tool]]
    files[0].parent.mkdir(parents=True)
    files[0].write_bytes(OWN_CONTENT[files[0].suffix or files[0].name])
    before = contents(files)
    done = r9s(home, "set", tool, "--yes", "--api-key", KEY, "--base-url", server.root_url,
               "--model", model, *extra)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert all(contents([f])[f] != before[f] for f in files), "set wrote each file"

    finished = run_tool(command, home=home, cwd=work, path=user_path(tools_bin))

    assert finished.code == 0, finished.stderr[-3000:]
    assert "Echo:" in finished.stdout, finished.stdout[-3000:]
    assert saw_key_and_model(server, model), describe(server)

    # And reset puts the files back as they were before `set`, byte for byte, and removes
    # those that did not exist (the tools' own state aside).
    reset = r9s(home, "reset", tool, "--yes")
    assert reset.returncode == 0, reset.stderr
    assert contents(files) == before


@pytest.mark.parametrize("tool", list(TOOLS))
def test_run_injects_r9s_without_touching_the_config(
    tool: str, tools_bin: Path, server: Any, tmp_path: Path
) -> None:
    command, model, extra = TOOLS[tool]
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    if tool == "gemini-cli":
        # Headless Gemini CLI takes its auth type from settings only (see `r9s run --help`).
        (home / ".gemini").mkdir()
        settings = {"security": {"auth": {"selectedType": "gemini-api-key"}}}
        (home / ".gemini/settings.json").write_text(json.dumps(settings))
    argv = [
        *_r9s_argv(), "run", "--api-key", KEY, "--base-url", server.url, "--model", model,
        *extra, command[0], "--", *command[1:],
    ]  # fmt: skip

    finished = run_tool(argv, home=home, cwd=work, path=user_path(tools_bin))

    assert finished.code == 0, finished.stderr[-3000:]
    assert "Echo:" in finished.stdout, finished.stdout[-3000:]
    assert saw_key_and_model(server, model), describe(server)
    assert not (home / ".r9s").exists(), "run keeps no state and makes no backup"


def contents(files: list[Path]) -> dict[Path, bytes | None]:
    """Each file's bytes, or None where it does not exist."""
    return {path: path.read_bytes() if path.exists() else None for path in files}


def _r9s_argv() -> list[str]:
    from tests.support.cli import R9S

    return list(R9S)
