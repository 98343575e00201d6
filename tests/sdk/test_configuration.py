"""The client's configuration against the local server: the key, base URLs, headers,
logging, and what a request carries."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from r9s import R9S, errors
from r9s.testing import LocalServer
from tests.sdk.conftest import API_KEY, FAST_RETRY
from tests.support.twins import Twin

USER = {"role": "user", "content": "hi"}
UNKNOWN_PATH = {"X-R9S-Fault": "status=404;message=Unknown request URL: POST /v1/x."}


def test_models_list_and_retrieve(r9s: Twin, server: LocalServer) -> None:
    listed = r9s.models.list()
    assert "gpt-4o-mini" in [model.id for model in listed.data]
    one = r9s.models.retrieve(model="gpt-4o-mini")
    assert one.id == "gpt-4o-mini"
    first = server.requests[0]
    assert (first.method, first.path) == ("GET", "/v1/models")
    assert first.headers["authorization"] == f"Bearer {API_KEY}"
    assert first.headers["user-agent"].startswith("r9s-python/")
    assert server.requests[1].path == "/v1/models/gpt-4o-mini"


def test_unknown_model_is_not_found(r9s: Twin) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        r9s.models.retrieve(model="no-such-model", retries=None)
    assert "no-such-model" in caught.value.message


def test_model_names_with_slashes_are_one_path_segment(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client, pytest.raises(errors.NotFoundError):
        client.models.retrieve(model="org/model", retries=None)
    assert server.requests[-1].raw_path.endswith("/models/org%2Fmodel")


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
def test_base_url_from_the_environment_with_or_without_v1(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    monkeypatch.setenv("R9S_API_KEY", API_KEY)
    monkeypatch.setenv("R9S_BASE_URL", server.root_url + suffix)
    with R9S.from_env() as client:
        assert client.base_url == server.url
        assert client.models.list().data


def test_explicit_server_url_is_used_exactly(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.root_url, retry_config=None) as client:
        with pytest.raises(errors.NotFoundError):
            client.models.list()
    assert server.requests[-1].path == "/models"


def test_defaults_to_production_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("R9S_BASE_URL", raising=False)
    assert R9S(api_key=API_KEY).base_url == "https://api.r9s.ai/v1"


@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key_is_a_clear_error_before_any_request(
    monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    monkeypatch.delenv("R9S_API_KEY", raising=False)
    with pytest.raises(errors.ConfigurationError, match="R9S_API_KEY"):
        R9S(api_key=key)


def test_unsendable_key_is_refused_clearly() -> None:
    with pytest.raises(errors.R9SError, match="characters"):
        R9S(api_key="sk-ünïcode")


def test_callable_key_is_read_per_request(server: LocalServer) -> None:
    keys = iter(["sk-first-key-0000000000", "sk-second-key-000000000"])
    with R9S(api_key=lambda: next(keys), server_url=server.url) as client:
        client.models.list()
        client.models.list()
    assert [r.api_key for r in server.requests] == [
        "sk-first-key-0000000000",
        "sk-second-key-000000000",
    ]


def test_wrong_key_is_an_authentication_error() -> None:
    with LocalServer(api_key="sk-the-right-one-000000") as server:
        with R9S(api_key=API_KEY, server_url=server.url) as client:
            with pytest.raises(errors.AuthenticationError) as caught:
                client.models.list()
    assert caught.value.status_code == 401


def test_extra_headers_query_and_per_call_server_url(server: LocalServer, mode: str) -> None:
    with (
        LocalServer() as other,
        R9S(api_key=API_KEY, server_url=server.url, default_headers={"x-team": "t"}) as client,
    ):
        r9s = Twin(client, mode)
        r9s.models.list(
            http_headers={"x-a": "1"}, extra_headers={"x-b": "2"}, extra_query={"q": "z"}
        )
        r9s.models.list(server_url=other.url)
        assert len(other.requests) == 1
    seen = server.requests[0]
    assert (seen.headers["x-a"], seen.headers["x-b"], seen.query["q"]) == ("1", "2", "z")
    assert seen.headers["x-team"] == "t" and seen.headers["user-agent"].startswith("r9s-python/")


def test_debug_logger_gets_one_line_per_call_and_never_the_key(
    server: LocalServer, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    logger = logging.getLogger("r9s.test")
    server.inject("status=503", times=1)
    with caplog.at_level(logging.DEBUG, logger="r9s.test"):
        with R9S(api_key=API_KEY, server_url=server.url, debug_logger=logger) as client:
            Twin(client, mode).models.list()
    records = [r for r in caplog.records if r.name == "r9s.test"]
    lines = [r.getMessage() for r in records if r.levelno == logging.INFO]
    assert len(lines) == 2
    assert lines[0].startswith(f"GET {server.url}/models -> 503") and "retrying in" in lines[0]
    assert lines[1].startswith(f"GET {server.url}/models -> 200") and "attempt 2" in lines[1]
    details = [r.getMessage() for r in records if r.levelno == logging.DEBUG]
    assert any("'authorization': '****'" in line for line in details)  # headers, key masked
    assert all(API_KEY not in r.getMessage() for r in records)


def test_key_never_in_repr_or_errors(server: LocalServer) -> None:
    client = R9S(api_key=API_KEY, server_url=server.url, retry_config=None)
    assert API_KEY not in repr(client)
    server.inject("status=401", times=1)
    with pytest.raises(errors.AuthenticationError) as caught:
        client.models.list()
    for text in (str(caught.value), repr(caught.value), caught.value.body):
        assert API_KEY not in text
    client.close()


BAD_URLS = [
    "api.r9s.ai/v1",  # no scheme
    "localhost:8000/v1",  # "localhost" read as the scheme
    "ftp://api.r9s.ai/v1",
    "http:///v1",  # no host
    "http://:8080/v1",
    " https://api.r9s.ai/v1",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_server_url_is_a_configuration_error_at_once(url: str) -> None:
    with pytest.raises(errors.ConfigurationError, match="server_url") as caught:
        R9S(api_key=API_KEY, server_url=url)
    assert repr(url) in str(caught.value)


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_per_call_server_url_is_refused_before_sending(
    r9s: Twin, server: LocalServer, url: str
) -> None:
    started = time.monotonic()
    with pytest.raises(errors.ConfigurationError, match="server_url"):
        r9s.models.list(server_url=url)
    assert time.monotonic() - started < 1  # no backoff: nothing was sent
    assert server.requests == []


@pytest.mark.parametrize("suffix", ["", "/v1", "/api/openai/v1/", "/proxy/v1"])
def test_good_server_urls_keep_their_path(server: LocalServer, suffix: str) -> None:
    client = R9S(api_key=API_KEY, server_url=server.root_url + suffix)
    assert client.base_url == (server.root_url + suffix).rstrip("/")
    client.close()


def test_the_missing_key_error_says_r9s_login_is_for_the_cli(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("R9S_API_KEY", raising=False)
    with pytest.raises(errors.ConfigurationError) as caught:
        R9S()
    assert "api_key=" in str(caught.value) and "R9S_API_KEY" in str(caught.value)
    assert "`r9s login` stores is for the r9s command only" in str(caught.value)


# -- a base URL without /v1 -------------------------------------------------------------


def test_a_404_from_a_base_url_without_v1_says_it_is_used_as_given(r9s: Twin) -> None:
    server_url = r9s.base_url.removesuffix("/v1")
    with R9S(api_key=API_KEY, server_url=server_url, retry_config=None) as client:
        with pytest.raises(errors.NotFoundError) as caught:
            Twin(client, r9s.mode).chat.create(model="gpt-4o-mini", messages=[USER])
    message = str(caught.value)
    assert f"the base URL {server_url} is used as given and has no /v1" in message
    assert f"did you mean server_url='{server_url}/v1'?" in message


def test_no_hint_for_a_base_url_with_v1_or_a_model_not_found(r9s: Twin) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        r9s.chat.create(model="gpt-4o-mini", messages=[USER], http_headers=UNKNOWN_PATH)
    assert caught.value.message == "Unknown request URL: POST /v1/x."  # the URL has /v1
    server_url = r9s.base_url.removesuffix("/v1")
    with R9S(api_key=API_KEY, server_url=server_url + "/v1", retry_config=None) as client:
        with pytest.raises(errors.NotFoundError) as missing_model:
            Twin(client, r9s.mode).models.retrieve(model="no-such-model")
    assert "used as given" not in str(missing_model.value)


# -- copies with other options ----------------------------------------------------------


def test_with_options_makes_a_copy_that_shares_the_connections(
    server: LocalServer, mode: str
) -> None:
    with R9S(api_key=API_KEY, server_url=server.url, retry_config=None) as client:
        copy = client.with_options(retries=FAST_RETRY, headers={"x-team": "search"})
        r9s, original = Twin(copy, mode), Twin(client, mode)
        server.inject("status=503", times=1)
        assert r9s.models.list().data  # the copy retries
        sent = server.requests[-1].headers
        assert sent["x-team"] == "search" and sent["user-agent"].startswith("r9s-python/")
        server.inject("status=503", times=1)
        with pytest.raises(errors.ServiceUnavailableError):  # the original does not
            original.models.list()
        assert "x-team" not in server.requests[-1].headers
        slow = client.with_options(timeout=0.3)
        with pytest.raises(errors.APITimeoutError):
            Twin(slow, mode).models.list(http_headers={"X-R9S-Fault": "delay=3"})
        assert copy.http_client is client.http_client  # one connection pool
        copy.close()  # closes nothing: the connections are the original's
        assert original.models.list().data
        assert client.with_options(server_url=server.url + "/v1x").base_url.endswith("/v1x")
        http = client.http_client
    assert isinstance(http, httpx.Client) and http.is_closed


@pytest.mark.usefixtures("async_transport")
def test_a_copy_shares_the_async_client_of_each_loop(server: LocalServer) -> None:
    async def run() -> bool:
        async with R9S(api_key=API_KEY, server_url=server.url) as client:
            copy = client.with_options(headers={"x-team": "a"})
            await copy.models.list_async()
            return copy.async_http_client is client.async_http_client

    assert asyncio.run(run())


def test_with_options_checks_what_it_is_given(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        with pytest.raises(errors.ConfigurationError, match="server_url"):
            client.with_options(server_url="api.r9s.ai/v1")
        with pytest.raises(errors.ConfigurationError, match="timeout"):
            client.with_options(timeout="5")  # type: ignore[arg-type]
        with pytest.raises(errors.ConfigurationError, match="API key"):
            client.with_options(api_key="sk bad key")


# -- R9S_LOG --------------------------------------------------------------------------------

LOGGED = """
from r9s import R9S
with R9S() as r9s:
    r9s.models.list()
