"""Responses API streams: events to a ``Response``.

The final response is the one ``response.completed`` (or ``.failed``/``.incomplete``)
carries. Should a server leave it out, or send it without ``output``, the accumulator
assembles the output from the item events: ``output_item.added``/``.done``, content
parts, text deltas, function-call argument deltas and reasoning summary deltas, by
``output_index``. Per event it only appends to lists.
"""

from __future__ import annotations

from typing import Any

from r9s._streaming import AsyncEventStream, EventStream, StreamSpec
from r9s.models.responses import (
    Response,
    ResponseFunctionToolCall,
    ResponseOutputContent,
    ResponseOutputItem,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseReasoningItem,
    ResponseReasoningSummary,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    decode_event,
)

_STATES = frozenset({"response.created", "response.in_progress", "response.queued"})
_TERMINALS = frozenset({"response.completed", "response.failed", "response.incomplete"})


class _Item:
    """One output item being streamed."""

    __slots__ = ("start", "done", "part_starts", "parts", "texts", "args", "arguments", "summary")

    def __init__(self, start: ResponseOutputItem) -> None:
        self.start = start
        self.done: ResponseOutputItem | None = None
        self.part_starts: dict[int, ResponseOutputContent] = {}
        self.parts: dict[int, list[str]] = {}
        self.texts: dict[int, str] = {}  # from output_text.done: authoritative
        self.args: list[str] = []
        self.arguments: str | None = None  # from function_call_arguments.done
        self.summary: dict[int, list[str]] = {}

    def assemble(self) -> ResponseOutputItem:
        if self.done is not None:
            return self.done
        start = self.start
        if isinstance(start, ResponseOutputMessage):
            content: list[ResponseOutputContent] = []
            for index in sorted(self.part_starts.keys() | self.parts.keys() | self.texts.keys()):
                part = self.part_starts.get(index) or ResponseOutputText()
                if isinstance(part, ResponseOutputText):
                    text = self.texts.get(index)
                    if text is None:
                        text = part.text + "".join(self.parts.get(index, ()))
                    part = part.model_copy(update={"text": text})
                content.append(part)
            return start.model_copy(update={"content": content}) if content else start
        if isinstance(start, ResponseFunctionToolCall):
            arguments = self.arguments
            if arguments is None:
                arguments = start.arguments + "".join(self.args)
            return start.model_copy(update={"arguments": arguments})
        if isinstance(start, ResponseReasoningItem) and self.summary:
            summary = [
                ResponseReasoningSummary(type="summary_text", text="".join(self.summary[index]))
                for index in sorted(self.summary)
            ]
            return start.model_copy(update={"summary": summary})
        return start


class ResponseAccumulator:
    """Folds Responses stream events into the final ``Response``."""

    __slots__ = ("_snapshot", "_final", "_items", "_text")

    def __init__(self) -> None:
        self._snapshot: Response | None = None
        self._final: Response | None = None
        self._items: dict[int, _Item] = {}
        self._text: list[str] = []

    def _item(self, index: int) -> _Item:
        item = self._items.get(index)
        if item is None:
            item = self._items[index] = _Item(ResponseOutputMessage())
        return item

    def add(self, event: ResponseStreamEvent) -> None:
        kind = event.type
        ev: Any = event
        if kind == "response.output_text.delta" or kind == "response.text.delta":
            self._item(ev.output_index).parts.setdefault(ev.content_index, []).append(ev.delta)
            self._text.append(ev.delta)
        elif kind == "response.function_call_arguments.delta":
            item = self._items.get(ev.output_index)
            if item is None:
                item = self._items[ev.output_index] = _Item(ResponseFunctionToolCall())
            item.args.append(ev.delta)
        elif kind == "response.reasoning_summary_text.delta":
            item = self._items.get(ev.output_index)
            if item is None:
                item = self._items[ev.output_index] = _Item(ResponseReasoningItem())
            item.summary.setdefault(ev.summary_index, []).append(ev.delta)
        elif kind == "response.output_item.added":
            self._items[ev.output_index] = _Item(ev.item)
        elif kind == "response.output_item.done":
            self._item(ev.output_index).done = ev.item
        elif kind == "response.content_part.added":
            self._item(ev.output_index).part_starts[ev.content_index] = ev.part
        elif kind == "response.output_text.done" or kind == "response.text.done":
            self._item(ev.output_index).texts[ev.content_index] = ev.text
        elif kind == "response.function_call_arguments.done":
            self._item(ev.output_index).arguments = ev.arguments
        elif kind in _TERMINALS:
            self._final = ev.response
        elif kind in _STATES:
            self._snapshot = ev.response

    def result(self) -> Response:
        """The final response; before the stream ends, the response assembled so far."""
        final = self._final
        if final is not None and (final.output or not self._items):
            return final
        base = final or self._snapshot or Response()
        if not self._items:
            return base
        output = [self._items[index].assemble() for index in sorted(self._items)]
        return base.model_copy(update={"output": output})

    def text(self) -> str:
        """All the output text."""
        if self._text:
            return "".join(self._text)
        return self._final.output_text if self._final is not None else ""


def _text(event: ResponseStreamEvent) -> str | None:
    return event.delta if isinstance(event, ResponseTextDeltaEvent) else None


class ResponseStream(EventStream[ResponseStreamEvent, Response]):
    """The events of ``responses.create(stream=True)``.

    Iterate it for typed events (unknown types arrive as ``UnknownResponseEvent``), or
    use ``text_stream`` for the text deltas only; ``get_final_response()`` reads to the
    end and returns the final ``Response`` (check ``.status``: a ``response.failed``
    stream ends normally, with ``.error`` set).
    """

    def get_final_response(self) -> Response:
        """Read the stream to its end and return the final response."""
        return self.get_final()


class AsyncResponseStream(AsyncEventStream[ResponseStreamEvent, Response]):
    """The async twin of ``ResponseStream``."""

    async def get_final_response(self) -> Response:
        """Read the stream to its end and return the final response."""
        return await self.get_final()


SPEC: StreamSpec[ResponseStreamEvent, Response] = StreamSpec(
    decode=decode_event,
    done_data="[DONE]",  # OpenAI sends none; the r9s spec declares one
    terminal_types=_TERMINALS,
    accumulator=ResponseAccumulator,
    fold_later=True,
    text=_text,
    name="response stream",
)

__all__ = ["SPEC", "AsyncResponseStream", "ResponseAccumulator", "ResponseStream"]
