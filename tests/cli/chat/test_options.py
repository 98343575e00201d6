"""``-o``, ``--extra`` and ``--reasoning``: what each API receives, what is refused, and the
reasoning shown (or not), as subprocesses against the local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from r9s.testing import LocalServer
from tests.support.cli import KEY, logged, r9s

PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}
MODELS = {"chat": "gpt-4o-mini", "responses": "gpt-4o-mini", "messages": "claude-sonnet-4-5"}


def env(server: LocalServer) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY}


def last_body(server: LocalServer, api: str) -> dict[str, Any]:
    body: dict[str, Any] = [r.json for r in server.requests if r.path == PATHS[api]][-1]
    return body


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        (
            "chat",
            {
                "temperature": 0.2,
                "top_p": 0.9,
                "max_tokens": 50,
                "seed": 7,
                "stop": ["END"],
                "reasoning_effort": "low",
                "user": "u1",
            },
        ),
        (
            "responses",
            {
                "temperature": 0.2,
                "top_p": 0.9,
                "max_output_tokens": 50,
                "reasoning": {"effort": "low", "summary": "auto"},
                "user": "u1",
            },
        ),
        (
            "messages",
            {
                "temperature": 0.2,
                "top_p": 0.9,
                "max_tokens": 50,
                "top_k": 5,
                "stop_sequences": ["END"],
                "metadata": {"user_id": "u1"},
            },
        ),
    ],
)
def test_options_go_under_each_apis_own_names(
    home: Path, r9s_server: LocalServer, api: str, expected: dict[str, Any]
) -> None:
    options = {"temperature": "0.2", "top_p": "0.9", "max_tokens": "50", "user": "u1"}
    options |= {
        "chat": {"seed": "7", "stop": '["END"]', "reasoning": "low"},
        "responses": {"reasoning_effort": "low"},
        "messages": {"top_k": "5", "stop": "END"},
    }[api]
    flags = [part for key, value in options.items() for part in ("-o", key, value)]
    done = r9s(home, "chat", "--api", api, "-m", MODELS[api], *flags, "hi", env=env(r9s_server))

    assert done.returncode == 0, done.stderr
    body = last_body(r9s_server, api)
    for key, value in expected.items():
        assert body[key] == value, (key, body)


def test_reasoning_maps_to_each_api_and_its_text_goes_dim_to_stderr(
    home: Path, r9s_server: LocalServer
) -> None:
    for api in ("chat", "responses", "messages"):
        done = r9s(
            home,
            "chat",
            "--api",
            api,
            "-m",
            MODELS[api],
            "--reasoning",
            "high",
            "why is the sky blue",
            env=env(r9s_server),
        )
        assert done.returncode == 0, done.stderr
        # the answer alone on stdout; the reasoning on stderr, plain (not a terminal)
        assert done.stdout == "Echo: why is the sky blue\n", api
        assert done.stderr == "Thinking about: why is the sky blue\n", (api, done.stderr)
    assert last_body(r9s_server, "chat")["reasoning_effort"] == "high"
    assert last_body(r9s_server, "responses")["reasoning"] == {"effort": "high", "summary": "auto"}
    messages = last_body(r9s_server, "messages")
    assert messages["thinking"] == {"type": "enabled", "budget_tokens": 16384}
    assert messages["max_tokens"] > 16384  # Anthropic wants it above the budget


def test_no_reasoning_hides_it_and_asks_no_summary(home: Path, r9s_server: LocalServer) -> None:
    for api in ("chat", "responses", "messages"):
        done = r9s(
            home,
            "chat",
            "--api",
            api,
            "-m",
            MODELS[api],
            "--reasoning",
            "medium",
            "--no-reasoning",
            "quiet please",
            env=env(r9s_server),
        )
        assert done.returncode == 0, done.stderr
        assert (done.stdout, done.stderr) == ("Echo: quiet please\n", "")
    assert last_body(r9s_server, "responses")["reasoning"] == {"effort": "medium"}


def test_json_has_the_reasoning_and_stderr_stays_quiet(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "chat", "--json", "--api", "responses", "--reasoning", "low", "hm",
               env=env(r9s_server))  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    reasoning = json.loads(done.stdout)["output"][0]
    assert reasoning["summary"] == [{"type": "summary_text", "text": "Thinking about: hm"}]


def test_reasoning_of_a_whole_answer_shows_too(home: Path, r9s_server: LocalServer) -> None:
    for api in ("chat", "responses", "messages"):
        done = r9s(
            home,
            "chat",
            "--no-stream",
            "--api",
            api,
            "-m",
            MODELS[api],
            "--reasoning",
            "low",
            "hm",
            env=env(r9s_server),
        )
        assert (done.returncode, done.stdout, done.stderr) == (
            0,
            "Echo: hm\n",
            "Thinking about: hm\n",
        ), api


def test_extra_is_merged_last(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(
        home,
        "chat",
        "--api",
        "responses",
        "--reasoning",
        "low",
        "--extra",
        '{"reasoning": {"summary": "detailed"}, "service_tier": "flex"}',
        "--extra",
        '{"metadata": {"team": "a"}}',
        "hi",
        env=env(r9s_server),
    )

    assert done.returncode == 0, done.stderr
    body = last_body(r9s_server, "responses")
    assert body["reasoning"] == {"effort": "low", "summary": "detailed"}
    assert body["service_tier"] == "flex" and body["metadata"] == {"team": "a"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "temprature", "1"], "-o temprature: unknown option; did you mean temperature?"),
        (["-o", "temperature", "hot"], "-o temperature: 'hot' is not a number"),
        (["-o", "temperature", "3"], "-o temperature 3: out of range (from 0 to 2)"),
        (
            ["--api", "messages", "-o", "temperature", "1.5"],
            "-o temperature 1.5: out of range (the messages API takes from 0 to 1)",
        ),
        (
            ["--api", "messages", "-o", "seed", "7"],
            "-o seed: the messages API has no such option (it works with --api chat); "
            "--extra '{\"seed\": 7}' sends it anyway",
        ),
        (["-o", "logprobs", "maybe"], "-o logprobs: 'maybe' is not true or false"),
        (["-o", "verbosity", "loud"], "-o verbosity: 'loud' is not one of low, medium, high"),
        (["--extra", "{seed: 1}"], "--extra: not valid JSON"),
        (["--extra", "[1]"], "--extra takes a JSON object"),
        (
            ["--api", "messages", "--reasoning", "high", "--max-tokens", "2000"],
            "--max-tokens 2000 must be above the thinking budget (16384 tokens)",
        ),
    ],
)
def test_bad_options_are_one_line_usage_errors_before_anything_is_sent(
    home: Path, r9s_server: LocalServer, args: list[str], message: str
) -> None:
    done = r9s(home, "chat", *args, "hi", env=env(r9s_server))

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"r9s: error: {message}"), done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not [r for r in r9s_server.requests if r.method == "POST"]


def test_options_are_saved_with_the_chat_and_checked_again_for_another_api(
    home: Path, r9s_server: LocalServer
) -> None:
    first = r9s(
        home,
        "chat",
        "-o",
        "seed",
        "7",
        "-o",
        "top_p",
        "0.5",
        "--extra",
        '{"service_tier": "flex"}',
        "one",
        env=env(r9s_server),
    )
    assert first.returncode == 0, first.stderr
    (exchange,) = logged(home)
    assert exchange["options"] == {"seed": 7, "top_p": 0.5}
    assert exchange["request_extra"] == {"service_tier": "flex"}

    again = r9s(home, "chat", "--continue", "two", env=env(r9s_server))
    assert again.returncode == 0, again.stderr
    body = last_body(r9s_server, "chat")
    assert (body["seed"], body["top_p"], body["service_tier"]) == (7, 0.5, "flex")

    other = r9s(
        home,
        "chat",
        "--continue",
        "--api",
        "messages",
        "-m",
        "claude-sonnet-4-5",
        "three",
        env=env(r9s_server),
    )
    assert other.returncode == 0, other.stderr
    assert other.stderr == (
        "r9s: warning: the saved option seed does not apply to the messages API: left out\n"
    )
    body = last_body(r9s_server, "messages")
    assert "seed" not in body and body["top_p"] == 0.5
