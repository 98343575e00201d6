"""Prism (``@stoplight/prism-cli``), an independent mock server that validates every
request against the OpenAPI spec: our contract-test peer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.npm import npm_install
from tests.support.processes import free_port, serving

PRISM_VERSION = "5.16.0"


@contextmanager
def prism(spec: Path, log: Path | None = None) -> Iterator[str]:
    """Serve ``spec`` with Prism on 127.0.0.1; yields the base URL (paths at the root)."""
    folder = npm_install({"@stoplight/prism-cli": PRISM_VERSION})
    port = free_port()
    command = [str(folder / "node_modules/.bin/prism"), "mock", "-h", "127.0.0.1", "-p", str(port)]
    with serving([*command, str(spec)], port, log=log):
        yield f"http://127.0.0.1:{port}"


def with_canned_streams(spec: dict[str, Any], streams: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``spec`` whose ``text/event-stream`` responses are canned event streams.

    Prism cannot serve the spec's object-typed SSE bodies; a string schema whose only
    value is the stream makes it send that stream. ``streams`` maps an API path
    (``/chat/completions``) to the raw event-stream text.
    """
    import copy

    derived = copy.deepcopy(spec)
    for path, text in streams.items():
        for operation in derived["paths"][path].values():
            for response in operation.get("responses", {}).values():
                media = response.get("content", {}).get("text/event-stream")
                if media is not None:
                    media.clear()
                    media["schema"] = {"type": "string", "enum": [text]}
                    media["example"] = text
    return derived
