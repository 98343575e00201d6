"""Every script in examples/ runs against the local server, so the examples cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.support.processes import run_python_against

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_runs(script: Path, server: LocalServer, tmp_path: Path) -> None:
    result = run_python_against(server.url, "sk-examples-0123456789", tmp_path, str(script))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()
    assert "Traceback" not in result.stderr
