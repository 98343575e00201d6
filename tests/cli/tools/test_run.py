"""``r9s run TOOL``: the tool started with r9s injected, and no file touched."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from r9s.cli.tools import find
from tests.cli.tools.cases import CASES, KEY, ROOT, RUN_MODEL, Case, Ran
from tests.support.cli import R9S, path_without_tools, r9s, tree, user_env


def fake_tool(folder: Path, name: str) -> Path:
    """An executable that records its arguments, environment, --settings file and the
    files its ``*_PATH`` variables name."""
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
            files = {{name: {{"mode": os.stat(path).st_mode & 0o777,
                             "content": json.load(open(path))}}
                     for name, path in os.environ.items()
                     if name.endswith("_PATH") and os.path.isfile(path)}}
            with open(os.environ["FAKE_TOOL_LOG"], "w") as log:
                json.dump({{"args": args, "env": dict(os.environ), "settings": settings,
                           "files": files}}, log)
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
    ran = Ran(seen["args"], seen["env"], seen["settings"], done.stderr, seen["files"])
    case.check_run(ran)


def test_run_explains_a_missing_tool(home: Path, tmp_path: Path) -> None:
    bare = {"PATH": path_without_tools(tmp_path / "bin")}
    done = r9s(home, "run", "--api-key", KEY, "--model", "m", "codex", "exec", "hi", env=bare)
    assert done.returncode == 1
    assert "codex is not on PATH" in done.stderr and "npm install -g @openai/codex" in done.stderr


def waiting_tool(folder: Path, name: str) -> None:
    """A stand-in that reports its process, its --settings file and the key's visibility,
    then waits to be killed."""
    script = folder / name
    script.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import json, os, sys, time
            args = sys.argv[1:]
            settings = args[args.index("--settings") + 1] if "--settings" in args else None
            content = open(settings).read() if settings else None
            with open(os.environ["FAKE_TOOL_LOG"] + ".tmp", "w") as log:
                json.dump({{"pid": os.getpid(), "settings": settings, "content": content}}, log)
            os.rename(os.environ["FAKE_TOOL_LOG"] + ".tmp", os.environ["FAKE_TOOL_LOG"])
            time.sleep(60)
            """
        )
    )
    script.chmod(0o755)


def processes_under(pid: int, listing: str) -> str:
    """The lines of a ``ps -o pid=,ppid=,args=`` listing for ``pid`` and its descendants
    (not other test runs' processes, which may have the same test key on their command
    line)."""
    rows = [line.split(None, 2) for line in listing.splitlines() if line.strip()]
    tree, found = {pid}, True
    while found:
        found = False
        for row in rows:
            if len(row) >= 2 and int(row[1]) in tree and int(row[0]) not in tree:
                tree.add(int(row[0]))
                found = True
    return "\n".join(" ".join(row) for row in rows if int(row[0]) in tree)


def test_run_keeps_the_api_key_out_of_ps_and_a_kill_9_leaves_no_file_holding_it(
    home: Path, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import time

    tool = find("claude-code")
    assert tool is not None
    bin_dir, temporary, log = tmp_path / "bin", tmp_path / "tmp", tmp_path / "log.json"
    bin_dir.mkdir()
    temporary.mkdir()
    waiting_tool(bin_dir, tool.executable)
    env = user_env(home, {"PATH": f"{bin_dir}:{user_env(home)['PATH']}",
                          "FAKE_TOOL_LOG": str(log), "TMPDIR": str(temporary)})  # fmt: skip
    argv = [*R9S, "run", "--api-key", KEY, "--base-url", ROOT, "--model", RUN_MODEL,
            "claude-code", "--", "-p", "hi"]  # fmt: skip
    process = subprocess.Popen(argv, env=env, cwd=home, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not log.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert log.exists(), process.stderr.read() if process.stderr else ""
        seen = json.loads(log.read_text())

        listing = subprocess.run(["ps", "-eww", "-o", "pid=,ppid=,args="], capture_output=True,
                                 text=True, check=True).stdout  # fmt: skip
        assert KEY not in processes_under(process.pid, listing), "no process shows the key"
        assert seen["pid"] == process.pid, "r9s became the tool: no r9s process stays behind"
        assert KEY in seen["content"], "the tool got its settings, key included"
        assert seen["settings"].startswith("/dev/fd/"), "a file in memory, not on disk"
        assert list(temporary.iterdir()) == []

        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert list(temporary.iterdir()) == [], "nothing under TMPDIR (no /tmp/r9s-run-*)"
    leftovers = [p for p in tree(home) if KEY.encode() in tree(home)[p]]
    assert leftovers == []


def test_run_on_a_system_without_memory_files_cleans_up_what_a_killed_run_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from r9s.cli.commands.run import _private_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / "r9s-run-999999999-abcd"  # no such process
    dead.mkdir()
    (dead / "settings").write_text(KEY)
    alive = tmp_path / f"r9s-run-{os.getpid()}-efgh"
    alive.mkdir()

    with _private_folder() as folder:
        assert folder.parent == tmp_path and folder.stat().st_mode & 0o777 == 0o700
        assert not dead.exists(), "left by a killed run: removed"
        assert alive.exists(), "another run's, still going: kept"
    assert not folder.exists()
