"""``r9s chat`` for scripts: one-shot and piped, as subprocesses against the local server."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.support.cli import KEY, chat_bodies, logged, r9s
from tests.support.processes import free_port

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def env(server: LocalServer, **extra: str) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY, **extra}


def test_one_shot_prints_exactly_the_answer(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "chat", "Name three rivers", env=env(r9s_server))

    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: Name three rivers\n"
    assert done.stderr == ""
    body = chat_bodies(r9s_server)[-1]
    assert body["stream"] is True and body["model"] == "gpt-4o-mini"
    assert body["messages"] == [{"role": "user", "content": "Name three rivers"}]


def test_piped_text_and_a_prompt_are_sent_together(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "chat", "Summarise:", input="line one\nline two\n", env=env(r9s_server))

    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: Summarise:\n\nline one\nline two\n"
    piped = r9s(home, "chat", input="just the pipe", env=env(r9s_server))
    assert piped.stdout == "Echo: just the pipe\n"


def test_no_stream_system_temperature_and_max_tokens(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(
        home,
        "chat",
        "--no-stream",
        "-s",
        "Be brief",
        "--temperature",
        "0.2",
        "--max-tokens",
        "2",
        "-m",
        "gpt-4o",
        "one two three four",
        env=env(r9s_server),
    )

    # the echo model stops at max_tokens words: the part is printed, and the exit
    # status says that it is only a part
    assert done.returncode == 1, done.stderr
    assert done.stdout == "Echo: one\n"
    assert "incomplete: it reached the token limit" in done.stderr
    body = chat_bodies(r9s_server)[-1]
    assert "stream" not in body or body["stream"] is False
    assert body["model"] == "gpt-4o" and body["temperature"] == 0.2 and body["max_tokens"] == 2
    assert body["messages"][0] == {"role": "system", "content": "Be brief"}


def test_json_prints_the_response_object(home: Path, r9s_server: LocalServer) -> None:
    for extra in ([], ["--no-stream"]):
        done = r9s(home, "chat", "--json", *extra, "hi", env=env(r9s_server))
        assert done.returncode == 0, done.stderr
        body = json.loads(done.stdout)
        assert body["choices"][0]["message"]["content"] == "Echo: hi"
        assert body["usage"]["completion_tokens"] == 2


def test_stats_go_to_stderr_only(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "chat", "--stats", "a b c", env=env(r9s_server))

    assert done.stdout == "Echo: a b c\n"
    assert "3 tokens in, 4 out" in done.stderr
    assert "first token" in done.stderr and "tokens/s" in done.stderr


def test_images_from_flags_and_from_stdin_are_sent_as_vision_content(
    home: Path, r9s_server: LocalServer
) -> None:
    image = home / "dot.png"
    image.write_bytes(PNG)
    done = r9s(home, "chat", "--image", str(image), "--image", str(image), "What is it?",
               env=env(r9s_server))  # fmt: skip
    assert done.returncode == 0, done.stderr
    content = chat_bodies(r9s_server)[-1]["messages"][0]["content"]
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert content == [
        {"type": "text", "text": "What is it?"},
        {"type": "image_url", "image_url": {"url": data_url}},
        {"type": "image_url", "image_url": {"url": data_url}},
    ]

    import subprocess
    import sys

    from tests.support.cli import user_env

    piped = subprocess.run(
        [sys.executable, "-m", "r9s.cli", "chat", "describe"],
        input=PNG,
        capture_output=True,
        env=user_env(home, env(r9s_server)),
        cwd=home,
        timeout=30,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == b"Echo: describe\n"
    content = chat_bodies(r9s_server)[-1]["messages"][0]["content"]
    assert content[1] == {"type": "image_url", "image_url": {"url": data_url}}


def test_a_missing_image_and_binary_stdin_are_usage_errors(
    home: Path, r9s_server: LocalServer
) -> None:
    done = r9s(home, "chat", "--image", "nope.png", "hi", env=env(r9s_server))
    assert done.returncode == 2
    assert done.stderr.strip().startswith("r9s: error: --image nope.png: No such file")
    assert len(done.stderr.strip().splitlines()) == 1
    empty = r9s(home, "chat", env=env(r9s_server))
    assert empty.returncode == 2 and "nothing to send" in empty.stderr


def test_one_shot_chats_are_logged_and_continue_goes_on(
    home: Path, r9s_server: LocalServer
) -> None:
    first = r9s(home, "chat", "-m", "gpt-4o", "-s", "Be terse", "first question",
                env=env(r9s_server))  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert stat.S_IMODE((home / ".r9s/log.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / ".r9s").stat().st_mode) == 0o700
    [exchange] = logged(home)
    assert exchange["prompt"] == "first question" and exchange["response"] == "Echo: first question"
    assert exchange["model"] == "gpt-4o" and exchange["system"] == "Be terse"
    assert (exchange["input_tokens"], exchange["output_tokens"]) == (4, 3)  # system too
    assert exchange["finish_reason"] == "stop" and exchange["response_id"]

    second = r9s(home, "chat", "--continue", "second question", env=env(r9s_server))
    assert second.stdout == "Echo: second question\n"
    body = chat_bodies(r9s_server)[-1]
    assert body["model"] == "gpt-4o", "the model is restored"
    assert body["messages"] == [
        {"role": "system", "content": "Be terse"},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "Echo: first question"},
        {"role": "user", "content": "second question"},
    ]
    chat_id = str(exchange["conversation_id"])
    assert [e["conversation_id"] for e in logged(home)] == [chat_id, chat_id]

    third = r9s(home, "chat", "--resume", chat_id[:15], "-m", "gpt-4.1", "third",
                env=env(r9s_server))  # fmt: skip
    assert third.returncode == 0, third.stderr
    body = chat_bodies(r9s_server)[-1]
    assert body["model"] == "gpt-4.1", "a flag given now wins over the saved model"
    assert len(body["messages"]) == 6

    nolog = r9s(home, "chat", "--no-log", "x", env=env(r9s_server))
    assert nolog.returncode == 0 and nolog.stderr == ""
    assert r9s(home, "chat", "--no-save", "y", env=env(r9s_server)).returncode == 0
    assert len(logged(home)) == 3
    missing = r9s(home, "chat", "--resume", "nope", "x", env=env(r9s_server))
    assert missing.returncode == 2 and "no saved chat 'nope'" in missing.stderr


def test_without_a_terminal_c_id_continues_that_chat(home: Path, r9s_server: LocalServer) -> None:
    assert r9s(home, "chat", "-m", "gpt-4o", "about rivers", env=env(r9s_server)).returncode == 0
    rivers = str(logged(home)[-1]["conversation_id"])
    assert r9s(home, "chat", "about lakes", env=env(r9s_server)).returncode == 0

    done = r9s(home, "chat", "-c", rivers, "and the longest?", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    body = chat_bodies(r9s_server)[-1]
    assert body["model"] == "gpt-4o"
    assert [m["content"] for m in body["messages"]] == [
        "about rivers", "Echo: about rivers", "and the longest?",
    ]  # fmt: skip
    # -c WORD where WORD is no chat: the last chat, and WORD starts the question
    last = r9s(home, "chat", "-c", "Really?", env=env(r9s_server))
    assert last.stdout == "Echo: Really?\n"
    assert chat_bodies(r9s_server)[-1]["messages"][0]["content"] == "about rivers"
    other = home.parent / "other-home"
    other.mkdir()
    none = r9s(other, "chat", "-c", "hi", env=env(r9s_server))
    assert none.returncode == 2 and "no chat to continue" in none.stderr


# ------------------------------------------------------------------ errors: one line each


def one_line_error(done: subprocess.CompletedProcess[str], partial: str = "") -> str:
    """The one line on stderr of a command that failed; stdout holds nothing, or the first
    part of ``partial`` (what a stream delivered before it broke)."""
    import subprocess

    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert partial.startswith(done.stdout.rstrip("\n")), done.stdout
    assert done.stdout == "" or partial, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert lines[0].startswith("r9s: error: ")
    return lines[0]


ERROR_CASES = [
    ("status=401", "authentication failed (401): the API key (sk-...cdef from R9S_API_KEY)"),
    ("status=429;retry_after=7;message=Slow down", "rate limited (429): Slow down; retry in 7 s"),
    ("status=500;message=boom", "server error (500 Internal Server Error): boom; try again"),
    ("status=503", "server error (503 Service Unavailable)"),
    ("status=502;body=html", "server error (502 Bad Gateway): an HTML page (502 Bad Gateway)"),
    ("status=403;message=not for you", "permission denied (403): not for you"),
    ("status=400;message=Unsupported parameter: 'top_k'",
     "400 Bad Request: Unsupported parameter: 'top_k'"),
    ("status=409;message=A request with this idempotency key is in progress",
     "409 Conflict: A request with this idempotency key is in progress"),
    ("status=422;message=messages.0.content: field required",
     "422 Unprocessable Entity: messages.0.content: field required"),
    # a 404 that is not about the model: a path the server does not have
    ("status=404;message=Unknown request URL: POST /v1/chat/completions",
     "404 Not Found: Unknown request URL: POST /v1/chat/completions; is the base URL right? "
     "(http://127.0.0.1:"),
    ("status=404;body=html", "404 Not Found: an HTML page (404 Not Found); is the base URL right?"),
    # cut before the first event: the server was reached, so no "cannot reach"
    ("drop=mid_stream;after=0",
     "the connection broke in the middle of the answer (peer closed connection without sending"),
]  # fmt: skip
STREAM_ERROR_CASES = [
    ("drop=mid_stream;after=2", "the connection broke in the middle of the answer (peer closed"),
    ("stream_error=1", "server error (500 Internal Server Error): The server had an error while"),
    ("stream_error=2", "server error (500 Internal Server Error): The server had an error while"),
    # the body ends in order, the stream before its end (no [DONE]): IncompleteStreamError
    ("truncate=2", "the server ended the answer before its end: it is incomplete"),
]


@pytest.mark.parametrize(
    ("spec", "expected", "partial"),
    [(spec, expected, "") for spec, expected in ERROR_CASES]
    # a stream that breaks: the part that came stays on stdout
    + [(spec, expected, "Echo: hello there") for spec, expected in STREAM_ERROR_CASES],
)
def test_each_error_is_one_clear_line(
    home: Path, r9s_server: LocalServer, spec: str, expected: str, partial: str
) -> None:
    r9s_server.inject(spec, times=5)
    done = r9s(home, "chat", "--retries", "0", "hello there", env=env(r9s_server))
    assert expected in one_line_error(done, partial=partial)
    assert len(r9s_server.requests) == 1


def test_an_unknown_model_names_the_closest_ones(home: Path, r9s_server: LocalServer) -> None:
    line = one_line_error(r9s(home, "chat", "-m", "claude-sonet-4-5", "hi", env=env(r9s_server)))
    assert "model 'claude-sonet-4-5' not found; did you mean: claude-sonnet-4-5" in line


def test_network_errors_and_timeouts(home: Path, r9s_server: LocalServer) -> None:
    port = free_port()  # nothing listens there
    dead = {"R9S_BASE_URL": f"http://127.0.0.1:{port}/v1", "R9S_API_KEY": KEY}
    refused = r9s(home, "chat", "--retries", "0", "hi", env=dead)
    line = one_line_error(refused)
    assert f"network error: cannot reach http://127.0.0.1:{port}/v1" in line
    assert "connection refused" in line

    # Without the 0.5 s timeout the answer would come after 5 s, and no error at all.
    r9s_server.inject("delay=5", times=3)
    slow = r9s(home, "chat", "--retries", "0", "--timeout", "0.5", "hi", env=env(r9s_server))
    assert "timed out: no answer from" in one_line_error(slow)


def test_a_missing_key_says_how_to_fix_it(home: Path, r9s_server: LocalServer) -> None:
    line = one_line_error(r9s(home, "chat", "hi", env={"R9S_BASE_URL": r9s_server.url}))
    assert "no API key: run `r9s login`" in line


# ------------------------------------------------------------------ the other two APIs


@pytest.mark.parametrize("stream", [True, False])
def test_messages_api_with_system_and_image(
    home: Path, r9s_server: LocalServer, stream: bool
) -> None:
    image = home / "dot.png"
    image.write_bytes(PNG)
    extra = [] if stream else ["--no-stream"]
    done = r9s(home, "chat", "--api", "messages", "-s", "Be brief", "--image", str(image),
               "--stats", *extra, "What is it?", env=env(r9s_server))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: What is it?\n"
    assert "tokens in, 4 out" in done.stderr
    body = next(r.json for r in reversed(r9s_server.requests) if r.path == "/v1/messages")
    assert body["model"] == "claude-sonnet-4-5", "the default model for the messages API"
    assert body["system"] == "Be brief" and body["max_tokens"] == 4096
    assert body.get("stream", False) is stream
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": base64.b64encode(PNG).decode()}},
                {"type": "text", "text": "What is it?"},
            ],
        }
    ]  # fmt: skip


@pytest.mark.parametrize("stream", [True, False])
def test_responses_api_with_instructions_and_image(
    home: Path, r9s_server: LocalServer, stream: bool
) -> None:
    image = home / "dot.png"
    image.write_bytes(PNG)
    extra = [] if stream else ["--no-stream"]
    done = r9s(home, "chat", "--api", "responses", "-s", "Be brief", "--image", str(image),
               "--max-tokens", "50", *extra, "What is it?", env=env(r9s_server))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: What is it?\n"
    body = next(r.json for r in reversed(r9s_server.requests) if r.path == "/v1/responses")
    assert body["instructions"] == "Be brief" and body["max_output_tokens"] == 50
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert body["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is it?"},
                {"type": "input_image", "image_url": data_url},
            ],
        }
    ]


def test_a_chat_saved_with_one_api_continues_with_another(
    home: Path, r9s_server: LocalServer
) -> None:
    first = r9s(home, "chat", "--api", "messages", "-m", "claude-haiku-4-5", "first",
                env=env(r9s_server))  # fmt: skip
    assert first.returncode == 0, first.stderr
    again = r9s(home, "chat", "-c", "second", env=env(r9s_server))
    assert again.stdout == "Echo: second\n"
    body = next(r.json for r in reversed(r9s_server.requests) if r.path == "/v1/messages")
    assert body["model"] == "claude-haiku-4-5", "the API choice and model are restored"
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    switched = r9s(home, "chat", "-c", "--api", "responses", "third", env=env(r9s_server))
    assert switched.stdout == "Echo: third\n"
    body = next(r.json for r in reversed(r9s_server.requests) if r.path == "/v1/responses")
    assert [m["content"] for m in body["input"]] == [
        "first", "Echo: first", "second", "Echo: second", "third",
    ]  # fmt: skip


def test_json_for_the_other_apis(home: Path, r9s_server: LocalServer) -> None:
    messages = json.loads(r9s(home, "chat", "--api", "messages", "--json", "hi",
                              env=env(r9s_server)).stdout)  # fmt: skip
    assert messages["type"] == "message" and messages["content"][0]["text"] == "Echo: hi"
    response = json.loads(r9s(home, "chat", "--api", "responses", "--json", "hi",
                              env=env(r9s_server)).stdout)  # fmt: skip
    assert response["object"] == "response" and response["status"] == "completed"


def test_a_retried_rate_limit_is_announced_and_the_answer_still_comes(
    home: Path, r9s_server: LocalServer
) -> None:
    r9s_server.inject("status=429;retry_after_ms=150", times=1)
    done = r9s(home, "chat", "hi", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: hi\n"
    assert done.stderr == "r9s: rate limited (429); retrying in 0.15 s\n"


def test_an_image_alone_is_sent_without_an_empty_text_part(
    home: Path, r9s_server: LocalServer
) -> None:
    import subprocess
    import sys

    from tests.support.cli import user_env

    piped = subprocess.run(
        [sys.executable, "-m", "r9s.cli", "chat", "--no-log"],
        input=PNG,
        capture_output=True,
        env=user_env(home, env(r9s_server)),
        cwd=home,
        timeout=30,
    )
    assert piped.returncode == 0, piped.stderr
    content = chat_bodies(r9s_server)[-1]["messages"][0]["content"]
    assert [part["type"] for part in content] == ["image_url"]


def test_a_chat_that_cannot_be_logged_still_answers_and_succeeds(
    home: Path, r9s_server: LocalServer, tmp_path: Path
) -> None:
    (home / ".r9s/log.db").mkdir(parents=True)
    done = r9s(home, "chat", "hello", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: hello\n"
    assert done.stderr.startswith("r9s: warning: the chat is not being logged: ")
    assert len(done.stderr.splitlines()) == 1

    not_a_home = tmp_path / "a-file"
    not_a_home.write_text("")
    done = r9s(not_a_home, "chat", "hello", env=env(r9s_server), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: hello\n"
    assert "the chat is not being logged" in done.stderr and "Traceback" not in done.stderr


def test_lost_text_the_answer_before_an_error_in_the_same_read_is_printed(
    home: Path, r9s_server: LocalServer
) -> None:
    # The answer's four events and the server's error arrive in one network read: the
    # answer is printed, then the error on one line (issue 17: nothing was printed).
    r9s_server.inject("stream_error=4;one_write=true")
    done = r9s(home, "chat", "--retries", "0", "hello there", env=env(r9s_server))
    line = one_line_error(done, partial="Echo: hello there")
    assert done.stdout.rstrip("\n") == "Echo: hello there"
    assert "server error (500 Internal Server Error): The server had an error while" in line
