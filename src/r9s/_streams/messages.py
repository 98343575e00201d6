"""Anthropic Messages streams: events to an ``AnthropicMessage``.

The accumulator follows the event order Anthropic documents: ``message_start`` carries
the id, model and input usage; blocks start, receive deltas and stop by ``index`` (so
text and tool_use blocks may interleave); ``message_delta`` carries the stop reason and
the output usage; ``message_stop`` ends the stream. Per event it only appends to lists;
strings are joined and tool input JSON is parsed once, when the result is asked for.
"""

from __future__ import annotations

import json
from typing import Any

from r9s import errors
from r9s._streaming import AsyncEventStream, EventStream, StreamSpec
from r9s.models.messages import (
    MESSAGE_STREAM_EVENT,
    AnthropicMessage,
    AnthropicUsage,
    ContentBlock,
    ContentBlockDeltaEvent,
    MessageDeltaUsage,
    MessageStreamEvent,
    RedactedThinkingBlock,
    TextBlock,
    TextDelta,
    ThinkingBlock,
    ToolUseBlock,
)


class _Block:
    """One content block being streamed: its start, and the pieces of each field."""

    __slots__ = ("start", "parts", "signature", "json", "citations", "stopped")

    def __init__(self, start: ContentBlock) -> None:
        self.start = start
        self.parts: list[str] = []
        self.signature: list[str] = []
        self.json: list[str] = []
        self.citations: list[Any] = []
        self.stopped = False


_STARTS: dict[str, type[TextBlock | ThinkingBlock | ToolUseBlock]] = {
    "text_delta": TextBlock,
    "thinking_delta": ThinkingBlock,
    "signature_delta": ThinkingBlock,
    "input_json_delta": ToolUseBlock,
    "citations_delta": TextBlock,
}


class MessageAccumulator:
    """Folds message stream events into the message they describe."""

    __slots__ = ("_message", "_blocks", "_stop_reason", "_stop_sequence", "_usage")

    def __init__(self) -> None:
        self._message: AnthropicMessage | None = None
        self._blocks: dict[int, _Block] = {}
        self._stop_reason: str | None = None
        self._stop_sequence: str | None = None
        self._usage: MessageDeltaUsage | None = None

    def add(self, event: MessageStreamEvent) -> None:
        kind = event.type
        if kind == "content_block_delta":
            assert isinstance(event, ContentBlockDeltaEvent)
            delta: Any = event.delta
            kind = delta.type
            block = self._blocks.get(event.index)
            if block is None:  # a delta without its start: infer the block from it
                block = self._blocks[event.index] = _Block(_STARTS.get(kind, TextBlock)())
            if kind == "text_delta":
                block.parts.append(delta.text)
            elif kind == "input_json_delta":
                block.json.append(delta.partial_json)
            elif kind == "thinking_delta":
                block.parts.append(delta.thinking)
            elif kind == "signature_delta":
                block.signature.append(delta.signature)
            elif kind == "citations_delta":
                block.citations.append(delta.citation)
            return
        ev: Any = event
        if kind == "content_block_start":
            self._blocks[ev.index] = _Block(ev.content_block)
        elif kind == "content_block_stop":
            block = self._blocks.get(ev.index)
            if block is not None:
                block.stopped = True
        elif kind == "message_start":
            self._message = ev.message
        elif kind == "message_delta":
            delta = ev.delta
            if delta.stop_reason is not None:
                self._stop_reason = delta.stop_reason
            if delta.stop_sequence is not None:
                self._stop_sequence = delta.stop_sequence
            self._usage = ev.usage

    def result(self) -> AnthropicMessage:
        """The message so far: complete once the stream has ended."""
        message = self._message or AnthropicMessage()
        update: dict[str, Any] = {"usage": self._merged_usage(message.usage)}
        if self._blocks:
            update["content"] = [
                _finish(index, self._blocks[index]) for index in sorted(self._blocks)
            ]
        if self._stop_reason is not None:
            update["stop_reason"] = self._stop_reason
        if self._stop_sequence is not None:
            update["stop_sequence"] = self._stop_sequence
        return message.model_copy(update=update)

    def text(self) -> str:
        """The text blocks joined, in block order."""
        return "".join(
            block.start.text + "".join(block.parts)
            for _, block in sorted(self._blocks.items())
            if isinstance(block.start, TextBlock)
        )

    def _merged_usage(self, start: AnthropicUsage) -> AnthropicUsage:
        """Input counts from ``message_start``, output (and any newer cumulative input
        counts) from the last ``message_delta``."""
        delta = self._usage
        if delta is None:
            return start
        update: dict[str, Any] = {"output_tokens": delta.output_tokens}
        for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
            value = getattr(delta, name)
            if value is not None:
                update[name] = value
        return start.model_copy(update=update)


