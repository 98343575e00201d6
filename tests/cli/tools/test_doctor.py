"""``r9s doctor``: what each tool is, where it points, whether its key works, what overrides it."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pexpect

from r9s.cli.tools import names
from r9s.testing import LocalServer
from tests.cli.tools.cases import KEY, ROOT
from tests.support.cli import R9S, path_without_tools, r9s, user_env


def test_doctor_reports_each_tool_and_checks_the_keys(
    home: Path, api: LocalServer, tmp_path: Path
) -> None:
    root = api.url.removesuffix("/v1")
    r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", root, "--model", "m",
        "--small-model", "s")  # fmt: skip
    r9s(home, "set", "codex", "--yes", "--api-key", "sk-wrong-key-0000000000", "--base-url",
        api.url, "--model", "m")  # fmt: skip
    (home / ".qwen").mkdir()
    (home / ".qwen/settings.json").write_text("{oops")
    project = tmp_path / "project"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude/settings.local.json").write_text("{}")
    env = {"R9S_API_KEY": KEY, "R9S_BASE_URL": api.url, "GEMINI_API_KEY": "x",
           "PATH": path_without_tools(tmp_path / "bin")}  # fmt: skip

    done = r9s(home, "doctor", env=env, cwd=project)

    assert done.returncode == 1, "the codex key is rejected"
    out = done.stdout
    assert KEY not in out
    claude = out.split("Claude Code (claude-code)")[1].split("\n\n")[0]
    assert f"points at    r9s: {api.url}" in claude
    assert "sk-...cdef (ANTHROPIC_AUTH_TOKEN): works (8 models)" in claude
    assert "overridden?  " + str(project / ".claude/settings.local.json") in claude
    codex = out.split("Codex (codex)")[1].split("\n\n")[0]
    assert "FAILED: the API key was rejected (401)" in codex
    qwen = out.split("Qwen Code (qwen-code)")[1].split("\n\n")[0]
    assert "problem      ~/.qwen/settings.json:1: invalid JSON" in qwen
    gemini = out.split("Gemini CLI (gemini-cli)")[1].split("\n\n")[0]
    assert "not configured for r9s" in gemini
    assert "$GEMINI_API_KEY is set" in gemini
    assert "installed    no" in out

    done = r9s(home, "status", "--json", "--no-check", env=env, cwd=project)
    body = json.loads(done.stdout)
    assert done.returncode == 0
    assert [t["name"] for t in body["tools"]] == names()
    assert body["tools"][0]["points_at_r9s"] is True
    assert body["r9s"]["api_key"] == "sk-...cdef"
    assert KEY not in done.stdout


def test_doctor_finds_installed_tools_and_their_version(home: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "gemini"
    script.write_text("#!/bin/sh\necho 0.61.0\n")
    script.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = r9s(home, "doctor", "--no-check", env=env)
    assert done.returncode == 0
    assert f"installed    {script} (0.61.0)" in done.stdout


def test_doctor_does_not_take_your_own_config_for_a_project_override(home: Path) -> None:
    base = ("--yes", "--api-key", KEY, "--base-url", ROOT, "--model", "m")
    assert r9s(home, "set", "claude", *base, "--small-model", "s").returncode == 0
    assert r9s(home, "set", "gemini", *base).returncode == 0

    done = r9s(home, "doctor", "--no-check", cwd=home)

    assert done.returncode == 0, done.stderr
    assert "overridden?  ~/.claude/settings.json" not in done.stdout
    assert "overridden?  ~/.gemini" not in done.stdout

    project = home / "work" / "project"
    (project / "src").mkdir(parents=True)
    (home / "work" / "project" / ".env").write_text("GEMINI_API_KEY=other\n")
    done = r9s(home, "doctor", "--no-check", cwd=project / "src")

    gemini = done.stdout.split("Gemini CLI (gemini-cli)")[1].split("\n\n")[0]
    assert "overridden?  ~/work/project/.env is read instead of ~/.gemini/.env" in gemini


def test_doctor_says_when_an_overriding_variable_holds_the_same_key(home: Path) -> None:
    base = ("--yes", "--api-key", KEY, "--base-url", ROOT, "--model", "m")
    assert r9s(home, "set", "qwen", *base).returncode == 0

    same = r9s(home, "doctor", "--no-check", env={"R9S_API_KEY": KEY}).stdout
    qwen = same.split("Qwen Code (qwen-code)")[1].split("\n\n")[0]
    assert "overridden?  $R9S_API_KEY is set, to the same value as the file" in qwen

    other = r9s(home, "doctor", "--no-check", env={"R9S_API_KEY": "sk-other-0000000000"}).stdout
    qwen = other.split("Qwen Code (qwen-code)")[1].split("\n\n")[0]
    assert "overridden?  $R9S_API_KEY is set and wins over the file" in qwen


def test_doctor_styles_only_a_terminal_and_never_a_redirected_stdout(home: Path) -> None:
    import shlex

    def run(command: str, **env: str) -> str:
        child = pexpect.spawn(
            "bash",
            ["-c", command],
            env=user_env(home, {"TERM": "xterm-256color", **env}),
            cwd=str(home),
            encoding="utf-8",
            timeout=20,
        )
        child.logfile_read = io.StringIO()
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.logfile_read.getvalue()
        return str(child.logfile_read.getvalue())

    doctor = " ".join(shlex.quote(part) for part in [*R9S, "doctor", "--no-check"])
    assert "\x1b[1mClaude Code" in run(doctor), "bold on a terminal"
    assert "\x1b[1m" not in run(doctor, NO_COLOR="1")
    run(f"{doctor} > report.txt")
    report = (home / "report.txt").read_text()
    assert "Claude Code (claude-code)" in report and "\x1b[" not in report
