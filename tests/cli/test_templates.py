"""Templates and agents as a person uses them: ``r9s chat --save``, ``-t``, ``-p``,
``--agent``; ``r9s templates``/``agents`` with a fake ``$EDITOR``; nothing is ever run."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.support.cli import KEY, logged, r9s

FAKE_EDITOR = textwrap.dedent(
    """
    import os, pathlib, sys
    path = pathlib.Path(sys.argv[-1])
    with open(os.environ["FAKE_EDITOR_SEEN"], "a") as seen:
        seen.write(path.read_text() + "\\0")
    action = os.environ["FAKE_EDIT"]
    if action.startswith("exit:"):
        sys.exit(int(action[5:]))
    if action != "keep":
        path.write_text(pathlib.Path(action).read_text())
    """
)


@pytest.fixture
def editor(home: Path) -> dict[str, str]:
    """``EDITOR`` is a script that records what it was shown and writes FAKE_EDIT's file."""
    script = home / "fake_editor.py"
    script.write_text(FAKE_EDITOR)
    return {
        "EDITOR": f"{sys.executable} {script}",
        "FAKE_EDITOR_SEEN": str(home / "seen.txt"),
        "FAKE_EDIT": "keep",
    }


def env(server: LocalServer, **extra: str) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY, **extra}


def sent(server: LocalServer) -> list[dict[str, object]]:
    """The messages of the last chat request."""
    return list(server.requests[-1].json["messages"])


def test_a_template_is_saved_then_used_with_its_variables(
    home: Path, r9s_server: LocalServer
) -> None:
    saved = r9s(home, "chat", "--save", "tr", "-s", "You translate into $lang.", "-m", "gpt-4o",
                "--temperature", "0.2", "Into $lang, keeping ${tone}: $input",
                "-p", "tone", "the tone", env=env(r9s_server))  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    assert "Saved template tr" in saved.stderr and r9s_server.requests == [], "sends nothing"
    path = home / ".r9s/templates/tr.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    done = r9s(home, "chat", "-t", "tr", "-p", "lang", "French", "Good morning",
               env=env(r9s_server))  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = r9s_server.requests[-1].json
    assert body["model"] == "gpt-4o" and body["temperature"] == 0.2
    assert sent(r9s_server) == [
        {"role": "system", "content": "You translate into French."},
        {"role": "user", "content": "Into French, keeping the tone: Good morning"},
    ]
    # piped input is $input too; a flag beats the template
    r9s(home, "chat", "-t", "tr", "-p", "lang", "German", "-p", "tone", "rhymes", "-m", "qwen-plus",
        input="Hello\n", env=env(r9s_server))  # fmt: skip
    assert r9s_server.requests[-1].json["model"] == "qwen-plus"
    assert sent(r9s_server)[1]["content"] == "Into German, keeping rhymes: Hello"

    listed = r9s(home, "templates", "list").stdout
    assert listed.startswith("tr  ") and "$lang $tone $input" in listed
    assert "Into $lang, keeping ${tone}: $input" in r9s(home, "templates", "show", "tr").stdout


def test_a_template_without_input_gets_the_question_after_its_prompt(
    home: Path, r9s_server: LocalServer
) -> None:
    assert r9s(home, "chat", "--save", "review", "Review this code for bugs.").returncode == 0
    r9s(home, "chat", "-t", "review", "def f(): pass", env=env(r9s_server))
    assert sent(r9s_server) == [
        {"role": "user", "content": "Review this code for bugs.\n\ndef f(): pass"}
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "tr", "hi"], "template 'tr' needs a value for $lang: add -p lang VALUE"),
        (["-t", "tr", "-p", "lang", "x", "-p", "lnag", "y", "hi"],
         "template 'tr' has no variable 'lnag' (its variables: lang)"),
        (["-t", "tr", "-p", "lang", "x", "-p", "input", "y", "hi"], "-p input: $input is what"),
        (["-t", "nope", "hi"], "no template 'nope' (yours: tr)"),
        (["-t", "../etc/passwd", "hi"], "'../etc/passwd' is not a valid template name"),
        (["-t", "0.7", "hi"], "-t is --template now: for a temperature write --temperature 0.7"),
        (["-p", "lang", "x", "hi"], "-p goes with -t TEMPLATE or --agent NAME"),
        (["--save", "tr", "other"], "a template 'tr' exists already"),
    ],
)  # fmt: skip
def test_template_mistakes_are_one_clear_line(
    home: Path, r9s_server: LocalServer, args: list[str], message: str
) -> None:
    assert r9s(home, "chat", "--save", "tr", "Say $input in $lang").returncode == 0
    done = r9s(home, "chat", *args, env=env(r9s_server))
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not [r for r in r9s_server.requests if r.path.endswith("/chat/completions")]


