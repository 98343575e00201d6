"""The recorded-style payloads of the text operations (tests/fixtures/text) and how to
replay an event stream through the SDK's decoder without a server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from r9s._streaming import EventDecoder, StreamSpec

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "text"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def replay(
    spec: StreamSpec[Any, Any], raw: bytes, *, step: int | None = None
) -> tuple[list[Any], Any]:
    """Decode ``raw`` event-stream bytes fed ``step`` bytes at a time (all at once by
    default): the items and the accumulated final result."""
    decoder: EventDecoder[Any, Any] = EventDecoder(spec, httpx.Response(200))
    items: list[Any] = []
    size = step or len(raw) or 1
    for start in range(0, len(raw), size):
        items.extend(decoder.feed(raw[start : start + size]))
        if decoder.done:
            break
    items.extend(decoder.finish())
    assert decoder.accumulator is not None
    return items, decoder.accumulator.result()


def assert_subset(expected: Any, actual: Any, where: str = "$") -> None:
    """Every key and value of ``expected`` is in ``actual`` (lists: same length, item by
    item); ``actual`` may hold more keys."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} is missing from {sorted(actual)}"
            assert_subset(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        assert len(actual) == len(expected), f"{where}: {len(actual)} items, not {len(expected)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_subset(want, got, f"{where}[{index}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
