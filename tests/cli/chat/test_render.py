"""What the terminal shows: long answers are never cropped, ``--plain`` and ``NO_COLOR``."""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from r9s.testing import LocalServer
from tests.support.ci import program
from tests.support.cli import KEY, R9S, user_env

SGR_COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;[25])[0-9;]*m")


def long_answer() -> tuple[str, list[str]]:
    """A Markdown prompt (echoed back) taller than the screen, and its visible lines."""
    lines = ["# Rivers", ""]
    lines += [f"Paragraph number {n:03d} is here." for n in range(1, 16)]
    lines += ["", "```python"]
    lines += [f"value_{n:03d} = {n}" for n in range(1, 41)]
    lines += ["```", ""]
    lines += [f"- item {n:03d}" for n in range(1, 26)]
    visible = [f"Paragraph number {n:03d}" for n in range(1, 16)]
    visible += [f"value_{n:03d} = {n}" for n in range(1, 41)]
    visible += [f"item {n:03d}" for n in range(1, 26)]
    return "\n".join(lines), visible


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    """``tmux`` on a server of this test's own (its socket in tmp_path), killed afterwards."""
    socket = tmp_path / "tmux.sock"
    command = [program("tmux"), "-S", str(socket)]
    yield command
    subprocess.run([*command, "kill-server"], capture_output=True, check=False)
    socket.unlink(missing_ok=True)


def scrollback(home: Path, server: LocalServer, tmux: list[str], prompt: str) -> str:
    """Everything a 80x14 terminal (tmux) shows and keeps of a one-shot answer."""
    (home / "prompt.md").write_text(prompt)
    server.inject("chunk_delay=0.002", times=1)
    env = user_env(home, {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY,
                          "TERM": "xterm-256color"})  # fmt: skip
    command = " ".join(shlex.quote(p) for p in R9S) + ' chat --no-save "$(cat prompt.md)"'
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "80", "-y", "14", "-c", str(home),
         "env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
         + f" bash -c {shlex.quote(command + '; echo R9S-DONE; sleep 60')}"],
        check=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    screen = ""
    while time.monotonic() < deadline:
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p", "-S", "-", "-E", "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        if "R9S-DONE" in screen:
            break
        time.sleep(0.2)
    assert "R9S-DONE" in screen, screen
    return screen


def test_an_answer_three_screens_long_ends_up_whole_and_once_in_the_scrollback(
    home: Path, r9s_server: LocalServer, tmux: list[str]
) -> None:
    prompt, visible = long_answer()
    screen = scrollback(home, r9s_server, tmux, prompt)

    flat = " ".join(screen.split())  # paragraphs wrap where the terminal ends
    position = 0
    for line in visible:
        assert flat.count(line) == 1, (line, flat.count(line), screen)
        found = flat.index(line)
        assert found > position, f"{line!r} is out of order"
        position = found
    assert "…" not in screen and "..." not in screen, "nothing was cropped"


def test_one_paragraph_taller_than_the_screen_is_whole_and_once(
    home: Path, r9s_server: LocalServer, tmux: list[str]
) -> None:
    words = [f"word{n:04d}" for n in range(400)]
    screen = scrollback(home, r9s_server, tmux, " ".join(words))
    assert re.findall(r"word\d{4}", screen) == words


def run_in_pty(home: Path, server: LocalServer, *args: str, **extra: str) -> str:
    """stdout on a terminal; stderr (the spinner) to a file."""
    env = user_env(home, {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY,
                          "TERM": "xterm-256color", **extra})  # fmt: skip
    command = " ".join(shlex.quote(part) for part in [*R9S, *args]) + " 2>stderr.txt"
    child = pexpect.spawn("bash", ["-c", command], env=env, cwd=str(home),
                          encoding="utf-8", timeout=20, dimensions=(30, 100))  # fmt: skip
    child.logfile_read = io.StringIO()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.logfile_read.getvalue()
    return str(child.logfile_read.getvalue())


def test_plain_writes_the_bare_text_even_on_a_terminal(home: Path, r9s_server: LocalServer) -> None:
    output = run_in_pty(home, r9s_server, "chat", "--plain", "--no-save", "a **bold** word")
    assert output.replace("\r\n", "\n") == "Echo: a **bold** word\n"


def test_markdown_is_rendered_on_a_terminal_and_no_color_drops_colours(
    home: Path, r9s_server: LocalServer
) -> None:
    prompt = "a **bold** word and `code`"
    coloured = run_in_pty(home, r9s_server, "chat", "--no-save", prompt)
    assert "**bold**" not in coloured and "bold" in coloured, "Markdown was rendered"
    assert SGR_COLOUR.search(coloured)
    plain = run_in_pty(home, r9s_server, "chat", "--no-save", prompt, NO_COLOR="1")
    assert "**bold**" not in plain and "bold" in plain
    assert not SGR_COLOUR.search(plain), "NO_COLOR: no colours"
