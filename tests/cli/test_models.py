"""``r9s models``: -d, the router's --expand and --filter rules, and ``models show``."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S, r9s, user_env
from tests.support.pty import run_on_terminal


def env(server: LocalServer) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY}


def listing_queries(server: LocalServer) -> list[dict[str, str]]:
    return [r.query for r in server.requests if r.path == "/v1/models"]


def test_details_is_a_table_of_what_the_router_adds(home: Path, api: LocalServer) -> None:
    done = r9s(home, "models", "-d", env=env(api))

    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == [
        "id",
        "owner",
        "created",
        "context",
        "length",
        "modality",
        "endpoints",
    ]
    claude = next(row for row in rows if row.startswith("claude-sonnet-4-5 "))
    assert "200,000" in claude and "text+image->text" in claude
    assert "chat/completions, messages" in claude
    assert listing_queries(api)[-1] == {"expand": "context_length,modality,endpoints"}


def test_expand_and_filter_rules_go_to_the_router(home: Path, api: LocalServer) -> None:
    # only the router can apply these rules: the CLI sends them, it does not apply them
    long = r9s(home, "models", "--filter", "context_length>=150000", env=env(api))
    assert long.stdout.split() == ["claude-haiku-4-5", "claude-sonnet-4-5", "gemini-2.5-flash"]
    assert listing_queries(api)[-1] == {"filter": "context_length>=150000"}

    done = r9s(
        home,
        "models",
        "--expand",
        "channels",
        "--filter",
        "channel=*openai*",
        "--filter",
        "context_length>=100000",
        "--filter",
        "mini",
        env=env(api),
    )
    assert done.returncode == 0, done.stderr
    # both rules at the router, the bare word on the ids here; the expanded column shown
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["id", "owner", "created", "channels"]
    assert [row.split() for row in rows] == [["gpt-4o-mini", "openai", "2023-11-14", "openai-main"]]
    as_json = r9s(home, "models", "--filter", "endpoints=*messages*", "--json", env=env(api))
    ids = [m["id"] for m in json.loads(as_json.stdout)["data"]]
    assert ids == ["claude-haiku-4-5", "claude-sonnet-4-5"]


def test_a_bad_rule_is_the_routers_error(home: Path, api: LocalServer) -> None:
    done = r9s(home, "models", "--filter", "colour=blue", env=env(api))
    assert done.returncode == 1
    assert done.stderr.startswith("r9s: error: 400 Bad Request: Unknown filter field 'colour'")


def test_show_lists_the_details_and_the_options_the_model_takes(
    home: Path, api: LocalServer
) -> None:
    done = r9s(home, "models", "show", "claude-sonnet-4-5", env=env(api))

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["id", "claude-sonnet-4-5"]
    assert "context length  200,000" in done.stdout
    takes = lines[lines.index("r9s chat -o keys it takes (as the router lists them):") + 1]
    assert takes.split(", ") == [
        "  temperature",
        "top_p",
        "top_k",
        "max_tokens",
        "stop",
        "reasoning_effort",
        "thinking_budget",
    ]

    as_json = json.loads(r9s(home, "models", "show", "gpt-4o-mini", "--json", env=env(api)).stdout)
    assert as_json["supported_parameters"][:2] == ["temperature", "top_p"]

    missing = r9s(home, "models", "show", "gpt4o", env=env(api))
    assert missing.returncode == 2
    assert missing.stderr == (
        "r9s: error: model 'gpt4o' not found; did you mean: gpt-4o, gpt-4o-mini? "
        "(`r9s models` lists them all)\n"
    )


def test_show_a_model_that_takes_no_option(home: Path, api: LocalServer) -> None:
    done = r9s(home, "models", "show", "whisper-1", env=env(api))
    assert done.returncode == 0, done.stderr
    assert "endpoints       audio/transcriptions, audio/translations" in done.stdout
    assert "r9s chat -o keys it takes (as the router lists them):\n  none" in done.stdout


def test_show_when_the_router_lists_no_parameters() -> None:
    from r9s.cli.commands.models import describe
    from r9s.cli.common.api import ModelInfo

    lines = describe(ModelInfo("m-1", "acme", None, 1_700_000_000, {"modality": "text->text"}))
    assert lines[:4] == ["id        m-1", "owner     acme", "created   2023-11-14",
                         "modality  text->text"]  # fmt: skip
    assert lines[5] == "The router does not say which parameters this model takes; -o takes:"
    assert "  temperature          float    randomness" in lines[6]


def test_a_terminal_gets_the_table_and_the_count(home: Path, api: LocalServer) -> None:
    environment = user_env(home, {**env(api), "TERM": "xterm-256color", "NO_COLOR": "1"})
    command = " ".join(shlex.quote(part) for part in [*R9S, "models", "-d"])
    status, text = run_on_terminal(command, cwd=home, env=environment, size=(200, 40))
    assert status == 0, text
    assert "context length" in text and "8 models" in text
