"""The public surface: the pytest plugin's fixtures, imports that stay light."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import r9s.testing
from r9s.testing import LocalServer, RecordedRequest
from tests.server.conftest import http


def test_public_names() -> None:
    assert r9s.testing.__all__ == [
        "DEFAULT_MODELS",
        "FAULT_HEADER",
        "LocalServer",
        "RecordedRequest",
    ]


def test_r9s_server_fixture(r9s_server: LocalServer) -> None:
    response = http.get(r9s_server.url + "/models", headers={"authorization": "Bearer k"})
    assert response.status_code == 200
    (seen,) = r9s_server.requests
    assert isinstance(seen, RecordedRequest) and seen.api_key == "k"


def test_r9s_server_factory(r9s_server_factory: Callable[..., LocalServer]) -> None:
    strict = r9s_server_factory(api_key="sk-one", models=["only-model"])
    other = r9s_server_factory()
    assert strict.port != other.port
    listed = http.get(strict.url + "/models", headers={"x-api-key": "sk-one"}).json()
    assert [m["id"] for m in listed["data"]] == ["only-model"]


def test_import_is_standard_library_only() -> None:
    code = (
        "import r9s.testing, r9s.testing.server, sys, json; print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert not loaded & {"httpx", "pydantic", "rich", "prompt_toolkit", "tomlkit", "pytest"}


def test_recorded_request_to_dict_handles_binary_bodies() -> None:
    binary = RecordedRequest("POST", "/v1/x", body=b"\xff\x00", body_size=2)
    assert binary.to_dict()["body"] is None and binary.to_dict()["body_base64"] == "/wA="
