"""``r9s logs`` and ``r9s usage`` as a person uses them: real chats against the local
server, a temporary HOME, the log a real SQLite file; parallel writers; no key stored."""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from r9s.cli.common.log import ConversationInfo, Exchange, Filters, Log, LogError, log_path
from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S, logged, r9s, user_env
from tests.support.race import at_once


def env(server: LocalServer, **extra: str) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY, **extra}


def chat(home: Path, server: LocalServer, *args: str, input: str | None = None) -> str:
    done = r9s(home, "chat", *args, env=env(server), input=input)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_kind_of_turn_is_logged_with_its_numbers(home: Path, r9s_server: LocalServer) -> None:
    chat(home, r9s_server, "-m", "gpt-4o", "--temperature", "0.5", "one shot")
    chat(home, r9s_server, "summarise", input="piped text\n")
    chat(
        home, r9s_server, "--api", "messages", "-m", "claude-haiku-4-5", "-s", "Terse", "anthropic"
    )
    chat(home, r9s_server, "--api", "responses", "--no-stream", "responses")
    chat(home, r9s_server, "--json", "as json")
    one, piped, messages, responses, as_json = logged(home)

    assert (one["prompt"], one["response"], one["model"]) == (
        "one shot",
        "Echo: one shot",
        "gpt-4o",
    )
    assert one["options"] == {"temperature": 0.5} and one["api"] == "chat"
    assert one["ttft"] is not None and one["duration"] is not None
    assert one["duration"] >= one["ttft"] > 0
    assert piped["prompt"] == "summarise\n\npiped text"
    assert messages["api"] == "messages" and messages["system"] == "Terse"
    assert messages["finish_reason"] == "end_turn" and str(messages["response_id"]).startswith(
        "msg"
    )
    assert responses["api"] == "responses" and responses["response"] == "Echo: responses"
    assert responses["finish_reason"] == "completed" and responses["ttft"] is None
    assert as_json["usage"] is not None and as_json["usage"]["total_tokens"] == 5  # 2 in, 3 out
    assert len({e["conversation_id"] for e in logged(home)}) == 5, "each one-shot its own chat"


def test_a_failed_turn_is_logged_with_its_error_and_what_arrived(
    home: Path, r9s_server: LocalServer
) -> None:
    r9s_server.inject("status=500;message=boom", times=1)
    failed = r9s(home, "chat", "--retries", "0", "first try", env=env(r9s_server))
    assert failed.returncode == 1
    r9s_server.inject("drop=mid_stream;after=3", times=1)
    broken = r9s(home, "chat", "--retries", "0", "hello there friend", env=env(r9s_server))
    assert broken.returncode == 1 and broken.stdout.startswith("Echo: hello")
    error, cut = logged(home)
    assert error["response"] is None and "server error (500" in str(error["error"])
    assert "broke in the middle of the answer" in str(cut["error"])
    assert str(cut["response"]).startswith("Echo: hello"), "the part that was shown is kept"
    # a failed turn is not part of the conversation sent on
    chat(home, r9s_server, "-c", str(cut["conversation_id"]), "again")
    assert r9s_server.requests[-1].json["messages"] == [{"role": "user", "content": "again"}]


