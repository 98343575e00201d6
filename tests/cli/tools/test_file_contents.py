"""What ``r9s set``/``reset`` make of unusual file contents, on real files, as a subprocess:
numbers, non-JSON input, deep nesting, .env lines, and the credentials in every diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.tools.cases import ROOT
from tests.support.cli import KEY, r9s, tree

SET = ("--yes", "--api-key", KEY, "--base-url", ROOT, "--model", "m", "--small-model", "s")


def write(home: Path, relative: str, content: str | bytes) -> Path:
    path = home / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def strict_json(text: str) -> object:
    def refuse(name: str) -> object:
        raise ValueError(f"{name} in the file")

    return json.loads(text, parse_constant=refuse)


def test_json_keeps_numbers_as_written_and_1E400_never_becomes_infinity(home: Path) -> None:
    original = '{"big": 1E400, "price": 1.50, "tiny": 1e-400, "neg": -0.0, "n": 123456789012345678901234567890}\n'  # noqa: E501
    settings = write(home, ".claude/settings.json", original)

    done = r9s(home, "set", "claude", *SET)

    assert done.returncode == 0, done.stderr
    text = settings.read_text()
    for literal in ('"big": 1E400', '"price": 1.50', '"tiny": 1e-400', '"neg": -0.0',
                    '"n": 123456789012345678901234567890'):  # fmt: skip
        assert literal in text, text
    assert "Infinity" not in text
    assert strict_json(text)["env"]["ANTHROPIC_AUTH_TOKEN"] == KEY  # type: ignore[index]
    assert r9s(home, "reset", "claude", "--yes").returncode == 0
    assert settings.read_text() == original


@pytest.mark.parametrize(
    ("content", "line", "word"),
    [
        ('{\n  "a": 1,\n  "b": NaN\n}\n', 3, "NaN"),
        ('{\n  "a": -Infinity\n}\n', 2, "-Infinity"),
        ('{"a": Infinity}', 1, "Infinity"),
    ],
)
def test_json_refuses_nan_and_other_non_json_input(
    home: Path, content: str, line: int, word: str
) -> None:
    write(home, ".claude/settings.json", content)
    before = tree(home)

    done = r9s(home, "set", "claude", *SET)

    assert done.returncode == 1
    assert f"~/.claude/settings.json:{line}: invalid JSON: {word} is not a JSON value" in (
        done.stderr
    )
    assert "nothing was written" in done.stderr and done.stderr.count("\n") == 1
    assert tree(home) == before


@pytest.mark.parametrize(
    ("tool", "relative", "content"),
    [
        ("claude", ".claude/settings.json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("qwen", ".qwen/settings.json", '{"a": ' + '{"b": ' * 5_000 + "1" + "}" * 5_001),
        ("codex", ".codex/config.toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("codex", ".codex/config.toml", "a = " + "{b = " * 3_000 + "1" + "}" * 3_000 + "\n"),
    ],
    ids=["json-arrays", "jsonc-objects", "toml-arrays", "toml-inline-tables"],
)
def test_deep_nesting_is_refused_as_too_deeply_nested_with_the_file_name(
    home: Path, tool: str, relative: str, content: str
) -> None:
    write(home, relative, content)
    before = tree(home)

    done = r9s(home, "set", tool, *(SET if tool == "claude" else SET[:-2]))

    assert done.returncode == 1, done.stderr
    assert f"~/{relative}:1: invalid" in done.stderr and "too deeply nested" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert tree(home) == before
    doctor = r9s(home, "doctor", "--no-check")
    assert doctor.returncode == 0, doctor.stderr
    assert "too deeply nested" in doctor.stdout and "Codex (codex)" in doctor.stdout


def test_env_file_is_split_only_at_line_breaks(home: Path) -> None:
    # Bytes a splitlines() would have taken for line breaks (U+2028, U+0085, form feed,
    # \x1e) and a value quoted over two lines: all kept exactly.
    own = "A=one\u2028two\nB=x\x85y # c\x1e\nC=f\fg\nD='multi\nline'\nGEMINI_API_KEY=old\n"
    dotenv = write(home, ".gemini/.env", own)

    done = r9s(home, "set", "gemini", *SET[:-2])

    assert done.returncode == 0, done.stderr
    assert dotenv.read_text() == own.replace(
        "GEMINI_API_KEY=old\n", f"GEMINI_API_KEY={KEY}\nGOOGLE_GEMINI_BASE_URL={ROOT}\n"
    )
    assert r9s(home, "reset", "gemini", "--yes").returncode == 0
    assert dotenv.read_text() == own


SECRETS = {
    ".claude/settings.json": """{
  "env": {
    "GITHUB_TOKEN": "ghp-HUSH1-aaaaaaaaaaaaaaaa",
    "OPENAI_API_KEY": "sk-HUSH2-bbbbbbbbbbbbbbbb",
    "DB_PASSWORD": "pw-HUSH3-cccccccccccccccc",
    "CLIENT_SECRET": "cs-HUSH4-dddddddddddddddd",
    "PROXY": "http://alice:HUSH5-eeeeeeeeeeee@proxy.example:8080",
    "GIT_REMOTE": "https://HUSH6-ffffffffffffffff@github.com/o/r.git"
  },
  "mcpServers": {"x": {"headers": {"Authorization": "Bearer HUSH7-gggggggggggggggg"}}},
  "helper": ["curl", "-H", "Authorization: Bearer HUSH8-hhhhhhhhhhhhhhhh"]
}
""",
    ".gemini/.env": (
        "PRIVATE_KEY='-----BEGIN KEY-----\nHUSH9-iiiiiiiiiiiiiiii\n-----END KEY-----'\n"
        "SESSION_ID=HUSH10-jjjjjjjjjjjj\nDATABASE_URL=postgres://u:HUSH11-kkkkkk@db/x\n"
    ),
    ".codex/config.toml": (
        '[mcp_servers.x]\nenv = { API_TOKEN = "HUSH12-llllllllllllllll" }\n'
        'bearer_token = """HUSH13-mmmmmmmmmmmmmmmm"""\n'
    ),
}


@pytest.mark.parametrize(
    ("tool", "relative"),
    [
        ("claude", ".claude/settings.json"),
        ("gemini", ".gemini/.env"),
        ("codex", ".codex/config.toml"),
    ],
)
def test_dry_run_and_reset_diffs_mask_every_credential(
    home: Path, tool: str, relative: str
) -> None:
    write(home, relative, SECRETS[relative])
    flags = SET if tool == "claude" else SET[:-2]

    dry = r9s(home, "set", tool, *flags, "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert "HUSH" not in dry.stdout + dry.stderr and KEY not in dry.stdout + dry.stderr
    assert dry.stdout.count("\n") > 3, "a diff is shown, context included"
    assert r9s(home, "set", tool, *flags).returncode == 0
    (home / relative).write_text((home / relative).read_text() + "\n")  # a change after set
    reset = r9s(home, "reset", tool, "--dry-run")
    assert reset.returncode == 0, reset.stderr
    assert "changed after r9s wrote it" in reset.stderr
    assert "HUSH" not in reset.stdout + reset.stderr and KEY not in reset.stdout + reset.stderr
