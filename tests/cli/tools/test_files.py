"""``r9s set`` / ``reset`` on each tool's real files, in a temporary HOME, as a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from r9s.cli.tools import names
from tests.cli.tools.cases import BASE, CASES, ROOT, Case, case_of
from tests.support.cli import KEY, mode, r9s, tree


def fill(text: str) -> str:
    return text.replace("{KEY}", KEY).replace("{ROOT}", ROOT).replace("{BASE}", BASE)


def set_tool(home: Path, case: Case, *extra: str) -> tuple[int, str, str]:
    done = r9s(
        home, "set", case.tool, "--yes", "--api-key", KEY, "--base-url", ROOT, *case.flags, *extra
    )
    return done.returncode, done.stdout, done.stderr


def write(home: Path, files: dict[str, str], file_mode: int = 0o644) -> None:
    for relative, content in files.items():
        path = home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        path.chmod(file_mode)


def backups(home: Path, case: Case) -> list[Path]:
    return sorted((home / ".r9s" / "backup" / case.tool).glob("*.bak"))


ids = [case.tool for case in CASES]


def test_every_tool_has_its_case() -> None:
    assert ids == names(), "add tests/cli/tools/cases/<module>.py for the new tool"


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_set_over_existing_files_keeps_what_is_not_ours_then_reset_restores_bytes(
    home: Path, case: Case
) -> None:
    write(home, case.existing)
    original = tree(home)

    code, _, err = set_tool(home, case)

    assert code == 0, err
    for relative, expected in case.expected.items():
        path = home / relative
        assert path.read_text() == fill(expected)
        assert mode(path) == (0o600 if relative in case.key_files else 0o644)
    saved = backups(home, case)
    assert sorted(p.read_bytes() for p in saved) == sorted(
        c.encode() for c in case.existing.values()
    )
    assert all(mode(p) == 0o600 for p in saved)
    assert mode(home / ".r9s" / "backup") == 0o700
    assert mode(home / ".r9s" / "backup" / case.tool) == 0o700
    assert "Undo with: r9s reset " + case.tool in err

    done = r9s(home, "reset", case.tool, "--yes")

    assert done.returncode == 0, done.stderr
    restored = {k: v for k, v in tree(home).items() if not k.startswith(".r9s")}
    assert restored == original
    for relative in case.existing:
        assert mode(home / relative) == 0o644


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_set_into_empty_home_then_reset_leaves_nothing_behind(home: Path, case: Case) -> None:
    code, _, err = set_tool(home, case)

    assert code == 0, err
    for relative, expected in case.fresh.items():
        assert (home / relative).read_text() == fill(expected)
        if relative in case.key_files:
            assert mode(home / relative) == 0o600
        assert mode((home / relative).parent) == 0o700
    assert backups(home, case) == []  # nothing existed, so nothing to copy
    manifest = json.loads((home / ".r9s/backup" / case.tool / "manifest.json").read_text())
    assert [f["existed"] for f in manifest["operations"][0]["files"]] == [False] * len(case.fresh)

    done = r9s(home, "reset", case.tool, "--yes")

    assert done.returncode == 0, done.stderr
    left = sorted(p.name for p in home.iterdir())
    assert left == [".r9s"], "the files and the folders set created are gone"


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_malformed_file_is_refused_untouched_and_force_backs_it_up(home: Path, case: Case) -> None:
    write(home, {**case.existing, **{p: c for p, (c, _) in case.malformed.items()}})
    before = tree(home)
    (relative, (content, line)) = next(iter(case.malformed.items()))

    code, out, err = set_tool(home, case)

    assert code == 1
    assert f"~/{relative}:{line}:" in err
    assert "--force" in err
    assert err.count("\n") == 1, "one line, no traceback"
    assert tree(home) == before
    assert not (home / ".r9s" / "backup" / case.tool).exists()

    code, _, err = set_tool(home, case, "--force")

    assert code == 0, err
    assert content.encode() in [p.read_bytes() for p in backups(home, case)]
    assert (home / relative).read_text() != content
    done = r9s(home, "reset", case.tool, "--yes")
    assert done.returncode == 0
    assert (home / relative).read_text() == content


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_dry_run_prints_the_diff_with_the_key_masked_and_writes_nothing(
    home: Path, case: Case
) -> None:
    write(home, case.existing)
    before = tree(home)

    code, out, err = set_tool(home, case, "--dry-run")

    assert code == 0, err
    assert tree(home) == before
    assert not (home / ".r9s").exists()
    assert out.startswith("--- ~/")
    assert "sk-...cdef" in out
    assert KEY not in out + err
    assert "dry run: nothing was written" in err


def test_an_env_file_keeps_its_crlf_line_endings(home: Path) -> None:
    dotenv = home / ".gemini/.env"
    dotenv.parent.mkdir()
    dotenv.write_bytes(b"# mine\r\nOTHER=1\r\nGEMINI_API_KEY=old\r\n")

    code, _, err = set_tool(home, case_of("gemini-cli"))

    assert code == 0, err
    assert dotenv.read_bytes() == (
        f"# mine\r\nOTHER=1\r\nGEMINI_API_KEY={KEY}\r\nGOOGLE_GEMINI_BASE_URL={ROOT}\r\n".encode()
    )


@pytest.mark.parametrize(
    "layout",
    [
        'model_providers = { ollama = { name = "Ollama" } }\n',
        "model_providers = {}\n",
        'model_providers.ollama.name = "Ollama"\n',
        '[model_providers]\nr9s = { name = "old", env_key = "X" }\n',
    ],
    ids=["inline", "empty-inline", "dotted", "inline-ours"],
)
def test_codex_providers_written_inline_or_dotted_are_edited_in_place(
    home: Path, layout: str
) -> None:
    import tomllib

    config = home / ".codex/config.toml"
    config.parent.mkdir()
    config.write_text(f"# mine\n{layout}")

    code, _, err = set_tool(home, case_of("codex"))

    assert code == 0, err
    data = tomllib.loads(config.read_text())
    assert data["model"] == "gpt-4o" and data["model_provider"] == "r9s"
    assert data["model_providers"]["r9s"] == {
        "name": "r9s",
        "base_url": BASE,
        "wire_api": "responses",
        "experimental_bearer_token": KEY,
    }
    before = tomllib.loads(layout)["model_providers"]
    assert {k: v for k, v in data["model_providers"].items() if k != "r9s"} == {
        k: v for k, v in before.items() if k != "r9s"
    }
    assert config.read_text().startswith("# mine\n")
    assert r9s(home, "reset", "codex", "--yes").returncode == 0
    assert config.read_text() == f"# mine\n{layout}"


OLD_SECRETS = {
    ".claude/settings.json": (
        '{\n  "env": {\n    "ANTHROPIC_API_KEY": "sk-ant-OLDSECRET-1234567890",\n'
        '    "MY_TOKEN": "tok-OLDSECRET-abcdefgh"\n  }\n}\n'
    ),
    ".codex/config.toml": (
        'model = "old"\n\n[model_providers.r9s]\nname = "r9s"\n'
        'experimental_bearer_token = "sk-codex-OLDSECRET-0000"\n'
    ),
    ".qwen/settings.json": '{\n  "env": {\n    "R9S_API_KEY": "sk-qwen-OLDSECRET-00000"\n  }\n}\n',
    ".gemini/.env": (
        'GEMINI_API_KEY="sk-gem-OLDSECRET-000000"  # mine\nGOOGLE_API_KEY=g-OLDSECRET-1234\n'
    ),
    ".config/opencode/opencode.json": (
        '{"provider": {"openai": {"options": {"apiKey": "sk-openai-OLDSECRET-000"}},'
        ' "r9s": {"options": {"apiKey": "sk-r9s-OLDSECRET-00000"}}}}\n'
    ),
}


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_dry_runs_of_set_and_reset_mask_every_key_old_and_new(home: Path, case: Case) -> None:
    files = {p: c for p, c in OLD_SECRETS.items() if p in case.existing or p in case.fresh}
    write(home, files)

    code, out, err = set_tool(home, case, "--dry-run")

    assert code == 0, err
    assert out.startswith("--- ~/")
    assert "OLDSECRET" not in out + err and KEY not in out + err
    assert "sk-...cdef" in out

    assert set_tool(home, case)[0] == 0
    done = r9s(home, "reset", case.tool, "--dry-run")

    assert done.returncode == 0, done.stderr
    assert "+++ ~/" in done.stdout
    assert "OLDSECRET" not in done.stdout + done.stderr
    assert KEY not in done.stdout + done.stderr


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_set_again_makes_a_readable_key_file_private_even_when_nothing_else_changes(
    home: Path, case: Case
) -> None:
    assert set_tool(home, case)[0] == 0
    for relative in case.key_files:
        (home / relative).chmod(0o644)

    code, _, err = set_tool(home, case)

    assert code == 0, err
    assert "Already set" not in err
    assert "(permissions 644 -> 600)" in err
    for relative in case.key_files:
        assert mode(home / relative) == 0o600
    assert set_tool(home, case)[2].count("Already set: nothing to change.") == 1
    assert r9s(home, "reset", case.tool, "--yes").returncode == 0
    for relative in case.key_files:
        assert mode(home / relative) == 0o644, "reset restores the mode it replaced"
