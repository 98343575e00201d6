"""Ask real shells what they complete, with r9s's completion script installed as a person
installs it (``r9s completion --help``).

- bash: an interactive bash on a pseudo-terminal that has sourced the script; each line is
  typed and completed with Tab. The function the script registers (``complete -p r9s``)
  is re-registered, same options, inside a wrapper that writes its ``COMPREPLY`` to a file.
- zsh: an interactive zsh on a pseudo-terminal, the script as ``_r9s`` on ``fpath`` and
  ``compinit`` run; each line is typed and completed with Tab by zsh's own completion
  system. ``compadd``, the builtin every completer ends in, is wrapped to write the
  matches (zsh's own matching against the word being completed) to a file.
- fish: ``complete -C LINE``, fish's own answer, the script in
  ``~/.config/fish/completions`` (autoloaded, as for a person, once ``r9s`` is on PATH).

Each gives, for every line (the cursor at its end), the set of words offered.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.support.cli import R9S, user_env
from tests.support.pty import Terminal

PS1 = "R9S-PROMPT> "
TIMEOUT = 30  # for one answer; they take milliseconds

INPUTRC = """\
set bell-style none
set enable-bracketed-paste off
"""


def installed_r9s(home: Path) -> Path:
    """A folder with an ``r9s`` command (fish completes only commands it can find)."""
    folder = home / "bin"
    folder.mkdir(exist_ok=True)
    shim = folder / "r9s"
    shim.write_text(f'#!/bin/sh\nexec {shlex.join(R9S)} "$@"\n')
    shim.chmod(0o755)
    return folder


def shell_env(home: Path, **extra: str) -> dict[str, str]:
    env = user_env(home, {"TERM": "dumb", **extra})
    env["PATH"] = f"{installed_r9s(home)}:{env['PATH']}"
    return env


def script(home: Path, shell: str) -> str:
    done = subprocess.run(
        [*R9S, "completion", shell], env=user_env(home), capture_output=True, text=True,
        timeout=30, check=True,
    )  # fmt: skip
    return done.stdout


def _spawn(program: str, args: list[str], cwd: Path, env: dict[str, str]) -> Terminal:
    """A wide terminal (no line wraps); keys sent without pexpect's 50 ms pause before each
    send: the shell reads them in order, and each answer is waited for."""
    child = Terminal([program, *args], cwd=cwd, env=env, size=(1000, 50), timeout=TIMEOUT)
    child.delaybeforesend = None
    return child


def _tab_each(
    child: Terminal,
    out: Path,
    lines: Sequence[str],
    marker: str,
    answers: list[str],
    tab_done: str | None = None,
) -> dict[str, set[str]]:
    """Press Tab after each line and collect what the spied completer wrote to ``out``;
    ``marker`` (a command) and ``answers`` (what to wait for) take the line's number, and
    so does ``tab_done``, what the shell shows once a Tab's completion has finished (zsh
    skips completing while more keys are pending, so the next ones must wait for it)."""
    found = {}
    for number, line in enumerate(lines):
        out.write_text("")
        child.send(line + "\t")
        if tab_done is not None:
            child.expect_exact(tab_done.format(number + 1))
        child.send("\x15")  # Ctrl-U: clear the line
        child.sendline(marker.format(number))
        for answer in answers:
            child.expect_exact(answer.format(number))
        found[line] = {match for match in out.read_text().splitlines() if match}
    return found


BASH_SETUP = r"""
source {script}
__r9s_spec=$(complete -p r9s) || echo "r9s-unregistered"
__r9s_function=${{__r9s_spec##*-F }}; __r9s_function=${{__r9s_function%% *}}
__r9s_spy() {{
    "$__r9s_function" "$@"
    local status=$?
    printf '%s\n' "${{COMPREPLY[@]}}" >> {out}
    return $status
}}
eval "${{__r9s_spec/-F $__r9s_function/-F __r9s_spy}}"
"""


def bash(program: str, home: Path, cwd: Path, lines: Sequence[str]) -> dict[str, set[str]]:
    path = home / "r9s.bash"
    path.write_text(script(home, "bash"))
    inputrc = home / ".inputrc"
    inputrc.write_text(INPUTRC)
    out = home / "bash-matches"
    env = shell_env(home, PS1=PS1, INPUTRC=str(inputrc))
    child = _spawn(program, ["--norc", "--noprofile", "-i"], cwd, env)
    try:
        setup = home / "setup.bash"
        setup.write_text(
            BASH_SETUP.format(script=shlex.quote(str(path)), out=shlex.quote(str(out)))
        )
        child.expect_exact(PS1)
        child.sendline(f"source {shlex.quote(str(setup))}")
        child.expect_exact(PS1)
        assert "r9s-unregistered" not in child.before, "the script registered nothing"
        # a comment typed after the Tab was handled, then the prompt it brings back
        return _tab_each(child, out, lines, "# r9s-done-{}", ["# r9s-done-{}", PS1])
    finally:
        child.close(force=True)


ZSH_SETUP = r"""
unsetopt auto_list auto_menu; setopt no_beep
fpath=({folder} $fpath)
autoload -U compinit && compinit -u -D
compadd() {{
  if [[ ${{@[1,(i)(-|--)]}} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __r9s_matches
  builtin compadd -O __r9s_matches "$@"
  (( $#__r9s_matches )) && print -rl -- $__r9s_matches >> {out}
  builtin compadd "$@"
}}
# Tab completes, then says so (numbered), for the test to wait on before typing on.
typeset -i __r9s_tabs=0
__r9s_tab() {{ zle complete-word; (( __r9s_tabs++ )); zle -M "r9s-tab-$__r9s_tabs" }}
zle -N __r9s_tab
bindkey '^I' __r9s_tab
"""


def zsh(program: str, home: Path, cwd: Path, lines: Sequence[str]) -> dict[str, set[str]]:
    folder = home / ".zfunc"
    folder.mkdir(exist_ok=True)
    (folder / "_r9s").write_text(script(home, "zsh"))
    out = home / "zsh-matches"
    out.touch()
    setup = home / "setup.zsh"
    setup.write_text(ZSH_SETUP.format(folder=shlex.quote(str(folder)), out=shlex.quote(str(out))))
    child = _spawn(program, ["-f", "-i"], cwd, shell_env(home, PS1=PS1))
    try:
        child.sendline(f"source {shlex.quote(str(setup))}; print r9s-ready")
        child.expect_exact("\nr9s-ready\r")
        # wait for the output, not the typed echo
        done = ["\nr9s-done-{}\r"]
        return _tab_each(child, out, lines, "print r9s-done-{}", done, tab_done="r9s-tab-{}")
    finally:
        child.close(force=True)


def fish(program: str, home: Path, cwd: Path, lines: Sequence[str]) -> dict[str, set[str]]:
    folder = home / ".config/fish/completions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "r9s.fish").write_text(script(home, "fish"))
    ask = "for line in $argv; complete -C -- $line; echo r9s-done; end"
    done = subprocess.run(
        [program, "-c", ask, *lines], env=shell_env(home), cwd=cwd, capture_output=True,
        text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answers = done.stdout.split("r9s-done\n")
    assert len(answers) == len(lines) + 1 and answers[-1] == "", done.stdout
    return {
        line: {entry.split("\t")[0] for entry in answer.splitlines()}
        for line, answer in zip(lines, answers[:-1], strict=True)
    }


SHELLS = {"bash": bash, "zsh": zsh, "fish": fish}
