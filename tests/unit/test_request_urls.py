"""Request URLs: httpx clients get a parsed ``httpx.URL`` (cached), any other
``HttpClient`` the ``str`` its protocol promises; both give the same request."""

from __future__ import annotations

from typing import Any

import httpx

from r9s._pipeline import Endpoint, Pipeline, _parsed_url
from r9s.utils import RetryConfig

GET_MODEL: Endpoint[bytes, Any, Any] = Endpoint("GET", "/models/{model}")
CHAT: Endpoint[bytes, Any, Any] = Endpoint("POST", "/chat/completions")


class StrOnlyClient:
    """An ``HttpClient`` wrapper that only accepts string URLs."""

    def __init__(self) -> None:
        self.inner = httpx.Client()
        self.urls: list[object] = []

    def build_request(self, method: str, url: str, **kwargs: Any) -> httpx.Request:
        assert isinstance(url, str)
        self.urls.append(url)
        return self.inner.build_request(method, url, **kwargs)

    def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        raise AssertionError("not sent in this test")

    def close(self) -> None:
        self.inner.close()


def pipeline() -> Pipeline:
    return Pipeline(
        api_key="sk-test-0123456789abcdef",
        base_url="http://router.test/v1/",
        timeout=None,
        retries=RetryConfig(),
        logger=None,
    )


def test_httpx_and_other_clients_build_the_same_request() -> None:
    params = {"extra_query": {"a": "1 2"}, "http_headers": {"X-Trace": "t"}}
    other = StrOnlyClient()
    with httpx.Client() as client:
        for endpoint, path in ((GET_MODEL, {"model": "org/m 1"}), (CHAT, None)):
            ours = (
                pipeline()
                .prepare(client, endpoint, params, directives={"path": path} if path else None)
                .request
            )
            theirs = (
                pipeline()
                .prepare(other, endpoint, params, directives={"path": path} if path else None)
                .request
            )
            assert ours.url == theirs.url
            assert ours.method == theirs.method
            assert ours.headers == theirs.headers
            assert ours.content == theirs.content
    other.close()
    assert [str(url) for url in other.urls] == [
        "http://router.test/v1/models/org%2Fm%201",
        "http://router.test/v1/chat/completions",
    ]
    assert ours.url == httpx.URL("http://router.test/v1/chat/completions?a=1+2")


def test_parsed_urls_are_cached_and_not_changed_by_query_params() -> None:
    url = "http://router.test/v1/models"
    assert _parsed_url(url) is _parsed_url(url)
    with httpx.Client() as client:
        pipeline().prepare(client, Endpoint("GET", "/models"), {"extra_query": {"x": "1"}})
    assert _parsed_url(url) == httpx.URL(url)