def test_logs_lists_searches_filters_and_shows(home: Path, r9s_server: LocalServer) -> None:
    chat(home, r9s_server, "-m", "gpt-4o", "How does the borrow checker work")
    chat(home, r9s_server, "-c", "And lifetimes in structs")
    chat(home, r9s_server, "-m", "claude-sonnet-4-5", "用中文解释借用检查器")
    first, second, third = logged(home)

    listing = r9s(home, "logs").stdout
    assert listing.index("borrow checker") < listing.index("lifetimes") < listing.index("中文")
    assert f"#{first['id']}" in listing and f"[{first['conversation_id']}]" in listing
    last = r9s(home, "logs", "-n", "1", "-c", str(first["conversation_id"])).stdout
    assert last.startswith(f"#{second['id']}  ") and "gpt-4o" in last and "17 in, 5 out" in last

    def ids(*args: str) -> list[int]:
        done = r9s(home, "logs", "--json", *args)
        assert done.returncode == 0, done.stderr
        return [e["id"] for e in json.loads(done.stdout)]

    assert ids("-n", "2") == [second["id"], third["id"]], "the newest, oldest first"
    assert ids("-q", "lifetime") == [second["id"]]
    assert ids("-q", "借用检查") == [third["id"]]
    assert sorted(ids("-q", "Echo", "--model", "gpt-4o")) == [first["id"], second["id"]]
    assert ids("--model", "claude*") == [third["id"]]
    assert ids("-c", str(first["conversation_id"])[:20]) == [first["id"], second["id"]]
    assert ids("--since", "1h") == [first["id"], second["id"], third["id"]]
    assert ids("--since", "2099-01-01") == []
    found = r9s(home, "logs", "-q", "lifetimes").stdout
    assert "And lifetimes in structs" in found and "borrow" not in found

    shown = r9s(home, "logs", "show", str(second["id"])).stdout
    assert "> And lifetimes in structs" in shown and "Echo: And lifetimes in structs" in shown
    whole = r9s(home, "logs", "show", str(first["conversation_id"])).stdout
    assert whole.startswith(f"Conversation {first['conversation_id']}: How does the borrow")
    assert "Echo: How does the borrow checker work" in whole and "Echo: And lifetimes" in whole
    body = json.loads(r9s(home, "logs", "show", str(first["conversation_id"]), "--json").stdout)
    assert [e["seq"] for e in body["exchanges"]] == [1, 2] and body["model"] == "gpt-4o"

    for args, message in [
        (["show", "999"], "no exchange #999 in the log"),
        (["show", "nope"], "no exchange or conversation 'nope'"),
        (["--since", "soon"], "--since 'soon': give a duration"),
        (["-c", "nope"], "no conversation 'nope' in the log"),
    ]:
        done = r9s(home, "logs", *args)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert len(done.stderr.splitlines()) == 1
    assert r9s(home, "logs", "-q", "zebra").stderr == "No exchange matches.\n"


def test_rm_off_on_and_path(home: Path, r9s_server: LocalServer) -> None:
    chat(home, r9s_server, "keep this")
    chat(home, r9s_server, "drop this secret")
    chat(home, r9s_server, "-c", "and this one")
    keep, drop, follow = logged(home)

    typo = r9s(home, "logs", "rm", str(drop["id"]), "999")
    assert typo.returncode == 2 and "nothing deleted" in typo.stderr and len(logged(home)) == 3
    done = r9s(home, "logs", "rm", str(drop["conversation_id"]))
    assert done.returncode == 0 and "(2 exchanges)" in done.stderr
    assert [e["id"] for e in logged(home)] == [keep["id"]]
    assert follow["conversation_id"] == drop["conversation_id"]
    for file in (home / ".r9s").glob("log.db*"):
        assert b"drop this secret" not in file.read_bytes(), file

    assert r9s(home, "logs", "path").stdout.strip() == str(home / ".r9s/log.db")
    assert r9s(home, "logs", "off").returncode == 0
    chat(home, r9s_server, "not recorded")
    assert "recording: off" in r9s(home, "logs", "status").stdout
    assert len(logged(home)) == 1, "off is kept between runs"
    assert r9s(home, "logs", "on").returncode == 0
    chat(home, r9s_server, "recorded again")
    assert [e["prompt"] for e in logged(home)] == ["keep this", "recorded again"]

    refused = r9s(home, "logs", "rm", "--all")
    assert refused.returncode == 2 and "add --yes" in refused.stderr
    assert r9s(home, "logs", "rm", "--all", "--yes").returncode == 0
    assert logged(home) == []
    assert r9s(home, "logs").stderr == "The log is empty.\n"


def test_the_api_key_is_never_written_to_the_log(
    home: Path, r9s_server_factory: Callable[..., LocalServer]
) -> None:
    from tests.support.cli import DEFAULT_MODELS

    server = r9s_server_factory(api_key=KEY, models=DEFAULT_MODELS)
    wrong = "sk-r9s-wrong-fedcba9876543210"
    chat(home, server, "with the key from the environment")
    done = r9s(home, "chat", "--api-key", KEY, "--api", "messages", "from a flag",
               env={"R9S_BASE_URL": server.url})  # fmt: skip
    assert done.returncode == 0, done.stderr
    rejected = r9s(home, "chat", "--api-key", wrong, "rejected", env={"R9S_BASE_URL": server.url})
    assert rejected.returncode == 1 and "authentication failed" in rejected.stderr
    assert [e["error"] is not None for e in logged(home)] == [False, False, True]
    files = [p for p in (home / ".r9s").rglob("*") if p.is_file()]
    assert any(p.name == "log.db" for p in files)
    for file in files:
        data = file.read_bytes()
        assert KEY.encode() not in data and wrong.encode() not in data, file


