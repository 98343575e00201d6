"""``r9s set`` / ``r9s run``, then the real tool, against the local r9s-compatible server.

Each tool is run headless with a hard timeout and only PATH and HOME set, and must print
the server's echo answer; the server must have seen our key and our model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from r9s.cli.tools import find
from r9s.testing import LocalServer
from tests.cli.tools.cases import CASES, Case
from tests.e2e.conftest import run_tool
from tests.support.cli import KEY, R9S, r9s

# The first test also waits for the npm install of every tool (about 1.4 GB).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
IDS = [case.tool for case in CASES]


def command(case: Case) -> list[str]:
    """The tool's headless command line."""
    tool = find(case.tool)
    assert tool is not None
    return [tool.executable, *case.real.args]


def config_files(case: Case) -> list[str]:
    """The files `r9s set` writes (relative to HOME). Before `set` the first of them holds
    the person's own content (r9s edits it; a rewrite would not give those exact bytes),
    the others do not exist (r9s creates them)."""
    tool = find(case.tool)
    assert tool is not None
    return [config.home_path for config in tool.files]


OWN_CONTENT = {".json": b"{ }", ".toml": b"# mine\n", ".env": b"# mine\n"}


def user_path(tools_bin: Path) -> str:
    return f"{tools_bin}:/usr/local/bin:/usr/bin:/bin"


def saw_key_and_model(server: LocalServer, model: str) -> bool:
    for request in server.requests:
        body = request.json if isinstance(request.json, dict) else {}
        if request.api_key == KEY and (body.get("model") == model or f"/{model}:" in request.path):
            return True
    return False


def describe(server: LocalServer) -> str:
    return json.dumps([[r.method, r.path, r.api_key == KEY] for r in server.requests])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_set_then_the_real_tool_talks_to_r9s(
    case: Case, tools_bin: Path, r9s_server: LocalServer, tmp_path: Path
) -> None:
    server = r9s_server
    tool, model, extra = case.tool, case.real.model, case.real.set_flags
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    files = [home / name for name in config_files(case)]
    files[0].parent.mkdir(parents=True)
    files[0].write_bytes(OWN_CONTENT[files[0].suffix or files[0].name])
    before = contents(files)
    done = r9s(home, "set", tool, "--yes", "--api-key", KEY, "--base-url", server.root_url,
               "--model", model, *extra)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert all(contents([f])[f] != before[f] for f in files), "set wrote each file"

    finished = run_tool(command(case), home=home, cwd=work, path=user_path(tools_bin))

    assert finished.code == 0, finished.stderr[-3000:]
    assert "Echo:" in finished.stdout, finished.stdout[-3000:]
    assert saw_key_and_model(server, model), describe(server)

    # And reset puts the files back as they were before `set`, byte for byte, and removes
    # those that did not exist (the tools' own state aside). A tool may have rewritten its
    # file meanwhile (Qwen Code adds "$version"): reset then needs --force with --yes.
    reset = r9s(home, "reset", tool, "--yes", "--force")
    assert reset.returncode == 0, reset.stderr
    assert contents(files) == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_run_injects_r9s_without_touching_the_config(
    case: Case, tools_bin: Path, r9s_server: LocalServer, tmp_path: Path
) -> None:
    server = r9s_server
    model, extra = case.real.model, case.real.set_flags
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    for relative, content in case.real.run_files.items():
        (home / relative).parent.mkdir(parents=True, exist_ok=True)
        (home / relative).write_text(content)
    argv = [
        *R9S, "run", "--api-key", KEY, "--base-url", server.url, "--model", model,
        *extra, case.tool, "--", *case.real.args,
    ]  # fmt: skip

    finished = run_tool(argv, home=home, cwd=work, path=user_path(tools_bin))

    assert finished.code == 0, finished.stderr[-3000:]
    assert "Echo:" in finished.stdout, finished.stdout[-3000:]
    assert saw_key_and_model(server, model), describe(server)
    assert not (home / ".r9s").exists(), "run keeps no state and makes no backup"


def contents(files: list[Path]) -> dict[Path, bytes | None]:
    """Each file's bytes, or None where it does not exist."""
    return {path: path.read_bytes() if path.exists() else None for path in files}
