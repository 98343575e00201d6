"""Run ``mypy --strict`` (the project's configuration) over code written as users write it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]


def mypy_on(tmp_path: Path, code: str, name: str = "users_code.py") -> tuple[Path, str, int]:
    """``(the file checked, mypy's report, its exit status)`` for ``code``."""
    source = tmp_path / name
    source.write_text(textwrap.dedent(code))
    out, err, status = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
            str(source),
        ]
    )
    return source, out + err, status