def test_usage_sums_tokens_and_the_cost_the_router_reported(
    home: Path, r9s_server: LocalServer
) -> None:
    chat(home, r9s_server, "-m", "gpt-4o", "a b c")  # 3 in, 4 out
    chat(home, r9s_server, "-m", "gpt-4o", "d e")  # 2 in, 3 out
    with Log.open(log_path(home)) as log:  # what a router that prices its answers gives
        priced = ConversationInfo(id="priced", model="claude-sonnet-4-5")
        for cost in (0.25, 0.5):
            log.record(priced, Exchange(prompt="p", response="r", input_tokens=100,
                                        output_tokens=10, cost=cost))  # fmt: skip
        log.record(ConversationInfo(id="old", model="gpt-4o"),
                   Exchange(prompt="old", input_tokens=7, at=time.time() - 90 * 86400))  # fmt: skip

    body = json.loads(r9s(home, "usage", "--json").stdout)
    models = {m["model"]: m for m in body["models"]}
    assert models["gpt-4o"]["input_tokens"] == 5 and models["gpt-4o"]["output_tokens"] == 7
    assert models["gpt-4o"]["cost"] is None, "no cost reported: none made up"
    assert models["claude-sonnet-4-5"]["cost"] == 0.75
    assert body["total"]["exchanges"] == 4 and body["total"]["priced"] == 2
    everything = json.loads(r9s(home, "usage", "--all", "--json").stdout)
    assert everything["total"]["input_tokens"] == body["total"]["input_tokens"] + 7
    text = r9s(home, "usage", "--model", "claude*").stdout
    assert "claude-sonnet-4-5" in text and "0.7500" in text and "gpt-4o" not in text
    mixed = r9s(home, "usage").stdout
    assert "0.7500*" in mixed and "only some of these exchanges" in mixed


def test_outcome_of_reads_tool_calls_cost_and_finish_of_every_api(
    r9s_server: LocalServer,
) -> None:
    from r9s import R9S
    from r9s.cli.chat.conversation import outcome_of
    from r9s.models.chat import ChatCompletion

    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    with R9S(api_key="sk-test-0000000000000000", server_url=r9s_server.url) as client:
        chat_tools = [{"type": "function", "function": {"name": "weather", "parameters": schema}}]
        ask = [{"role": "user", "content": "call weather"}]
        for stream in (False, True):
            if stream:
                with client.chat.create(
                    model="gpt-4o", stream=True, tools=chat_tools, messages=ask
                ) as events:
                    events.until_done()
                    final = events.get_final()
            else:
                final = client.chat.create(model="gpt-4o", tools=chat_tools, messages=ask)
            outcome = outcome_of(final)
            assert outcome["finish_reason"] == "tool_calls", stream
            [call] = outcome["tool_calls"]
            assert call["name"] == "weather" and "city" in json.loads(call["arguments"])
        message = client.messages.create(
            model="claude-sonnet-4-5", max_tokens=100,
            tools=[{"name": "weather", "input_schema": schema}],
            messages=[{"role": "user", "content": "call weather"}],
        )  # fmt: skip
        outcome = outcome_of(message)
        assert outcome["finish_reason"] == "tool_use"
        assert outcome["tool_calls"][0]["name"] == "weather"
        response = client.responses.create(
            model="gpt-4o", input="call weather",
            tools=[{"type": "function", "name": "weather", "parameters": schema}],
        )  # fmt: skip
        outcome = outcome_of(response)
        assert outcome["tool_calls"][0]["name"] == "weather" and outcome["tool_calls"][0]["id"]
        plain = outcome_of(client.chat.create(model="gpt-4o", messages=[
            {"role": "user", "content": "hi"}]))  # fmt: skip
        assert plain["tool_calls"] is None and plain["cost"] is None
    priced = ChatCompletion.model_validate({
        "id": "c", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "x"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2, "cost": 0.0042},
    })  # fmt: skip
    assert outcome_of(priced)["cost"] == 0.0042


