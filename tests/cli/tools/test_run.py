"""``r9s run TOOL``: the tool started with r9s injected, and no file touched."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from r9s.cli.tools import find
from tests.cli.tools.cases import CASES, KEY, ROOT, RUN_MODEL, Case, Ran
from tests.support.cli import path_without_tools, r9s, tree, user_env


def fake_tool(folder: Path, name: str) -> Path:
    """An executable that records its arguments, environment and --settings file."""
    script = folder / name
    script.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import json, os, sys
            args = sys.argv[1:]
            settings = None
            if "--settings" in args:
                path = args[args.index("--settings") + 1]
                settings = {{"path": path, "mode": os.stat(path).st_mode & 0o777,
                            "content": json.load(open(path))}}
            with open(os.environ["FAKE_TOOL_LOG"], "w") as log:
                json.dump({{"args": args, "env": dict(os.environ), "settings": settings}}, log)
            sys.exit(int(os.environ.get("FAKE_TOOL_EXIT", "0")))
            """
        )
    )
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("case", CASES, ids=[case.tool for case in CASES])
def test_run_injects_r9s_for_one_run_and_touches_no_file(
    home: Path, tmp_path: Path, case: Case
) -> None:
    tool = find(case.tool)
    assert tool is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_tool(bin_dir, tool.executable)
    log = tmp_path / "log.json"
    env = {
        "PATH": f"{bin_dir}:{user_env(home)['PATH']}",
        "FAKE_TOOL_LOG": str(log),
        "FAKE_TOOL_EXIT": "7",
        "ANTHROPIC_API_KEY": "sk-ant-personal",
        "GOOGLE_API_KEY": "google-personal",
    }
    before = tree(home)

    done = r9s(home, "run", "--api-key", KEY, "--base-url", ROOT, "--model", RUN_MODEL,
               case.tool, "--", "-p", "--model", "hi there", env=env)  # fmt: skip

    assert done.returncode == 7, done.stderr
    assert tree(home) == before
    seen = json.loads(log.read_text())
    assert seen["args"][-3:] == ["-p", "--model", "hi there"], "the tool's args pass untouched"
    assert KEY not in " ".join(seen["args"]), "the key never goes on the command line"
    case.check_run(Ran(seen["args"], seen["env"], seen["settings"], done.stderr))


def test_run_explains_a_missing_tool(home: Path, tmp_path: Path) -> None:
    bare = {"PATH": path_without_tools(tmp_path / "bin")}
    done = r9s(home, "run", "--api-key", KEY, "--model", "m", "codex", "exec", "hi", env=bare)
    assert done.returncode == 1
    assert "codex is not on PATH" in done.stderr and "npm install -g @openai/codex" in done.stderr
