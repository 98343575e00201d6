"""Streams whose spec says ``fold_later`` keep their events' text and fold the items
into the result only when it is first asked for: the result must be the same whenever
that is (before the first event, in the middle, after the end), and a reader that never
asks must not pay for the accumulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from r9s._streaming import EventDecoder, StreamSpec
from r9s._streams import chat, completions, messages, responses

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

CASES = [
    (chat.CHAT_STREAM, "text/chat_stream_openai_text.sse"),
    (chat.CHAT_STREAM, "text/chat_stream_parallel_tools.sse"),
    (chat.CHAT_STREAM, "text/chat_stream_n2.sse"),
    (chat.CHAT_STREAM, "text/chat_stream_vendor_reasoning.sse"),
    (completions.COMPLETION_STREAM, "text/completions_stream.sse"),
    (messages.SPEC, "anthropic/stream_thinking_tools.sse"),
    (messages.SPEC, "anthropic/stream_interleaved.sse"),
    (responses.SPEC, "responses/stream_function_call.sse"),
    (responses.SPEC, "responses/stream_reasoning_web_search_text.sse"),
]


def decode(spec: StreamSpec[Any, Any], raw: bytes, ask_after: int | None) -> tuple[list[Any], Any]:
    """Feed ``raw`` 97 bytes at a time; ask for the accumulator once ``ask_after`` items
    came (``None``: only at the end); the items and the final result."""
    decoder: EventDecoder[Any, Any] = EventDecoder(spec, httpx.Response(200))
    items: list[Any] = []
    snapshot = None
    for start in range(0, len(raw), 97):
        if ask_after is not None and snapshot is None and len(items) >= ask_after:
            assert decoder.accumulator is not None
            snapshot = decoder.accumulator
        items.extend(decoder.take(raw[start : start + 97]))
    items.extend(decoder.finish())
    assert decoder.accumulator is not None
    assert snapshot is None or snapshot is decoder.accumulator
    return items, decoder.accumulator.result()


@pytest.mark.parametrize(("spec", "name"), CASES, ids=[name for _, name in CASES])
def test_the_result_is_the_same_whenever_it_is_first_asked_for(
    spec: StreamSpec[Any, Any], name: str
) -> None:
    assert spec.fold_later
    raw = (FIXTURES / name).read_bytes()
    items, at_end = decode(spec, raw, None)
    assert len(items) > 3
    for ask_after in (0, 1, len(items) // 2, len(items) - 1):
        again, result = decode(spec, raw, ask_after)
        assert again == items
        assert result.model_dump() == at_end.model_dump(), ask_after


def test_a_reader_that_never_asks_does_not_run_the_accumulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    added: list[Any] = []
    original = chat.ChatCompletionAccumulator.add

    def add(self: chat.ChatCompletionAccumulator, chunk: Any) -> None:
        added.append(chunk)
        original(self, chunk)

    monkeypatch.setattr(chat.ChatCompletionAccumulator, "add", add)
    raw = (FIXTURES / "text/chat_stream_openai_text.sse").read_bytes()
    decoder: EventDecoder[Any, Any] = EventDecoder(chat.CHAT_STREAM, httpx.Response(200))
    items = [*decoder.take(raw), *decoder.finish()]
    assert items and added == []
    assert decoder.accumulator is not None
    assert len(added) == len(items)  # asked for: every item folded, once
    assert decoder.accumulator.result().choices[0].message.content
    assert len(added) == len(items)
