"""Agent Skills: validated as Claude Code and Codex read them, installed from folders and
git repositories (local ones: no network), added to a chat by name, never by a path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.support.ci import program
from tests.support.cli import KEY, r9s


def skill(folder: Path, front: str, body: str = "Do the thing well.\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(f"---\n{front}---\n{body}")
    return folder


PDF = "name: pdf-tools\ndescription: >-\n  Split and merge PDFs.\n  Use for PDF questions.\n"


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        [program("git"), "-c", "user.name=t", "-c", "user.email=t@example.com",
         "-c", "init.defaultBranch=main", *args],
        cwd=cwd, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("name: pdf-tools\n", "error: description is missing"),
        ("description: d\n", "error: name is missing"),
        ("name: PDF-tools\ndescription: d\n", "error: name 'PDF-tools': 1-64 lowercase letters"),
        ("name: pdf--tools\ndescription: d\n", "error: name 'pdf--tools'"),
        ("name: -pdf\ndescription: d\n", "error: name '-pdf'"),
        ("name: other\ndescription: d\n", "error: name 'other' differs from its folder's name"),
        (f"name: pdf-tools\ndescription: {'x' * 1025}\n", "description has 1025 characters"),
        ("name: pdf-tools\ndescription: d\nmetadata:\n  version: 1.0\n",
         "error: metadata must map text to text"),
        ("name: pdf-tools\ndescription: d\ncompatibility: " + "c" * 501 + "\n", "compatibility"),
        ("name: pdf-tools\ndescription: [unclosed\n", "front matter is not valid YAML (line 4)"),
        ("- a list\n", "the front matter must be a mapping"),
        ("name: pdf-tools\ndescription: d\nmodel: x\n", "warning: model: not in the Agent Skills"),
    ],
)  # fmt: skip
def test_validate_applies_the_format_rules(home: Path, front: str, problem: str) -> None:
    folder = skill(home / "pdf-tools", front)
    done = r9s(home, "skills", "validate", str(folder))
    assert problem in done.stdout, done.stdout
    assert done.returncode == (0 if problem.startswith("warning") else 1)


def test_validate_accepts_a_good_skill_and_a_skill_md_path(home: Path) -> None:
    folder = skill(home / "pdf-tools", PDF + "license: MIT\nallowed-tools: Bash Read\n")
    for target in (folder, folder / "SKILL.md"):
        done = r9s(home, "skills", "validate", str(target))
        assert done.returncode == 0 and done.stderr == "pdf-tools: valid\n" and done.stdout == ""
    (folder / "SKILL.md").write_text("# no front matter\n")
    done = r9s(home, "skills", "validate", str(folder))
    assert done.returncode == 1 and "must start with a '---' line" in done.stdout


def test_install_from_a_folder_and_use_it_in_a_chat(home: Path, r9s_server: LocalServer) -> None:
    source = skill(home / "src" / "pdf-tools", PDF, "# PDF tools\nUse qpdf to split.\n")
    (source / "scripts").mkdir()
    (source / "scripts/split.sh").write_text("qpdf --split-pages in.pdf out.pdf\n")
    done = r9s(home, "skills", "install", str(source))
    assert done.returncode == 0 and "Installed pdf-tools (~/.r9s/skills/pdf-tools)" in done.stderr
    installed = home / ".r9s/skills/pdf-tools"
    assert (installed / "scripts/split.sh").read_text().startswith("qpdf")
    assert (
        r9s(home, "skills", "list").stdout
        == "pdf-tools  Split and merge PDFs. Use for PDF questions.\n"
    )
    shown = r9s(home, "skills", "show", "pdf-tools").stdout
    assert "Use qpdf to split." in shown and "# files: scripts/split.sh" in shown
    again = r9s(home, "skills", "install", str(source))
    assert again.returncode == 1 and "installed already (add --force" in again.stderr
    (source / "SKILL.md").write_text((source / "SKILL.md").read_text() + "Version two.\n")
    assert r9s(home, "skills", "install", "--force", str(source)).returncode == 0
    assert "Version two." in (installed / "SKILL.md").read_text()

    environment = {"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY}
    done = r9s(home, "chat", "-s", "Be brief.", "--skill", "pdf-tools", "split it", env=environment)
    assert done.returncode == 0, done.stderr
    system = r9s_server.requests[-1].json["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith('Be brief.\n\n<skill name="pdf-tools">\nSplit and merge')
    assert "Use qpdf to split.\nVersion two.\n</skill>" in system["content"]


def test_install_every_skill_of_a_git_repository(home: Path) -> None:
    repo = home / "repo"
    skill(repo / "skills" / "alpha", "name: alpha\ndescription: first\n")
    skill(repo / "skills" / "beta", "name: beta\ndescription: second\n")
    skill(repo / "skills" / "bad", "name: Bad\ndescription: broken\n")
    (repo / "skills" / "uncommitted").mkdir()
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "skills", cwd=repo)
    skill(repo / "skills" / "gamma", "name: gamma\ndescription: not committed\n")
    bare = home / "skills.git"
    git("clone", "-q", "--bare", str(repo), str(bare), cwd=home)

    for source in (str(bare), f"file://{repo}"):
        done = r9s(home, "skills", "install", "--force", source)
        assert done.returncode == 1, "one skill of the repository is broken"
        assert "Installed alpha" in done.stderr and "Installed beta" in done.stderr
        assert "r9s: error: bad: name 'Bad'" in done.stderr
        assert "gamma" not in done.stderr, "a clone takes what is committed"
    assert sorted(p.name for p in (home / ".r9s/skills").iterdir()) == ["alpha", "beta"]
    missing = r9s(home, "skills", "install", f"file://{home}/nowhere.git")
    assert missing.returncode == 2 and "git clone file://" in missing.stderr
    assert len(missing.stderr.splitlines()) == 1


def test_skill_names_are_never_paths(home: Path, r9s_server: LocalServer, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("---\nname: evil\ndescription: x\n---\nmy ssh key\n")
    outside = skill(tmp_path / "outside" / "evil", "name: evil\ndescription: outside\n")
    skills = home / ".r9s/skills"
    skills.mkdir(parents=True)
    os.symlink(outside, skills / "evil")  # the whole folder leads out
    leaky = skill(skills / "leaky", "name: leaky\ndescription: x\n")
    (leaky / "SKILL.md").unlink()
    os.symlink(secret, leaky / "SKILL.md")  # its SKILL.md leads out

    environment = {"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY}
    for name, message in [
        ("../x", "'../x' is not a skill name"),
        ("/etc", "'/etc' is not a skill name"),
        (str(outside), "is not a skill name"),
        ("evil", "skill 'evil' leads out of ~/.r9s/skills (a symlink): refused"),
        ("leaky", "skill 'leaky' leads out of ~/.r9s/skills (a symlink): refused"),
        ("nope", "no skill 'nope'"),
    ]:
        done = r9s(home, "chat", "--skill", name, "hi", env=environment)
        assert done.returncode == 2 and message in done.stderr, (name, done.stderr)
    assert r9s_server.requests == [], "nothing was sent"
    listed = r9s(home, "skills", "list")
    assert "leads out of" in listed.stderr and listed.stdout == ""

    # a source whose files lead out is not installed
    source = skill(tmp_path / "src" / "sneaky", "name: sneaky\ndescription: x\n")
    os.symlink(secret, source / "notes.md")
    done = r9s(home, "skills", "install", str(source))
    assert (
        done.returncode == 1 and "symlinks lead out of the skill's folder: notes.md" in done.stderr
    )
    assert not (skills / "sneaky").exists()
    inside = skill(tmp_path / "src" / "tidy", "name: tidy\ndescription: x\n")
    (inside / "docs").mkdir()
    (inside / "docs/a.md").write_text("A")
    os.symlink("docs/a.md", inside / "a.md")
    assert r9s(home, "skills", "install", str(inside)).returncode == 0
    assert os.readlink(skills / "tidy/a.md") == "docs/a.md", "a link inside stays a link"
    assert r9s(home, "skills", "rm", "tidy").returncode == 0 and not (skills / "tidy").exists()
