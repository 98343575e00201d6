"""Answers that are not whole (failed, incomplete, cut by an error event), ``-x``,
``--timing``, and ``r9s QUESTION``: as subprocesses against the local server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.support.cli import KEY, r9s


def env(server: LocalServer) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY}


@pytest.mark.parametrize("stream", [True, False])
def test_a_failed_response_says_why_and_exits_1(
    home: Path, r9s_server: LocalServer, stream: bool
) -> None:
    r9s_server.inject("response_status=failed;message=upstream reset the connection")
    flags = [] if stream else ["--no-stream"]
    done = r9s(
        home, "chat", "--api", "responses", *flags, "one two three four", env=env(r9s_server)
    )

    assert done.returncode == 1
    # what got out before the failure stays on stdout
    assert done.stdout == "Echo: one\n"
    assert done.stderr == (
        "r9s: error: the response failed (server_error): upstream reset the connection\n"
    )


def test_an_incomplete_response_says_why(home: Path, r9s_server: LocalServer) -> None:
    r9s_server.inject("response_status=incomplete")
    done = r9s(home, "chat", "--api", "responses", "hi", env=env(r9s_server))
    assert done.returncode == 1
    assert done.stderr == (
        "r9s: error: the answer is incomplete: the provider's content filter stopped it\n"
    )
    cut = r9s(
        home,
        "chat",
        "--api",
        "responses",
        "--max-tokens",
        "2",
        "one two three",
        env=env(r9s_server),
    )
    assert cut.returncode == 1 and cut.stdout == "Echo: one\n"
    assert "incomplete: it reached the token limit; raise --max-tokens" in cut.stderr


@pytest.mark.parametrize("api", ["chat", "responses", "messages"])
def test_an_error_event_mid_stream_is_an_error(
    home: Path, r9s_server: LocalServer, api: str
) -> None:
    model = "claude-sonnet-4-5" if api == "messages" else "gpt-4o-mini"
    r9s_server.inject("stream_error=4")
    done = r9s(
        home, "chat", "--api", api, "-m", model, "one two three four five", env=env(r9s_server)
    )

    assert done.returncode == 1
    assert done.stderr.startswith("r9s: error: ") and len(done.stderr.splitlines()) == 1
    assert "error while streaming" in done.stderr or "server error" in done.stderr


def test_a_cut_chat_answer_exits_1_like_the_other_apis(home: Path, r9s_server: LocalServer) -> None:
    for api, model in (("chat", "gpt-4o-mini"), ("messages", "claude-sonnet-4-5")):
        done = r9s(
            home,
            "chat",
            "--api",
            api,
            "-m",
            model,
            "--max-tokens",
            "2",
            "one two three",
            env=env(r9s_server),
        )
        assert (done.returncode, done.stdout) == (1, "Echo: one\n"), api
        assert "incomplete: it reached the token limit" in done.stderr


def test_extract_prints_only_the_first_code_block(home: Path, r9s_server: LocalServer) -> None:
    prompt = "Run this:\n```bash\nls -la\necho done\n```\nthen\n~~~\nsecond\n~~~"
    done = r9s(home, "chat", "-x", prompt, env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ls -la\necho done\n"
    assert done.stderr == ""

    plain = r9s(home, "chat", "--extract", "no code here", env=env(r9s_server))
    assert plain.returncode == 0
    assert plain.stdout == "Echo: no code here\n"
    assert "no fenced code block" in plain.stderr


def test_timing_splits_router_and_upstream_time(home: Path, r9s_server: LocalServer) -> None:
    r9s_server.inject("probe_delay=0.3;chunk_delay=0.1")
    done = r9s(home, "chat", "--timing", "time me please", env=env(r9s_server))

    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: time me please\n"
    request = [r for r in r9s_server.requests if r.path == "/v1/chat/completions"][-1]
    assert request.headers["x-nextrouter-sse-probe"] == "r9s"
    found = re.fullmatch(
        r"timing: router (\d+) ms · upstream first token (\d+) ms · first token (\d+) ms"
        r" · total (\d+) ms · [\d.]+ tokens/s\n",
        done.stderr,
    )
    assert found, done.stderr
    router, upstream, first, total = (int(value) for value in found.groups())
    # lower bounds only: the server waited 0.3 s before its probe, 0.1 s after it
    assert router >= 300 and upstream >= 100
    assert first >= router + upstream - 1 and total >= first


def test_timing_of_a_structured_answer(home: Path, r9s_server: LocalServer) -> None:
    r9s_server.inject("probe_delay=0.2")
    done = r9s(home, "chat", "--timing", "--schema", "name", "Ada", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    found = re.search(r"timing: router (\d+) ms · upstream first token \d+ ms", done.stderr)
    assert found and int(found.group(1)) >= 200, done.stderr


def test_timing_without_the_probe_says_so(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "chat", "--timing", "--no-stream", "hi", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"timing: router time not reported · total \d+ ms\n", done.stderr)
    request = [r for r in r9s_server.requests if r.path == "/v1/chat/completions"][-1]
    assert request.headers["x-nextrouter-sse-probe"] == "r9s"


def test_a_word_that_is_no_command_is_a_question(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "Name three rivers", env=env(r9s_server))
    assert (done.returncode, done.stdout) == (0, "Echo: Name three rivers\n"), done.stderr
    flags_first = r9s(home, "-m", "gpt-4o", "hello", env=env(r9s_server))
    assert flags_first.stdout == "Echo: hello\n", flags_first.stderr
    body = [r.json for r in r9s_server.requests if r.path == "/v1/chat/completions"][-1]
    assert body["model"] == "gpt-4o"
    # a real command still runs as itself
    assert r9s(home, "models", env=env(r9s_server)).stdout.startswith("claude")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["modles"],
            "unknown command 'modles'; did you mean 'models'? "
            "(to ask it as a question: r9s chat modles)",
        ),
        (["chta", "--help"], "unknown command 'chta'; did you mean 'chat'?"),
        (["chat", "--modle", "x", "hi"], "unrecognized argument --modle; did you mean --model?"),
        (["models", "--filtre", "x"], "unrecognized argument --filtre; did you mean --filter?"),
        (["images", "generat", "x"], "did you mean 'generate'?"),
    ],
)
def test_mistyped_commands_and_flags_get_a_suggestion(
    home: Path, args: list[str], message: str
) -> None:
    done = r9s(home, *args)
    assert done.returncode == 2
    assert message in done.stderr, done.stderr


def test_help_says_a_question_needs_no_command(home: Path) -> None:
    done = r9s(home, "--help")
    assert 'r9s "question" is r9s chat "question"' in done.stdout
