"""``r9s batch`` as a person runs it: a subprocess, a temporary HOME, real files."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.batch.conftest import KEY, by_id, chat_input, sent_ids, write_jsonl
from tests.support.cli import R9S, r9s, user_env
from tests.support.tmux import DONE, Tmux


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def env_for(server: LocalServer, **extra: str) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY, **extra}


def test_prompts_from_a_text_file_with_the_configured_model(
    home: Path, server: LocalServer
) -> None:
    (home / "questions.txt").write_text("why is the sky blue\nwhat is rain\n")
    done = r9s(home, "batch", "run", "questions.txt", env=env_for(server, R9S_MODEL="gpt-4o"))
    assert done.returncode == 0, done.stderr
    output = home / "questions.output.jsonl"
    found = by_id(output)
    assert set(found) == {"line-1", "line-2"}
    assert [r.json["model"] for r in server.requests] == ["gpt-4o", "gpt-4o"]
    summary = done.stderr.strip().splitlines()[-1]
    assert summary.startswith("r9s batch: finished in ") and "2/2 rows answered" in summary
    assert "output questions.output.jsonl" in summary and done.stdout == ""


def test_json_summary_and_exit_status_one_when_rows_failed(home: Path, server: LocalServer) -> None:
    chat_input(home / "in.jsonl", 5)
    server.inject("status=400", times=2)
    done = r9s(home, "batch", "run", "in.jsonl", "-o", "out.jsonl", "--json", "--concurrency", "1",
               env=env_for(server))  # fmt: skip
    assert done.returncode == 1
    summary = json.loads(done.stdout)
    assert (summary["ok"], summary["failed"], summary["state"]) == (3, 2, "finished")
    assert summary["statuses"] == {"200": 3, "400": 2}
    retried = r9s(home, "batch", "retry-failed", "out.jsonl", "-q", env=env_for(server))
    assert retried.returncode == 0, retried.stderr
    assert "5/5 rows answered · 5 ok, 0 failed" in retried.stderr
    status = r9s(home, "batch", "status", "out.jsonl", env=env_for(server))
    assert status.returncode == 0
    assert "state     finished" in status.stdout and "5 ok, 0 failed (200: 5)" in status.stdout
    as_json = json.loads(r9s(home, "batch", "status", "out.jsonl", "--json").stdout)
    assert as_json["done"] == 5 and as_json["remaining"] == 0


@pytest.mark.parametrize(
    ("lines", "args", "message"),
    [
        (['{"custom_id": "a", "url": "/v1/chat/completions", "body": {}}'] * 2, [],
         "in.jsonl: duplicate custom_id 'a' on lines 1 and 2; nothing was sent"),
        (['{"custom_id": "a", "url": "/v1/files", "body": {}}'], [],
         "line 1: unknown url '/v1/files'"),
        (['{"custom_id": "a", "url": "/v1/chat/completions", "body": {}}'], ["--model", "x"],
         "--model is for text, CSV or --column inputs"),
        (["{}"], ["--max-cost", "5"], "a cost budget needs prices: pass --price IN,OUT"),
        (["{}"], ["--price", "cheap"], "expected IN,OUT dollars per million tokens"),
        (["{}"], ["--param", "novalue"], "--param expects KEY=VALUE, not 'novalue'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_two_and_nothing_sent(
    home: Path, server: LocalServer, lines: list[str], args: list[str], message: str
) -> None:
    (home / "in.jsonl").write_text("\n".join(lines) + "\n")
    done = r9s(home, "batch", "run", "in.jsonl", *args, env=env_for(server))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("r9s: error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert server.requests == [] and not (home / "in.output.jsonl").exists()


def test_a_bad_option_value_is_refused_by_the_parser(home: Path) -> None:
    done = r9s(home, "batch", "run", "in.jsonl", "--concurrency", "0")
    assert done.returncode == 2 and "--concurrency: must be at least 1, not 0" in done.stderr


def test_a_missing_key_fails_at_once(home: Path, server: LocalServer) -> None:
    chat_input(home / "in.jsonl", 3)
    done = r9s(home, "batch", "run", "in.jsonl", env={"R9S_BASE_URL": server.url})
    assert done.returncode == 1
    assert "no API key" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert server.requests == [] and not (home / "in.output.jsonl").exists()


def test_a_rejected_key_says_so_and_a_budget_stop_exits_three(home: Path) -> None:
    chat_input(home / "in.jsonl", 40)
    with LocalServer(api_key=KEY) as server:
        wrong = r9s(
            home, "batch", "run", "in.jsonl", env=env_for(server, R9S_API_KEY="sk-wrong-key")
        )
        assert wrong.returncode == 1
        assert "authentication failed (401)" in wrong.stderr and "from R9S_API_KEY" in wrong.stderr
        stopped = r9s(home, "batch", "run", "in.jsonl", "--max-tokens", "60", env=env_for(server))
        assert stopped.returncode == 3, stopped.stderr
        assert "stopped after" in stopped.stderr and "token budget reached" in stopped.stderr
        assert "left (run again to resume)" in stopped.stderr
        status = r9s(home, "batch", "status", "in.output.jsonl")
        assert "state     stopped (token budget reached" in status.stdout
        assert "next      the same `r9s batch run` again sends the" in status.stdout
        done = r9s(home, "batch", "run", "in.jsonl", env=env_for(server))
        assert done.returncode == 0 and len(by_id(home / "in.output.jsonl")) == 40


def test_status_of_something_else_is_refused(home: Path) -> None:
    (home / "notes.jsonl").write_text("{}\n")
    done = r9s(home, "batch", "status", "notes.jsonl")
    assert done.returncode == 2 and "not the output of an r9s batch run" in done.stderr
    missing = r9s(home, "batch", "status", "nope.jsonl")
    assert missing.returncode == 2 and "not the output of an r9s batch run" in missing.stderr


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(home: Path) -> None:
    chat_input(home / "in.jsonl", 300)
    with LocalServer() as server:
        server.inject("delay=0.05", times=300)
        process = subprocess.Popen(
            [*R9S, "batch", "run", "in.jsonl", "--concurrency", "4", "--max-concurrency", "4"],
            cwd=home, env=user_env(home, env_for(server)), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        output = home / "in.output.jsonl"
        deadline = time.monotonic() + 30
        while not output.exists() or output.read_text().count("\n") < 20:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 3, err
        assert "stopping: waiting for the requests in flight" in err
        assert "interrupted (Ctrl-C or SIGTERM)" in err
        written = by_id(output)  # whole records only, each once
        answered_before = set(written)
        sent_before = len(sent_ids(server))
        assert sent_before == len(written)  # every request sent got its record written
        server.clear()
        done = r9s(home, "batch", "run", "in.jsonl", env=env_for(server), timeout=60)
        assert done.returncode == 0, done.stderr
        assert set(sent_ids(server)).isdisjoint(answered_before)
        assert len(by_id(output)) == 300


def test_a_live_progress_bar_on_a_terminal(home: Path, tmux: Tmux) -> None:
    chat_input(home / "in.jsonl", 400)
    with LocalServer() as server:
        server.inject("delay=0.02", times=400)
        env = user_env(home, {**env_for(server), "TERM": "xterm-256color"})
        command = shlex.join([*R9S, "batch", "run", "in.jsonl", "--concurrency", "2",
                              "--max-concurrency", "2"])  # fmt: skip
        session = tmux.start(command, cwd=home, env=env, size=(150, 10))
        seen_bar = ""
        screen = ""
        for screen in session.screens(timeout=60, history=False):
            if "concurrency" in screen and "/400" in screen:
                seen_bar = screen
            if DONE in screen:
                break
    assert DONE in screen, screen
    assert seen_bar, screen
    assert "━" in seen_bar and "/s" in seen_bar and "ETA" in seen_bar and "tokens" in seen_bar
    # The bar goes away; the summary stays.
    assert "concurrency" not in screen and "400/400 rows answered" in screen


@pytest.mark.slow
def test_without_a_terminal_a_line_every_ten_seconds(home: Path) -> None:
    chat_input(home / "in.jsonl", 240)
    with LocalServer() as server:
        server.inject("delay=0.1", times=240)
        started = time.monotonic()
        done = r9s(home, "batch", "run", "in.jsonl", "--concurrency", "2", "--max-concurrency", "2",
                   env=env_for(server), timeout=60)  # fmt: skip
        elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    progress = [line for line in lines if line.startswith("r9s batch: ") and "/240 (" in line]
    # The batch ran for at least 12 s (240 calls of 0.1 s, two at a time) and for less
    # than ``elapsed``, which also counts the start and exit of the process.
    assert 1 <= len(progress) <= int(elapsed // 10), lines
    assert "/s · " in progress[0] and "concurrency 2" in progress[0]
    assert lines[-1].startswith("r9s batch: finished in ")


def test_help_has_examples(home: Path) -> None:
    done = r9s(home, "batch", "run", "--help")
    assert done.returncode == 0 and "examples:" in done.stdout and "--ray ADDRESS" in done.stdout
    assert "exit status: 0 all rows answered" in done.stdout
    top = r9s(home, "batch", "--help")
    assert "retry-failed" in top.stdout and "r9s batch status results.jsonl" in top.stdout


def test_an_input_with_blank_and_crlf_lines(home: Path, server: LocalServer) -> None:
    line = json.dumps({"custom_id": "a", "url": "/v1/chat/completions", "body": {"messages": []}})
    write_jsonl(home / "in.jsonl", [line + "\r", ""])
    done = r9s(home, "batch", "run", "in.jsonl", "-o", "o.jsonl", env=env_for(server))
    assert done.returncode == 1 and by_id(home / "o.jsonl")["a"]["response"]["status_code"] == 400
    assert os.path.getsize(home / "o.jsonl") > 0


def test_ray_without_ray_installed_says_how_to_get_it(home: Path, server: LocalServer) -> None:
    if importlib.util.find_spec("ray") is not None:
        pytest.skip("Ray is installed here (the test venv keeps it out: see the Makefile)")
    chat_input(home / "in.jsonl", 2)
    done = r9s(home, "batch", "run", "in.jsonl", "--ray", "local", env=env_for(server))
    assert done.returncode == 1
    assert (
        done.stderr
        == "r9s: error: Ray is not installed: pip install 'r9s[ray]' (it brings ray[data])\n"
    )
    assert not (home / "in.output.jsonl").exists() and server.requests == []
