"""Embeddings and engine embeddings against the local server, sync and async: inputs, and
base64 vectors decoded to the same floats."""

from __future__ import annotations

from typing import Any

import pytest

from r9s.testing import LocalServer
from tests.support.twins import Twin


@pytest.mark.parametrize(
    ("input_", "count"),
    [("hello", 1), (["a", "b", "c"], 3), ([1, 2, 3], 1), ([[1, 2], [3]], 2)],
    ids=["string", "strings", "tokens", "token-lists"],
)
def test_embeddings_inputs(r9s: Twin, input_: Any, count: int) -> None:
    response = r9s.embeddings.create(model="text-embedding-3-small", input=input_)
    assert len(response.vectors) == count
    assert all(len(vector) == 1536 for vector in response.vectors)


def test_base64_embeddings_decode_to_the_same_floats(r9s: Twin, server: LocalServer) -> None:
    params: dict[str, Any] = {
        "model": "text-embedding-3-small",
        "input": ["a", "b"],
        "dimensions": 64,
    }
    floats = r9s.embeddings.create(**params)
    decoded = r9s.embeddings.create(**params, encoding_format="base64")
    assert server.requests[-1].json["encoding_format"] == "base64"
    for got, want in zip(decoded.vectors, floats.vectors, strict=True):
        assert got == pytest.approx(want, rel=1e-6, abs=1e-7)
    raw = r9s.embeddings.create(**params, keep_base64=True)
    assert isinstance(raw.data[0].embedding, str)
    assert raw.data[0].floats() == decoded.vectors[0]


def test_engine_embeddings(r9s: Twin, server: LocalServer) -> None:
    response = r9s.engine_embeddings.create(
        model="text-embedding-3-small", input="hi", dimensions=8
    )
    assert server.requests[-1].path == "/v1/engines/text-embedding-3-small/embeddings"
    assert "model" not in server.requests[-1].json
    assert len(response.data[0].embedding) == 8
    raw = r9s.engine_embeddings.create(model="text-embedding-3-small", input="hi", keep_base64=True)
    assert isinstance(raw.data[0].embedding, str)