def _finish(index: int, block: _Block) -> ContentBlock:
    start = block.start
    update: dict[str, Any] = {}
    if isinstance(start, TextBlock):
        if block.parts:
            update["text"] = start.text + "".join(block.parts)
        if block.citations:
            update["citations"] = [*(start.citations or ()), *block.citations]
    elif isinstance(start, ThinkingBlock):
        if block.parts:
            update["thinking"] = start.thinking + "".join(block.parts)
        if block.signature:
            update["signature"] = "".join(block.signature)
    elif isinstance(start, RedactedThinkingBlock):
        return start
    if block.json:
        update["input"] = _input(index, block)
    elif isinstance(start, ToolUseBlock) and not start.input:
        update["input"] = {}
    return start.model_copy(update=update) if update else start


def _input(index: int, block: _Block) -> Any:
    """A tool call's input: the ``input_json_delta`` pieces joined and parsed (an empty
    input is ``{}``). Malformed JSON in a finished block is an error; in a block still
    streaming it is just incomplete, and ``{}`` stands in for it."""
    raw = "".join(block.json)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        if not block.stopped:
            return {}
        name = getattr(block.start, "name", None) or block.start.type
        raise errors.ResponseValidationError(
            f"the input of tool call {name!r} (block {index}) is not valid JSON: {raw[:200]!r}",
            body=raw,
            cause=exc,
        ) from exc


def _text(event: MessageStreamEvent) -> str | None:
    if isinstance(event, ContentBlockDeltaEvent) and isinstance(event.delta, TextDelta):
        return event.delta.text
    return None


class MessageStream(EventStream[MessageStreamEvent, AnthropicMessage]):
    """The events of ``messages.create(stream=True)``.

    Iterate it for typed events, or use ``text_stream`` for text deltas only;
    ``get_final_message()`` reads to the end and returns the whole message (text,
    thinking with its signature, tool calls with their input parsed, stop reason,
    usage); ``get_final_text()`` returns its text.
    """

    def get_final_message(self) -> AnthropicMessage:
        """Read the stream to its end and return the accumulated message."""
        return self.get_final()

    @property
    def current_message_snapshot(self) -> AnthropicMessage:
        """The message as accumulated so far (tool input is ``{}`` until complete)."""
        return self._accumulator().result()


class AsyncMessageStream(AsyncEventStream[MessageStreamEvent, AnthropicMessage]):
    """The async twin of ``MessageStream``."""

    async def get_final_message(self) -> AnthropicMessage:
        """Read the stream to its end and return the accumulated message."""
        return await self.get_final()

    @property
    def current_message_snapshot(self) -> AnthropicMessage:
        """The message as accumulated so far (tool input is ``{}`` until complete)."""
        return self._accumulator().result()


SPEC: StreamSpec[MessageStreamEvent, AnthropicMessage] = StreamSpec(
    decode=MESSAGE_STREAM_EVENT.validate_python,
    done_data="[DONE]",  # Anthropic sends none; accepted from routers that add one
    terminal_types=frozenset({"message_stop"}),
    skip_types=frozenset({"ping"}),
    accumulator=MessageAccumulator,
    fold_later=True,
    text=_text,
    name="message stream",
)
