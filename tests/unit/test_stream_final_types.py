"""``StreamSpec.final_types``: events after which a stream may end, though more may follow."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from r9s import errors
from r9s._streaming import EventDecoder, StreamSpec

SPEC: StreamSpec[dict[str, Any], None] = StreamSpec(
    decode=lambda payload: payload, final_types=frozenset({"done.one"})
)
RESPONSE = httpx.Response(200, request=httpx.Request("POST", "http://test/x"))


def decode(body: bytes) -> list[dict[str, Any]]:
    decoder = EventDecoder(SPEC, RESPONSE)
    return decoder.feed(body) + decoder.finish()


def test_a_stream_may_end_after_a_final_event_and_keeps_reading_past_it() -> None:
    body = b'data: {"type":"done.one","n":1}\n\ndata: {"type":"done.one","n":2}\n\n'
    assert [item["n"] for item in decode(body)] == [1, 2]


def test_done_still_ends_it() -> None:
    assert decode(b'data: {"type":"x"}\n\ndata: [DONE]\n\n') == [{"type": "x"}]


def test_without_a_final_event_or_done_the_stream_is_incomplete() -> None:
    with pytest.raises(errors.IncompleteStreamError):
        decode(b'data: {"type":"x"}\n\n')
