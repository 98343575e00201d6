"""The interactive ``r9s chat`` driven through a pseudo-terminal, as a person types."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import signal
import time
from pathlib import Path

import pexpect

from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S, chat_bodies, logged, user_env
from tests.support.pty import Terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\a]*\a|\x1b[=>]|\r")
# prompt_toolkit draws "> " as ">" then a cursor move (or a space)
PROMPT = re.compile(r">(?:\x08)?(?:\x1b\[\d*C| )")


def spawn(home: Path, server: LocalServer, *args: str, **extra: str) -> Terminal:
    env = user_env(
        home,
        {
            "TERM": "xterm-256color",
            "NO_COLOR": "1",
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "R9S_BASE_URL": server.url,
            "R9S_API_KEY": KEY,
            **extra,
        },
    )
    return Terminal([*R9S, "chat", *args], cwd=home, env=env, size=(120, 40), timeout=15)


def send(child: Terminal, text: str) -> None:
    """Type ``text`` and press Enter (a carriage return, as a terminal sends it)."""
    child.send(text)
    child.send("\r")


def wait_prompt(child: Terminal) -> None:
    child.expect(PROMPT)


def finish(child: Terminal) -> tuple[int | None, str]:
    status, _ = child.finish()
    return status, screen(child)


def screen(child: Terminal) -> str:
    return ANSI.sub("", child.transcript)


def test_a_streamed_answer_appears_and_exit_leaves(home: Path, r9s_server: LocalServer) -> None:
    child = spawn(home, r9s_server)
    child.expect("Chatting with gpt-4o-mini via the chat API")
    wait_prompt(child)
    send(child, "hello there")
    child.expect("Echo: hello there")
    wait_prompt(child)
    send(child, "/exit")
    status, _ = finish(child)

    assert status == 0
    assert chat_bodies(r9s_server)[-1]["stream"] is True


def test_ctrl_c_stops_a_slow_answer_keeps_it_and_the_chat_goes_on(
    home: Path, r9s_server: LocalServer
) -> None:
    words = " ".join(f"w{n}" for n in range(80))
    r9s_server.inject("chunk_delay=0.2", times=1)
    child = spawn(home, r9s_server)
    wait_prompt(child)
    send(child, words)
    child.expect("Echo: w0 w1 w2")  # a few words have streamed
    started = time.monotonic()
    child.sendintr()
    child.expect_exact("(interrupted; the partial answer is kept)")
    wait_prompt(child)
    # The whole answer (80 words, 0.2 s apart) would take 16 s: a loose bound still tells.
    assert time.monotonic() - started < 5, "the stream is closed at once, not read to its end"

    send(child, "and now?")
    child.expect("Echo: and now\\?")
    wait_prompt(child)
    child.sendeof()
    status, _ = finish(child)

    assert status == 0
    messages = chat_bodies(r9s_server)[-1]["messages"]
    assert isinstance(messages, list) and len(messages) == 3
    partial = messages[1]["content"]
    assert messages[1]["role"] == "assistant"
    assert partial.startswith("Echo: w0 w1 w2") and len(partial) < len("Echo: " + words)
    first, second = logged(home)
    assert first["interrupted"] is True and first["response"] == partial
    assert second["prompt"] == "and now?" and second["conversation_id"] == first["conversation_id"]


def test_ctrl_c_at_the_prompt_clears_the_line_then_exits(
    home: Path, r9s_server: LocalServer
) -> None:
    child = spawn(home, r9s_server)
    wait_prompt(child)
    child.send("half a thought")
    child.sendintr()  # clears the line
    send(child, "fresh")
    child.expect("Echo: fresh")
    wait_prompt(child)
    child.sendintr()  # on an empty line: leaves
    status, text = finish(child)

    assert status == 0 and "Bye." in text
    assert chat_bodies(r9s_server)[-1]["messages"] == [{"role": "user", "content": "fresh"}]


def test_history_persists_and_ctrl_r_searches_it(home: Path, r9s_server: LocalServer) -> None:
    child = spawn(home, r9s_server)
    wait_prompt(child)
    send(child, "the first entry")
    child.expect("Echo: the first entry")
    wait_prompt(child)
    send(child, "another one")
    child.expect("Echo: another one")
    wait_prompt(child)
    child.sendeof()
    finish(child)
    history = home / ".r9s/chat_history"
    assert "the first entry" in history.read_text()
    assert history.stat().st_mode & 0o777 == 0o600

    child = spawn(home, r9s_server)
    wait_prompt(child)
    child.send("\x1b[A")  # Up: the last entry of the previous run
    send(child, "")
    child.expect("Echo: another one")
    wait_prompt(child)
    child.send("\x12")  # Ctrl-R
    child.send("first")
    child.expect("first")
    child.send("\r")  # accept the search result
    child.send("\r")  # and send it
    child.expect("Echo: the first entry")
    wait_prompt(child)
    child.sendeof()
    status, _ = finish(child)
    assert status == 0


def test_escape_enter_makes_a_multi_line_message(home: Path, r9s_server: LocalServer) -> None:
    child = spawn(home, r9s_server)
    wait_prompt(child)
    child.send("line one")
    child.send("\x1b\r")  # Esc, Enter
    child.send("line two")
    child.send("\r")
    # The typed text is echoed (and the prompt redrawn) before it is sent: wait for the
    # answer, or Ctrl-D could arrive while the request runs and be lost.
    child.expect("Echo: line one")
    wait_prompt(child)
    child.sendeof()
    finish(child)

    assert chat_bodies(r9s_server)[-1]["messages"] == [
        {"role": "user", "content": "line one\nline two"}
    ]


def test_slash_commands(home: Path, r9s_server: LocalServer) -> None:
    child = spawn(home, r9s_server)
    wait_prompt(child)
    send(child, "/help")
    child.expect("/save FILE")
    wait_prompt(child)
    send(child, "/copy")
    child.expect("No answer to copy yet")
    wait_prompt(child)
    send(child, "/model")
    child.expect("Model: gpt-4o-mini")
    child.expect("Chat models for the chat API")
    wait_prompt(child)
    listed = screen(child).rsplit("Chat models for the chat API", 1)[1]
    # one model a line, the current one marked; models one cannot chat with left out
    assert "* gpt-4o-mini\n" in listed and "  claude-sonnet-4-5\n" in listed
    assert "whisper-1" not in listed and "text-embedding-3-small" not in listed
    send(child, "/modle")
    child.expect("Unknown command /modle; did you mean /model?")
    wait_prompt(child)
    send(child, "/model gpt4o")
    child.expect("Unknown model 'gpt4o'; did you mean: gpt-4o")
    wait_prompt(child)
    send(child, "/model gpt-4o")
    child.expect("Model: gpt-4o")
    wait_prompt(child)
    send(child, "/system")
    child.expect("No system prompt")
    wait_prompt(child)
    send(child, "/system Answer like a pirate")
    child.expect("System prompt set")
    wait_prompt(child)
    send(child, "ahoy")
    child.expect("Echo: ahoy")
    wait_prompt(child)
    first = chat_bodies(r9s_server)[-1]
    assert first["model"] == "gpt-4o"
    assert first["messages"] == [
        {"role": "system", "content": "Answer like a pirate"},
        {"role": "user", "content": "ahoy"},
    ]
    send(child, "/usage")
    child.expect(r"This chat: 5 tokens in, 2 out \(gpt-4o\)")
    child.expect("Last answer: 5 tokens in, 2 out · first token")
    wait_prompt(child)
    send(child, "/copy")
    child.expect("Copied 10 characters")
    wait_prompt(child)
    send(child, "/save talk.md")
    child.expect("Saved to")
    wait_prompt(child)
    send(child, "/save talk.json")
    child.expect("Saved to")
    wait_prompt(child)
    send(child, "/clear")
    child.expect("New conversation")
    wait_prompt(child)
    send(child, "//slash text")
    child.expect("Echo: /slash text")
    wait_prompt(child)
    send(child, "/bogus")
    child.expect("Unknown command /bogus")
    wait_prompt(child)
    send(child, "/system --clear")
    child.expect("System prompt removed")
    wait_prompt(child)
    send(child, "/quit")
    status, text = finish(child)

    assert status == 0
    osc52 = "\x1b]52;c;" + base64.b64encode(b"Echo: ahoy").decode() + "\a"
    assert osc52 in child.transcript, "/copy reaches the terminal's clipboard"
    after_clear = chat_bodies(r9s_server)[-1]
    assert after_clear["messages"] == [
        {"role": "system", "content": "Answer like a pirate"},
        {"role": "user", "content": "/slash text"},
    ]
    markdown = (home / "talk.md").read_text()
    assert "Answer like a pirate" in markdown and "Echo: ahoy" in markdown
    exported = json.loads((home / "talk.json").read_text())
    assert exported["model"] == "gpt-4o" and len(exported["messages"]) == 2
    conversations = {e["conversation_id"] for e in logged(home)}
    assert len(conversations) == 2, "/clear starts a new conversation in the log"


def test_a_failed_turn_is_one_line_and_the_chat_survives(
    home: Path, r9s_server: LocalServer
) -> None:
    child = spawn(home, r9s_server, "--retries", "0")
    wait_prompt(child)
    send(child, "first")
    child.expect("Echo: first")
    wait_prompt(child)
    r9s_server.inject("status=429;retry_after=3", times=1)
    send(child, "second")
    child.expect(r"r9s: error: rate limited \(429\): .*; retry in 3 s")
    wait_prompt(child)
    send(child, "third")
    child.expect("Echo: third")
    wait_prompt(child)
    child.sendeof()
    status, text = finish(child)

    assert status == 0 and "Traceback" not in text
    assert chat_bodies(r9s_server)[-1]["messages"] == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "Echo: first"},
        {"role": "user", "content": "third"},
    ]


def test_resume_picks_from_a_list_and_continue_takes_the_last(
    home: Path, r9s_server: LocalServer
) -> None:
    from tests.support.cli import r9s

    first = r9s(home, "chat", "-m", "claude-haiku-4-5", "-s", "Be terse", "older chat",
                env={"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY})  # fmt: skip
    assert first.returncode == 0, first.stderr
    time.sleep(0.05)
    second = r9s(home, "chat", "-m", "gpt-4.1", "newer chat",
                 env={"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY})  # fmt: skip
    assert second.returncode == 0, second.stderr

    child = spawn(home, r9s_server, "--resume")
    child.expect("Saved chats, newest first")
    child.expect(r"2\) .*claude-haiku-4-5  1 turn  older chat")
    child.sendline("2")
    child.expect("Resumed chat .* with claude-haiku-4-5 via the chat API")
    child.expect("System prompt: Be terse")
    wait_prompt(child)
    send(child, "go on")
    child.expect("Echo: go on")
    wait_prompt(child)
    child.sendeof()
    finish(child)
    body = chat_bodies(r9s_server)[-1]
    assert body["model"] == "claude-haiku-4-5"
    assert body["messages"] == [
        {"role": "system", "content": "Be terse"},
        {"role": "user", "content": "older chat"},
        {"role": "assistant", "content": "Echo: older chat"},
        {"role": "user", "content": "go on"},
    ]

    child = spawn(home, r9s_server, "--continue")
    child.expect("Resumed chat .* with claude-haiku-4-5")  # the one just used is the last
    wait_prompt(child)
    child.sendeof()
    status, _ = finish(child)
    assert status == 0


def test_the_other_apis_and_an_image_for_the_first_message(
    home: Path, r9s_server: LocalServer
) -> None:
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (home / "dot.png").write_bytes(png)
    for api, path in (("messages", "/v1/messages"), ("responses", "/v1/responses")):
        child = spawn(home, r9s_server, "--api", api, "--image", "dot.png", "--stats")
        child.expect(f"via the {api} API")
        child.expect("1 attachment will go with your first message")
        wait_prompt(child)
        send(child, "what is this")
        child.expect("Echo: what is this")
        child.expect("tokens in, 4 out")
        wait_prompt(child)
        send(child, "and again")
        child.expect("Echo: and again")
        wait_prompt(child)
        child.sendeof()
        status, _ = finish(child)
        assert status == 0
        bodies = [r.json for r in r9s_server.requests if r.path == path]
        first, second = bodies[-2], bodies[-1]
        items = first["messages"] if api == "messages" else first["input"]
        assert any(part["type"] in ("image", "input_image") for part in items[0]["content"])
        items = second["messages"] if api == "messages" else second["input"]
        assert [item["content"] for item in items[1:]] == ["Echo: what is this", "and again"]


def test_a_chat_that_cannot_be_logged_warns_once_and_goes_on(
    home: Path, r9s_server: LocalServer
) -> None:
    (home / ".r9s/log.db").mkdir(parents=True)  # not a database
    child = spawn(home, r9s_server)
    wait_prompt(child)
    send(child, "one")
    child.expect("Echo: one")
    child.expect_exact("the chat is not being logged")
    wait_prompt(child)
    send(child, "two")
    child.expect("Echo: two")
    wait_prompt(child)
    child.sendeof()
    status, text = finish(child)

    assert status == 0
    assert text.count("not being logged") == 1
    assert chat_bodies(r9s_server)[-1]["messages"][-1] == {"role": "user", "content": "two"}


def test_a_question_with_resume_picks_the_chat_on_the_terminal_then_answers(
    home: Path, r9s_server: LocalServer
) -> None:
    from tests.support.cli import r9s

    environment = {"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY}
    assert r9s(home, "chat", "-m", "gpt-4o", "older chat", env=environment).returncode == 0
    time.sleep(0.02)
    assert r9s(home, "chat", "newer chat", env=environment).returncode == 0

    child = spawn(home, r9s_server, "and then?", "--resume")
    child.expect(r"Chat \[")
    listed = child.before
    assert "older chat" in listed and "newer chat" in listed
    number = next(
        line.split(")")[0].strip() for line in listed.splitlines() if "older chat" in line
    )
    child.sendline(number)
    child.expect("Echo: and then")
    status, _ = finish(child)

    assert status == 0
    body = chat_bodies(r9s_server)[-1]
    assert body["model"] == "gpt-4o"
    assert body["messages"][0] == {"role": "user", "content": "older chat"}
    assert body["messages"][-1] == {"role": "user", "content": "and then?"}


def test_resume_followed_by_a_question_explains_that_it_took_it_for_an_id(
    home: Path, r9s_server: LocalServer
) -> None:
    from tests.support.cli import r9s

    environment = {"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY}
    done = r9s(home, "chat", "--resume", "what next?", env=environment)
    assert done.returncode == 2
    assert "no saved chat 'what next?'" in done.stderr
    assert 'r9s chat "QUESTION" --resume' in done.stderr
    assert "put the question first" in " ".join(r9s(home, "chat", "--help").stdout.split())


def test_timing_and_reasoning_in_the_chat(home: Path, r9s_server: LocalServer) -> None:
    child = spawn(home, r9s_server, "--reasoning", "low")
    wait_prompt(child)
    send(child, "/timing")
    child.expect("No answer to time yet")
    child.expect(r"Timing on: shown after each answer \(/timing off stops it\)")
    wait_prompt(child)
    send(child, "why")
    child.expect("Thinking about: why")  # the reasoning, before the answer
    child.expect("Echo: why")
    child.expect(r"timing: router \d+ ms · upstream first token \d+ ms")
    wait_prompt(child)
    assert chat_bodies(r9s_server)[-1]["reasoning_effort"] == "low"
    request = [r for r in r9s_server.requests if r.path == "/v1/chat/completions"][-1]
    assert request.headers["x-nextrouter-sse-probe"] == "r9s"
    send(child, "/timing off")
    child.expect("Timing off")
    wait_prompt(child)
    send(child, "again")
    child.expect("Echo: again")
    wait_prompt(child)
    send(child, "/timing")
    # the last answer's, asked for; it was sent without the probe, timing being off
    child.expect(r"timing: router time not reported · first token \d+ ms")
    child.expect("Timing on")
    wait_prompt(child)
    send(child, "/exit")
    status, text = finish(child)
    assert status == 0
    assert text.count("timing: router") == 2
    request = [r for r in r9s_server.requests if r.path == "/v1/chat/completions"][-1]
    assert "x-nextrouter-sse-probe" not in request.headers


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_terminated_chat_gives_the_terminal_its_echo_back(
    home: Path, r9s_server: LocalServer
) -> None:
    """Keys typed while an answer streams are not echoed; r9s killed then (SIGTERM, as a
    closing window sends SIGHUP) must not leave the terminal so."""
    r9s_server.inject("chunk_delay=0.2", path="/v1/chat/completions")
    env = user_env(home, {"TERM": "xterm-256color", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1",
                          "R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY})  # fmt: skip
    command = " ".join(shlex.quote(part) for part in [*R9S, "chat", "--no-log"])
    child = Terminal(["bash", "--norc", "-c", f"{command}; stty -a > stty.txt"], cwd=home,
                     env=env, size=(80, 24), timeout=15)  # fmt: skip
    wait_prompt(child)
    send(child, " ".join(f"word{n}" for n in range(60)))
    child.expect("Echo: word0 word1")  # streaming now
    (r9s_pid,) = _children(child.pid)
    os.kill(r9s_pid, signal.SIGTERM)
    child.expect(pexpect.EOF)
    child.close()
    settings = (home / "stty.txt").read_text().split()
    assert "echo" in settings and "-echo" not in settings, settings
    assert "icanon" in settings and "isig" in settings, settings


def test_a_chat_terminated_at_its_prompt_leaves_no_raw_terminal(
    home: Path, r9s_server: LocalServer
) -> None:
    env = user_env(home, {"TERM": "xterm-256color", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1",
                          "R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY})  # fmt: skip
    command = " ".join(shlex.quote(part) for part in [*R9S, "chat", "--no-log"])
    child = Terminal(["bash", "--norc", "-c", f"{command}; stty -a > stty.txt"], cwd=home,
                     env=env, size=(80, 24), timeout=15)  # fmt: skip
    wait_prompt(child)
    child.send("half a question")
    child.expect("question")
    (r9s_pid,) = _children(child.pid)
    os.kill(r9s_pid, signal.SIGTERM)
    child.expect(pexpect.EOF)
    child.close()
    settings = (home / "stty.txt").read_text().split()
    assert {"echo", "icanon", "isig"} <= set(settings), settings


def test_a_template_starts_the_chat_and_settings_changed_in_it_are_kept(
    home: Path, r9s_server: LocalServer
) -> None:
    from tests.support.cli import r9s

    saved = r9s(home, "chat", "--save", "tr", "-s", "You translate.", "Into $lang: $input")
    assert saved.returncode == 0, saved.stderr
    child = spawn(home, r9s_server, "-t", "tr", "-p", "lang", "French")
    child.expect("System prompt: You translate.")
    wait_prompt(child)
    send(child, "good night")
    child.expect("Echo: Into French: good night")
    wait_prompt(child)
    send(child, "and thanks")  # the template's prompt wraps the first message only
    child.expect("Echo: and thanks")
    wait_prompt(child)
    send(child, "/model gpt-4o")
    child.expect("Model: gpt-4o")
    wait_prompt(child)
    send(child, "/system Be brief")
    child.expect("System prompt set")
    wait_prompt(child)
    child.sendeof()
    status, _ = finish(child)
    assert status == 0
    assert [e["prompt"] for e in logged(home)] == ["Into French: good night", "and thanks"]

    environment = {"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY}
    done = r9s(home, "chat", "-c", "more", env=environment)
    assert done.returncode == 0, done.stderr
    body = chat_bodies(r9s_server)[-1]
    assert body["model"] == "gpt-4o", "/model was kept in the log"
    assert body["messages"][0] == {"role": "system", "content": "Be brief"}
    assert len(body["messages"]) == 6


def test_with_no_log_the_chat_says_so_and_leaves_no_trace(
    home: Path, r9s_server: LocalServer
) -> None:
    child = spawn(home, r9s_server, "--no-log")
    child.expect_exact("This chat is not kept (--no-log).")
    wait_prompt(child)
    send(child, "private")
    child.expect("Echo: private")
    wait_prompt(child)
    child.sendeof()
    status, _ = finish(child)
    assert status == 0
    assert logged(home) == []