def test_nothing_in_a_template_or_its_values_is_run_or_read(
    home: Path, r9s_server: LocalServer
) -> None:
    # r9s 0.9 ran `!{...}` found in what the user passed. Here every value stays text.
    marker = home / "PWNED"
    secret = home / "secret.txt"
    secret.write_text("top secret")
    hostile = [f"!{{touch {marker}}}", f"$(touch {marker})", f"`touch {marker}`",
               f"@{secret}", f"@{{{secret}}}", "$lang", "${lang}", "$$"]  # fmt: skip
    r9s(home, "chat", "--save", "t", "-s", f"!{{touch {marker}}} @{{{secret}}} $$HOME",
        "[$value] [$input]")  # fmt: skip
    for value in hostile:
        done = r9s(home, "chat", "-t", "t", "-p", "value", value, value, env=env(r9s_server))
        assert done.returncode == 0, done.stderr
        system, question = sent(r9s_server)
        assert system["content"] == f"!{{touch {marker}}} @{{{secret}}} $HOME"
        assert question["content"] == f"[{value}] [{value}]", "inserted as it is, once"
    assert not marker.exists()
    assert all("top secret" not in str(r.body) for r in r9s_server.requests)


def test_templates_edit_rm_with_the_editor(home: Path, editor: dict[str, str]) -> None:
    new = home / "new.toml"
    new.write_text('description = "greets"\nprompt = """Hello,\n$input"""\n')
    made = r9s(home, "templates", "edit", "hi", env={**editor, "FAKE_EDIT": str(new)})
    assert made.returncode == 0 and "Made template hi" in made.stderr
    path = home / ".r9s/templates/hi.toml"
    assert path.read_text() == new.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "r9s chat -t hi" in (home / "seen.txt").read_text(), "a new one starts from a skeleton"

    unchanged = r9s(home, "templates", "edit", "hi", env=editor)
    assert unchanged.returncode == 0 and "Template hi unchanged" in unchanged.stderr
    assert (home / "seen.txt").read_text().split("\0")[1] == new.read_text(), "shown as it is"

    broken = home / "broken.toml"
    mistakes = [
        ('prompt = "unclosed\n', "hi: "),
        ("colour = 'red'\n", "unknown key 'colour'"),
        ("[options]\nseed = 3\n", "unknown option 'seed'"),
    ]
    for content, problem in mistakes:
        broken.write_text(content)
        done = r9s(home, "templates", "edit", "hi", env={**editor, "FAKE_EDIT": str(broken)})
        assert done.returncode == 2 and problem in done.stderr, done.stderr
        assert "nothing was changed (your edit is kept in " in done.stderr
        kept = Path(done.stderr.rsplit("kept in ", 1)[1].rstrip(")\n"))
        assert kept.read_text() == content
        assert path.read_text() == new.read_text(), "the template is untouched"
    failed = r9s(home, "templates", "edit", "hi", env={**editor, "FAKE_EDIT": "exit:3"})
    assert failed.returncode == 2 and "the editor exited with status 3" in failed.stderr

    assert r9s(home, "templates", "rm", "hi").returncode == 0
    assert not path.exists()
    gone = r9s(home, "templates", "show", "hi")
    assert gone.returncode == 2 and "no template 'hi'" in gone.stderr
    (home / ".r9s/templates/bad.toml").write_text("model = 3\n")
    bad = r9s(home, "chat", "-t", "bad", "x")
    assert bad.returncode == 2 and "~/.r9s/templates/bad.toml: model must be a string" in bad.stderr


# ------------------------------------------------------------------ agents


