"""What ``r9s set``/``reset`` make of unusual file contents, on real files, as a subprocess:
numbers, non-JSON input, deep nesting, .env lines, and the credentials in every diff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.tools.cases import ROOT
from tests.support.cli import KEY, r9s, tree

LLM_MODELS = ".config/io.datasette.llm/extra-openai-models.yaml"
SET = ("--yes", "--api-key", KEY, "--base-url", ROOT, "--model", "m", "--small-model", "s")


def write(home: Path, relative: str, content: str | bytes) -> Path:
    path = home / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def strict_json(text: str) -> Any:
    """``text`` parsed as JSON (any JSON value), refusing NaN and the infinities."""

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
    assert strict_json(text)["env"]["ANTHROPIC_AUTH_TOKEN"] == KEY
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
        ("aider", ".aider.conf.yml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("llm", LLM_MODELS, "".join(" " * n + "- a:\n" for n in range(0, 600, 2))),
    ],
    ids=[
        "json-arrays",
        "jsonc-objects",
        "toml-arrays",
        "toml-inline-tables",
        "yaml-flow",
        "yaml-blocks",
    ],  # fmt: skip
)
def test_deep_nesting_is_refused_as_too_deeply_nested_with_the_file_name(
    home: Path, tool: str, relative: str, content: str
) -> None:
    write(home, relative, content)
    before = tree(home)

    done = r9s(home, "set", tool, *(SET if tool == "claude" else SET[:-2]))

    assert done.returncode == 1, done.stderr
    line = 65 if tool == "llm" else 1  # the first collection past the limit
    assert f"~/{relative}:{line}: invalid" in done.stderr and "too deeply nested" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert tree(home) == before
    doctor = r9s(home, "doctor", "--no-check")
    assert doctor.returncode == 0, doctor.stderr
    assert "too deeply nested" in doctor.stdout and "Codex (codex)" in doctor.stdout


def test_yaml_aliases_that_expand_without_end_are_refused_at_once(home: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    write(home, ".aider.conf.yml", "\n".join(lines) + "\n")  # 9**10 values, expanded
    before = tree(home)

    done = r9s(home, "set", "aider", *SET[:-2], timeout=60)

    assert done.returncode == 1, done.stderr
    assert "~/.aider.conf.yml:6: invalid YAML: aliases expand to more than" in done.stderr
    assert tree(home) == before


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
    ".aider.conf.yml": (
        "openai-api-key: HUSH14-nnnnnnnnnnnnnnnn  # mine\n"
        "anthropic-api-key: 'HUSH15-oooooooooooooooo'\n"
        'set-env:\n  - GITHUB_TOKEN="HUSH16-pppppppppppppppp"\n'
        "  - 'AUTH=Authorization: Bearer HUSH17-qqqqqqqqqqqqqqqq'\n"
    ),
    ".config/io.datasette.llm/keys.json": (  # names that say nothing: every value is a key
        '{"openai": "HUSH18-rrrrrrrrrrrrrrrr", "claude": "HUSH19-ssssssssssssssss"}\n'
    ),
}


@pytest.mark.parametrize(
    ("tool", "relative"),
    [
        ("claude", ".claude/settings.json"),
        ("gemini", ".gemini/.env"),
        ("codex", ".codex/config.toml"),
        ("aider", ".aider.conf.yml"),
        ("llm", ".config/io.datasette.llm/keys.json"),
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
