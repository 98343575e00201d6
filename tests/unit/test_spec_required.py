"""Without the shared OpenAPI spec the contract tests skip on a developer's machine, but
fail in CI (``R9S_CI=1``, set by ``.ci/run``), saying where the spec was looked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import spec
from tests.support.npm import REPO


@pytest.fixture
def no_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    missing = tmp_path / "nowhere" / "r9s-openapi.yaml"
    monkeypatch.setattr(spec, "SPEC", missing)
    return missing


def test_a_missing_spec_skips_locally(no_spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("R9S_CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not at " + str(no_spec)):
        spec.spec_path()


def test_a_missing_spec_fails_in_ci(no_spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("R9S_CI", "1")
    with pytest.raises(pytest.fail.Exception, match="not at " + str(no_spec)):
        spec.spec_path()


def test_a_present_spec_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    present = tmp_path / "r9s-openapi.yaml"
    present.write_text("openapi: 3.1.0\n")
    monkeypatch.setattr(spec, "SPEC", present)
    monkeypatch.setenv("R9S_CI", "1")
    assert spec.spec_path() == present


def test_contract_tests_fail_in_ci_without_the_spec(tmp_path: Path) -> None:
    missing = tmp_path / "r9s-openapi.yaml"
    env = {**os.environ, "R9S_SPEC": str(missing), "R9S_CI": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
        + ["tests/contract/test_schemas_models.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "skipped" not in run.stdout.splitlines()[-1]
    assert f"the r9s OpenAPI spec is not at {missing}" in run.stdout
