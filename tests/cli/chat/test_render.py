"""What the terminal shows: long answers are never cropped, ``--plain`` and ``NO_COLOR``."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S, user_env
from tests.support.pty import run_on_terminal
from tests.support.tmux import DONE, Tmux

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


def scrollback(home: Path, server: LocalServer, tmux: Tmux, prompt: str) -> str:
    """Everything a 80x14 terminal (tmux) shows and keeps of a one-shot answer."""
    (home / "prompt.md").write_text(prompt)
    server.inject("chunk_delay=0.002", times=1)
    env = user_env(home, {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY,
                          "TERM": "xterm-256color"})  # fmt: skip
    command = " ".join(shlex.quote(p) for p in R9S) + ' chat --no-log "$(cat prompt.md)"'
    return tmux.screen_of(command, cwd=home, env=env, size=(80, 14), history=True)


def test_an_answer_three_screens_long_ends_up_whole_and_once_in_the_scrollback(
    home: Path, r9s_server: LocalServer, tmux: Tmux
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
    home: Path, r9s_server: LocalServer, tmux: Tmux
) -> None:
    words = [f"word{n:04d}" for n in range(400)]
    screen = scrollback(home, r9s_server, tmux, " ".join(words))
    assert re.findall(r"word\d{4}", screen) == words


def run_in_pty(home: Path, server: LocalServer, *args: str, **extra: str) -> str:
    """stdout on a terminal; stderr (the spinner) to a file."""
    env = user_env(home, {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY,
                          "TERM": "xterm-256color", **extra})  # fmt: skip
    command = " ".join(shlex.quote(part) for part in [*R9S, *args]) + " 2>stderr.txt"
    status, output = run_on_terminal(command, cwd=home, env=env, size=(100, 30))
    assert status == 0, output
    return output


def test_plain_writes_the_bare_text_even_on_a_terminal(home: Path, r9s_server: LocalServer) -> None:
    output = run_in_pty(home, r9s_server, "chat", "--plain", "--no-log", "a **bold** word")
    assert output.replace("\r\n", "\n") == "Echo: a **bold** word\n"


def test_markdown_is_rendered_on_a_terminal_and_no_color_drops_colours(
    home: Path, r9s_server: LocalServer
) -> None:
    prompt = "a **bold** word and `code`"
    coloured = run_in_pty(home, r9s_server, "chat", "--no-log", prompt)
    assert "**bold**" not in coloured and "bold" in coloured, "Markdown was rendered"
    assert SGR_COLOUR.search(coloured)
    plain = run_in_pty(home, r9s_server, "chat", "--no-log", prompt, NO_COLOR="1")
    assert "**bold**" not in plain and "bold" in plain
    assert not SGR_COLOUR.search(plain), "NO_COLOR: no colours"


def after_command(screen: str) -> list[str]:
    """The lines the answer left on screen (up to the end marker), blank ones dropped."""
    lines = screen.split("R9S-DONE")[0].splitlines()
    return [line.rstrip() for line in lines if line.strip()]


def test_a_closing_fence_without_a_newline_leaves_no_stray_fence(
    home: Path, r9s_server: LocalServer, tmux: Tmux
) -> None:
    # The echo model strips the trailing newline: the answer ends with the fence itself.
    screen = scrollback(home, r9s_server, tmux, "Here:\n```python\nprint(42)\n```")
    shown = after_command(screen)
    assert any("print(42)" in line for line in shown), screen
    assert not any("```" in line for line in shown), screen


def test_single_line_breaks_are_kept(home: Path, r9s_server: LocalServer, tmux: Tmux) -> None:
    poem = "Roses are red\nviolets are blue\n\n1 Main Street\nSpringfield"
    shown = after_command(scrollback(home, r9s_server, tmux, poem))
    assert shown[-4:] == [
        "Echo: Roses are red",
        "violets are blue",
        "1 Main Street",
        "Springfield",
    ], shown


def test_ctrl_c_in_a_streamed_answer_leaves_the_part_once(
    home: Path, r9s_server: LocalServer, tmux: Tmux
) -> None:
    """A person presses Ctrl-C while a long answer streams into the interactive chat: what
    arrived stays on screen once (it used to show twice: the terminal threw away output
    it still held, with the cursor moves of the redrawn region)."""
    env = user_env(home, {"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY,
                          "TERM": "xterm-256color"})  # fmt: skip
    command = " ".join(shlex.quote(p) for p in R9S) + " chat --no-log"
    session = tmux.start(command, cwd=home, env=env, size=(80, 30))
    session.wait_for("Chatting with")
    words = [f"w{n:03d}" for n in range(300)]
    r9s_server.inject("chunk_delay=0.03", path="/v1/chat/completions")
    session.type("# Title")
    session.send_keys("Escape", "Enter", "Escape", "Enter")
    session.type(" ".join(words))
    session.send_keys("Enter")
    session.wait_for(r"Echo: # Title[\s\S]*w04\d")  # well into the answer
    session.send_keys("C-c")
    screen = session.wait_for(r"interrupted; the partial answer is kept")
    answer = screen.split("Echo: # Title", 1)[1].split("(interrupted", 1)[0]
    shown = re.findall(r"w\d{3}", answer)
    assert shown, screen
    assert shown == words[: len(shown)], f"the part shows more than once:\n{screen}"
    session.send_keys("C-d")
    session.wait_for(DONE)