def test_an_agent_is_versioned_diffed_rolled_back_and_used(
    home: Path, r9s_server: LocalServer, editor: dict[str, str]
) -> None:
    created = r9s(home, "agents", "create", "reviewer", "-i", "You review Python code.",
                  "-m", "gpt-4o", "-d", "code review")  # fmt: skip
    assert created.returncode == 0, created.stderr
    again = r9s(home, "agents", "create", "reviewer", "-i", "x")
    assert again.returncode == 2 and "exists already" in again.stderr
    edited = r9s(home, "agents", "edit", "reviewer", "--param", "temperature", "0.2",
                 "--note", "calmer")  # fmt: skip
    assert edited.returncode == 0 and "reviewer v2 saved" in edited.stderr

    rewritten = home / "v3.toml"
    rewritten.write_text('instructions = """You review Go code.\n# Be kind."""\nmodel = "gpt-4o"\n'
                         '[params]\ntemperature = 0.2\nmax_tokens = 300\n')  # fmt: skip
    done = r9s(home, "agents", "edit", "reviewer", "--note", "go",
               env={**editor, "FAKE_EDIT": str(rewritten)})  # fmt: skip
    assert done.returncode == 0 and "reviewer v3 saved" in done.stderr, done.stderr
    assert "Saving a change makes version 3" in (home / "seen.txt").read_text()

    versions = r9s(home, "agents", "versions", "reviewer").stdout.splitlines()
    assert [line.split()[0] for line in versions] == ["v1", "v2", "v3"]
    assert versions[1].endswith("calmer") and versions[2].endswith("go")
    diff = r9s(home, "agents", "diff", "reviewer", "1", "v3").stdout
    assert "--- reviewer v1\n+++ reviewer v3\n" in diff
    assert '-instructions = "You review Python code."' in diff and "+# Be kind." in diff
    assert "-description" in diff and "+max_tokens = 300" in diff
    same = r9s(home, "agents", "diff", "reviewer", "3")
    assert same.stdout == "v3 and v3 are the same\n"

    r9s(home, "chat", "--agent", "reviewer", "look", env=env(r9s_server))
    body = r9s_server.requests[-1].json
    assert body["model"] == "gpt-4o" and body["temperature"] == 0.2 and body["max_tokens"] == 300
    assert sent(r9s_server)[0] == {"role": "system", "content": "You review Go code.\n# Be kind."}
    r9s(home, "chat", "--agent", "reviewer@1", "look", env=env(r9s_server))
    body = r9s_server.requests[-1].json
    assert "temperature" not in body
    assert sent(r9s_server)[0] == {"role": "system", "content": "You review Python code."}

    rolled = r9s(home, "agents", "rollback", "reviewer", "v1")
    assert rolled.returncode == 0 and "reviewer v4: the content of v1" in rolled.stderr
    show = r9s(home, "agents", "show", "reviewer").stdout
    assert show.startswith("# reviewer v4, ") and show.splitlines()[0].endswith(": rollback to v1")
    assert 'instructions = "You review Python code."' in show
    assert r9s(home, "agents", "diff", "reviewer", "1", "4").stdout == "v1 and v4 are the same\n"
    listed = r9s(home, "agents", "list").stdout
    assert listed.startswith("reviewer  v4  gpt-4o  code review")
    assert [e["system"] for e in logged(home)] == [
        "You review Go code.\n# Be kind.", "You review Python code.",
    ]  # fmt: skip

    for args, message in [
        (["diff", "reviewer", "9"], "agent 'reviewer' has no version 9 (it has v1, v2, v3, v4)"),
        (["show", "../x"], "'../x' is not a valid agent name"),
        (["show", "nobody"], "no agent 'nobody' (yours: reviewer)"),
        (["rm", "reviewer"], "r9s agents rm reviewer asks first: add --yes"),
        (["edit", "reviewer", "--param", "seed", "1"], "--param: unknown option 'seed'"),
    ]:
        failed = r9s(home, "agents", *args)
        assert failed.returncode == 2 and message in failed.stderr, (args, failed.stderr)
    assert r9s(home, "agents", "rm", "reviewer", "--yes").returncode == 0
    assert not (home / ".r9s/agents/reviewer").exists()


def test_two_edits_at_once_make_two_versions(home: Path) -> None:
    assert r9s(home, "agents", "create", "a", "-i", "start").returncode == 0
    from tests.support.cli import R9S, user_env

    edits = [
        subprocess.Popen(
            [*R9S, "agents", "edit", "a", "-i", f"edit {n}"],
            env=user_env(home),
            cwd=home,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(4)
    ]
    for edit in edits:
        _, err = edit.communicate(timeout=60)
        assert edit.returncode == 0, err
    versions = r9s(home, "agents", "versions", "a").stdout.splitlines()
    assert [line.split()[0] for line in versions] == ["v1", "v2", "v3", "v4", "v5"]
    texts = {r9s(home, "agents", "show", "a", "--version", str(n)).stdout.splitlines()[1]
             for n in range(2, 6)}  # fmt: skip
    assert texts == {f'instructions = "edit {n}"' for n in range(4)}