"""


def run_logged(server: LocalServer, tmp_path: Path, level: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "R9S_API_KEY": API_KEY,
        "R9S_BASE_URL": server.url,
        "R9S_LOG": level,
    }
    return subprocess.run(
        [sys.executable, "-c", LOGGED], env=env, capture_output=True, text=True, timeout=60
    )


def test_r9s_log_info_logs_each_exchange_to_stderr(server: LocalServer, tmp_path: Path) -> None:
    done = run_logged(server, tmp_path, "info")
    assert done.returncode == 0, done.stderr
    assert f"r9s INFO GET {server.url}/models -> 200 in " in done.stderr
    assert "request headers" not in done.stderr and API_KEY not in done.stderr


def test_r9s_log_debug_adds_the_headers_with_the_key_masked(
    server: LocalServer, tmp_path: Path
) -> None:
    done = run_logged(server, tmp_path, "DEBUG")
    assert done.returncode == 0, done.stderr
    assert "r9s DEBUG request headers: " in done.stderr
    assert "'authorization': '****'" in done.stderr and "response headers" in done.stderr
    assert API_KEY not in done.stderr


def test_r9s_log_off_or_wrong(server: LocalServer, tmp_path: Path) -> None:
    quiet = run_logged(server, tmp_path, "off")
    assert quiet.returncode == 0 and quiet.stderr == ""
    wrong = run_logged(server, tmp_path, "verbose")
    assert wrong.returncode == 1
    assert "R9S_LOG must be one of debug, info, warning, error (or unset), not 'verbose'" in (
        wrong.stderr
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_proxy_environment_variables_are_honoured(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    # The local server answers what a client sends a proxy (an absolute URL as target):
    # a host that does not exist is reached through it, unless NO_PROXY names that host.
    for name in ("ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.root_url)
    monkeypatch.setenv("NO_PROXY", "direct.invalid")

    def models(host: str) -> int:
        client = R9S(api_key=API_KEY, server_url=f"http://{host}/v1", retry_config=None)
        with client:
            if mode == "sync":
                return len(client.models.list().data)
            return len(asyncio.run(client.models.list_async()).data)

    assert models("api.r9s.invalid") > 0
    assert server.requests[-1].headers["host"] == "api.r9s.invalid"
    with pytest.raises(errors.APIConnectionError):
        models("direct.invalid")  # not proxied: its name does not resolve
    assert len(server.requests) == 1
