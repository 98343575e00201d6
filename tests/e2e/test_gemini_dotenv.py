"""The ``.env`` r9s writes, read by the dotenv parser the installed Gemini CLI carries, and
by Gemini CLI itself: a key full of quotes and backslashes reaches the server unchanged."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from r9s.cli.common import dotenv
from r9s.testing import LocalServer
from tests.cli.common.test_dotenv import TRICKY
from tests.cli.tools.cases import PROMPT, case_of
from tests.e2e.conftest import run_tool
from tests.support.cli import r9s
from tests.support.dotenv_node import DOTENV_VERSION, NodeDotenv, bundled_parser

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def gemini_bundle(tools_bin: Path) -> Path:
    return tools_bin.parent / "@google" / "gemini-cli" / "bundle"


def test_the_installed_gemini_cli_bundles_the_dotenv_the_quick_tests_check(
    tools_bin: Path,
) -> None:
    version, source = bundled_parser(gemini_bundle(tools_bin))
    assert version == DOTENV_VERSION, "bump DOTENV_VERSION in tests/support/dotenv_node.py"
    rng = random.Random(17)
    with NodeDotenv(source) as gemini, NodeDotenv() as package:
        for _ in range(2000):
            text = "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 30)))
            assert dotenv.parse(text) == gemini.parse(text) == package.parse(text), repr(text)
            value = "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 12)))
            try:
                written = dotenv.edit(text, {"GEMINI_API_KEY": value})
            except dotenv.Unwritable:
                continue
            assert gemini.parse(written)["GEMINI_API_KEY"] == value, (text, value)


def test_gemini_cli_sends_a_key_full_of_quotes_exactly_as_set_wrote_it(
    tools_bin: Path, tmp_path: Path
) -> None:
    # single and double quotes, a backslash and a #: only backticks can enclose it
    key = "sk-r9s-\"quoted\"-'single'-back\\slash-#hash-$dollar"
    case = case_of("gemini-cli")
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    with LocalServer(api_key=key) as server:
        done = r9s(home, "set", "gemini", "--yes", "--api-key", key, "--base-url",
                   server.root_url, "--model", case.real.model)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert key not in done.stderr
        assert f"GEMINI_API_KEY=`{key}`" in (home / ".gemini/.env").read_text()

        finished = run_tool(
            ["gemini", "-p", PROMPT, "--skip-trust"],
            home=home,
            cwd=work,
            path=f"{tools_bin}:/usr/local/bin:/usr/bin:/bin",
        )

        assert finished.code == 0, finished.stderr[-3000:]
        assert "Echo:" in finished.stdout, finished.stdout[-3000:]
        assert {request.api_key for request in server.requests} == {key}
