"""The runnable examples of the media docs pages (the Python blocks that build their own
client with ``R9S.from_env()``) run against the local server, so they cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY
from tests.sdk.test_text_docs import BLOCK, DOCS

PAGES = ("messages", "responses", "images", "audio")
BLOCKS = [
    (f"{page}-{index}", block)
    for page in PAGES
    for index, block in enumerate(
        b for b in BLOCK.findall((DOCS / f"{page}.md").read_text()) if "R9S.from_env()" in b
    )
]


def test_every_page_has_a_runnable_example() -> None:
    assert {name.rsplit("-", 1)[0] for name, _ in BLOCKS} == set(PAGES)


@pytest.mark.parametrize("code", [code for _, code in BLOCKS], ids=[name for name, _ in BLOCKS])
def test_doc_example_runs(code: str, server: LocalServer, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {**os.environ, "R9S_API_KEY": API_KEY, "R9S_BASE_URL": server.url}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
