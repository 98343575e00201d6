"""``r9s doctor``: what each tool is, where it points, whether its key works, what overrides it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from r9s.cli.tools import names
from r9s.testing import LocalServer
from tests.cli.tools.cases import KEY, ROOT
from tests.support.cli import R9S, path_without_tools, r9s, user_env
from tests.support.pty import run_on_terminal


def test_doctor_reports_each_tool_and_checks_the_keys(
    home: Path, api: LocalServer, tmp_path: Path
) -> None:
    root = api.url.removesuffix("/v1")
    r9s(home, "set", "claude", "--yes", "--api-key", KEY, "--base-url", root, "--model", "m",
        "--small-model", "s")  # fmt: skip
    # A rejected key is written only with --force.
    r9s(home, "set", "codex", "--yes", "--api-key", "sk-wrong-key-0000000000", "--base-url",
        api.url, "--model", "m", "--force")  # fmt: skip
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
        environment = user_env(home, {"TERM": "xterm-256color", **env})
        status, transcript = run_on_terminal(command, cwd=home, env=environment, size=(80, 24))
        assert status == 0, transcript
        return transcript

    doctor = " ".join(shlex.quote(part) for part in [*R9S, "doctor", "--no-check"])
    assert "\x1b[1mClaude Code" in run(doctor), "bold on a terminal"
    assert "\x1b[1m" not in run(doctor, NO_COLOR="1")
    run(f"{doctor} > report.txt")
    report = (home / "report.txt").read_text()
    assert "Claude Code (claude-code)" in report and "\x1b[" not in report


def test_probe_sends_one_request_per_tool_in_its_own_api_and_names_each_failure(
    home: Path, api: LocalServer
) -> None:
    base = ("--yes", "--api-key", KEY, "--base-url", api.url)
    for tool, model in [("claude", "claude-sonnet-4-5"), ("codex", "gpt-4o"),
                        ("gemini", "gemini-2.5-flash"), ("qwen", "qwen-plus"),
                        ("opencode", "gpt-4o-mini")]:  # fmt: skip
        assert r9s(home, "set", tool, *base, "--model", model).returncode == 0
    # Two broken ones: a model the router does not know, a key it refuses.
    assert r9s(home, "set", "aider", *base, "--model", "no-such-model").returncode == 0
    bad = ("--yes", "--api-key", "sk-refused-0000000000", "--base-url", api.url)
    assert r9s(home, "set", "cline", *bad, "--model", "gpt-4o", "--force").returncode == 0
    api.clear()

    done = r9s(home, "doctor", "--probe", env={"R9S_API_KEY": KEY, "R9S_BASE_URL": api.url})

    assert done.returncode == 1, "two probes fail"
    probes = {}
    for block in done.stdout.split("\n\n")[1:]:
        title = block.splitlines()[0]
        probes[title] = next((line for line in block.splitlines() if "probe" in line), "")
    assert "ok in" in probes["Claude Code (claude-code)"]
    assert "(Anthropic Messages)" in probes["Claude Code (claude-code)"]
    assert "(OpenAI Responses)" in probes["Codex (codex)"] and "ok in" in probes["Codex (codex)"]
    assert "ok in" in probes["Gemini CLI (gemini-cli)"]
    assert "(Gemini generateContent)" in probes["Gemini CLI (gemini-cli)"]
    assert "ok in" in probes["Qwen Code (qwen-code)"] and "ok in" in probes["opencode (opencode)"]
    assert (
        "FAILED after" in probes["aider (aider)"]
        and "404 The model `no-such-model` does not exist" in probes["aider (aider)"]
    )
    assert "401 Incorrect API key provided" in probes["Cline CLI (cline)"]
    assert probes["Kilo Code CLI (kilo-code)"] == "", "a tool not set up is not probed"
    assert "sk-refused-0000000000" not in done.stdout
    sent = sorted((r.path, r.json.get("model") if isinstance(r.json, dict) else None)
                  for r in api.requests if r.method == "POST")  # fmt: skip
    assert sent == sorted([
        ("/v1/messages", "claude-sonnet-4-5"), ("/v1/responses", "gpt-4o"),
        ("/v1beta/models/gemini-2.5-flash:generateContent", None),
        ("/v1/chat/completions", "qwen-plus"), ("/v1/chat/completions", "gpt-4o-mini"),
        ("/v1/chat/completions", "no-such-model"), ("/v1/chat/completions", "gpt-4o"),
    ])  # fmt: skip

    body = json.loads(r9s(home, "doctor", "--probe", "--json",
                          env={"R9S_API_KEY": KEY, "R9S_BASE_URL": api.url}).stdout)  # fmt: skip
    by_name = {tool["name"]: tool for tool in body["tools"]}
    assert by_name["codex"]["probe_ok"] is True and by_name["cline"]["probe_ok"] is False
    assert r9s(home, "doctor", "--probe", "--no-check").returncode == 1


def test_probe_says_when_the_router_does_not_serve_the_gemini_api(
    home: Path, api: LocalServer
) -> None:
    set_up = r9s(home, "set", "gemini", "--yes", "--api-key", KEY, "--base-url", api.url,
                 "--model", "gemini-2.5-flash")  # fmt: skip
    assert set_up.returncode == 0, set_up.stderr
    api.inject("status=404", path="/v1beta/models/*")  # as a router without that API

    done = r9s(home, "doctor", "--probe", env={"R9S_API_KEY": KEY, "R9S_BASE_URL": api.url})

    assert done.returncode == 1
    gemini = done.stdout.split("Gemini CLI (gemini-cli)")[1].split("\n\n")[0]
    assert "probe        FAILED after" in gemini
    assert "(Gemini generateContent): 404" in gemini
    assert "the router does not seem to serve the Gemini API" in gemini