def test_an_answer_without_usage_counts_no_tokens() -> None:
    """The SDK reads a missing usage as zeros; the log and --stats must not count those."""
    from r9s.cli.chat.conversation import outcome_of, usage_of
    from r9s.models.chat import ChatCompletion
    from r9s.models.messages import AnthropicMessage

    unpriced = ChatCompletion.model_validate({
        "id": "c", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "x"},
                     "finish_reason": "stop"}],
    })  # fmt: skip
    assert unpriced.usage is not None  # zeros, not None
    assert usage_of(unpriced) is None and outcome_of(unpriced)["usage"] is None
    answer = AnthropicMessage.model_validate({
        "id": "m", "type": "message", "role": "assistant", "model": "claude",
        "content": [{"type": "text", "text": "x"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 0, "output_tokens": 0},
    })  # fmt: skip
    assert usage_of(answer) is None and outcome_of(answer)["usage"] is None


# ------------------------------------------------------------------ writers at once


def test_parallel_chats_lose_no_turn_and_never_fail_on_a_lock(
    home: Path, r9s_server: LocalServer
) -> None:
    # Several r9s processes start at once on a HOME without a log: they race to create
    # and migrate it, then to record their turns.
    loops, turns = 3, 6
    script = "; ".join(
        f'{" ".join(R9S)} chat "loop $L turn {n}" || echo FAILED >&2' for n in range(turns)
    )
    runs = [
        subprocess.Popen(
            ["bash", "-c", script],
            env={**user_env(home, env(r9s_server)), "L": str(loop)},
            cwd=home,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for loop in range(loops)
    ]
    for run in runs:
        out, err = run.communicate(timeout=240)
        assert run.returncode == 0 and err == "", err
    prompts = sorted(str(e["prompt"]) for e in logged(home))
    assert prompts == sorted(f"loop {lp} turn {n}" for lp in range(loops) for n in range(turns))


def test_two_writers_hammering_the_log_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    writer = """
import sys
from r9s.cli.common.log import ConversationInfo, Exchange, Log
name, count = sys.argv[1], int(sys.argv[2])
with Log.open(__import__("pathlib").Path(sys.argv[3])) as log:
    conversation = ConversationInfo(id=name, model="m")
    for n in range(count):
        log.record(conversation, Exchange(prompt=f"{name} {n}", response="r" * 2000))
        log.find(__import__("r9s.cli.common.log", fromlist=["Filters"]).Filters(text=name), 3)
"""
    count = 150
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", writer, name, str(count), str(path)],
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for name in ("alpha", "beta")
    ]
    for process in processes:
        _, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
    with Log.open(path) as log:
        for name in ("alpha", "beta"):
            exchanges = log.exchanges_of(name)
            assert [e.seq for e in exchanges] == list(range(1, count + 1))
            assert [e.prompt for e in exchanges] == [f"{name} {n}" for n in range(count)]


def _open_and_record(path: Path, name: str) -> None:
    with Log.open(path) as log:
        log.record(ConversationInfo(id=name, model="m"), Exchange(prompt=name))


def test_first_opens_of_a_new_log_racing_each_other_all_succeed(tmp_path: Path) -> None:
    # Stop 20's CI failed here: two processes switching a new log to WAL at once
    # deadlock, and SQLite fails one of them at once (about 1 round in 10 failed).
    names = ["c0", "c1", "c2", "c3"]
    for round_ in range(60):
        path = tmp_path / f"log{round_}.db"
        assert at_once([functools.partial(_open_and_record, path, n) for n in names]) == []
        with Log.open(path) as log:
            assert sorted(e.prompt or "" for e in log.find(Filters(), 10)) == names


def test_a_log_held_too_long_is_a_one_line_busy_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("r9s.cli.common.log._store.BUSY_TIMEOUT", 0.2)
    path = tmp_path / "log.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(LogError, match=r"log\.db is busy: another r9s kept it for over 0\.2 s"):
            Log.open(path)


@pytest.mark.parametrize("command", [["logs"], ["usage"], ["logs", "status"]])
def test_a_broken_log_is_one_clear_line(home: Path, command: list[str]) -> None:
    (home / ".r9s").mkdir()
    (home / ".r9s/log.db").write_bytes(b"not sqlite at all\n" * 50)
    done = r9s(home, *command)
    assert done.returncode == 1
    assert done.stderr.startswith("r9s: error: ~/.r9s/log.db is not a readable SQLite database")
    assert len(done.stderr.splitlines()) == 1
