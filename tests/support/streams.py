"""Decode a recorded event stream with a ``StreamSpec``, without a network."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from r9s._streaming import EventDecoder, StreamSpec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RESPONSE = httpx.Response(200, request=httpx.Request("POST", "http://fixture.test/"))


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def chunked(body: bytes, size: int | None) -> Iterable[bytes]:
    if size is None:
        return [body]
    return [body[i : i + size] for i in range(0, len(body), size)]


def decode_stream(
    spec: StreamSpec[Any, Any], body: bytes, *, chunk_size: int | None = None
) -> tuple[list[Any], EventDecoder[Any, Any]]:
    """Every item of ``body`` (fed ``chunk_size`` bytes at a time) and the decoder, whose
    ``accumulator`` holds the final result."""
    decoder: EventDecoder[Any, Any] = EventDecoder(spec, RESPONSE)
    items: list[Any] = []
    for piece in chunked(body, chunk_size):
        items.extend(decoder.feed(piece))
        if decoder.done:
            break
    items.extend(decoder.finish())
    return items, decoder
