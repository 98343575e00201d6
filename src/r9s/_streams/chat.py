"""Chat completion streams: the accumulator that folds chunks into a ``ChatCompletion``,
and the stream classes with the helper names OpenAI SDK users know. Pure, no I/O.

Per chunk the accumulator only appends to lists; strings are joined when a result is
asked for. Tool calls are reassembled by ``index``: the id, type and name come from the
first fragment that has them, the ``arguments`` pieces are concatenated in order.
"""

from __future__ import annotations

from typing import Any

from r9s._streaming import AsyncEventStream, EventStream, StreamSpec
from r9s._streams._choices import ChoiceAccumulator, ChoiceParts, merge_extra
from r9s.models.chat import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    ChatCompletionStreamChoice,
    ChoiceDeltaToolCall,
    ChoiceLogprobs,
    content_text,
    content_thinking,
)


class _ToolCallParts:
    __slots__ = ("id", "type", "name", "arguments", "extra")

    def __init__(self) -> None:
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []
        self.extra: dict[str, Any] = {}

    def add(self, piece: ChoiceDeltaToolCall) -> None:
        if piece.id and self.id is None:
            self.id = piece.id
        if piece.type and self.type is None:
            self.type = piece.type
        function = piece.function
        if function is not None:
            if function.name and self.name is None:
                self.name = function.name
            if function.arguments:
                self.arguments.append(function.arguments)
        if piece.__pydantic_extra__:
            merge_extra(self.extra, piece.__pydantic_extra__)

    def result(self) -> ChatCompletionMessageToolCall:
        fields: dict[str, Any] = dict(self.extra)
        fields["id"] = self.id or ""
        fields["type"] = self.type or "function"
        fields["function"] = {"name": self.name or "", "arguments": "".join(self.arguments)}
        return ChatCompletionMessageToolCall.model_validate(fields)


class _ChoiceParts(ChoiceParts):
    __slots__ = (
        "role",
        "content",
        "saw_content",
        "refusal",
        "reasoning",
        "tool_calls",
        "last_tool",
        "extra",
    )

    def __init__(self) -> None:
        super().__init__()
        self.role = "assistant"
        self.content: list[str] = []
        self.saw_content = False
        self.refusal: list[str] | None = None
        self.reasoning: list[str] | None = None
        self.tool_calls: dict[int, _ToolCallParts] = {}
        self.last_tool: int | None = None
        self.extra: dict[str, Any] = {}

    def add(self, choice: ChatCompletionStreamChoice) -> None:
        delta = choice.delta
        if delta.role:
            self.role = delta.role
        content = delta.content
        if content is not None:
            self.saw_content = True
            if type(content) is str:
                if content:
                    self.content.append(content)
            else:  # content parts: their text is content, their thinking reasoning
                text = content_text(content)
                if text:
                    self.content.append(text)
                thinking = content_thinking(content)
                if thinking:
                    if self.reasoning is None:
                        self.reasoning = []
                    self.reasoning.append(thinking)
        if delta.refusal:
            if self.refusal is None:
                self.refusal = []
            self.refusal.append(delta.refusal)
        if delta.reasoning_content:
            if self.reasoning is None:
                self.reasoning = []
            self.reasoning.append(delta.reasoning_content)
        if delta.tool_calls:
            for piece in delta.tool_calls:
                self._tool(piece).add(piece)
        if delta.__pydantic_extra__:
            merge_extra(self.extra, delta.__pydantic_extra__)

    def text(self) -> str:
        return "".join(self.content)

    def _tool(self, piece: ChoiceDeltaToolCall) -> _ToolCallParts:
        index = piece.index
        if index is None:
            # Servers that omit ``index``: a new id starts a new call, else it continues
            # the last one.
            last = self.tool_calls.get(self.last_tool) if self.last_tool is not None else None
            if last is None or (piece.id and last.id and piece.id != last.id):
                index = max(self.tool_calls, default=-1) + 1
            else:
                index = self.last_tool
            assert index is not None
        self.last_tool = index
        parts = self.tool_calls.get(index)
        if parts is None:
            parts = self.tool_calls[index] = _ToolCallParts()
        return parts

    def result(self, index: int) -> ChatCompletionChoice:
        message: dict[str, Any] = dict(self.extra)
        message["role"] = self.role
        message["content"] = "".join(self.content) if self.saw_content else None
        if self.refusal is not None:
            message["refusal"] = "".join(self.refusal)
        if self.reasoning is not None:
            message["reasoning_content"] = "".join(self.reasoning)
        if self.tool_calls:
            message["tool_calls"] = [
                self.tool_calls[key].result() for key in sorted(self.tool_calls)
            ]
        choice: dict[str, Any] = dict(self.choice_extra)
        choice.update(
            index=index,
            message=ChatCompletionMessage.model_validate(message),
            finish_reason=self.finish_reason,
        )
        if self.logprobs is not None:
            choice["logprobs"] = ChoiceLogprobs.model_validate(self.logprobs)
        return ChatCompletionChoice.model_validate(choice)


class ChatCompletionAccumulator(ChoiceAccumulator):
    """Folds ``ChatCompletionChunk``s into the ``ChatCompletion`` they add up to: content
    (and refusal, reasoning) per choice, tool calls by ``index``, ``finish_reason``, and
    the usage of the ``include_usage`` chunk."""

    __slots__ = ()

    parts = _ChoiceParts
    kept = ("service_tier",)

    def result(self) -> ChatCompletion:
        """The completion so far (complete once the stream has ended)."""
        return ChatCompletion.model_validate(self.fields("chat.completion"))


def chunk_text(chunk: ChatCompletionChunk) -> str | None:
    """The content delta of the first choice (index 0) in ``chunk``, if any."""
    for choice in chunk.choices:
        if choice.index == 0:
            content = choice.delta.content
            if content is None or type(content) is str:
                return content
            return content_text(content) or None
    return None


class ChatCompletionStream(EventStream[ChatCompletionChunk, ChatCompletion]):
    """A streamed chat completion: iterate ``ChatCompletionChunk``s, or use
    ``text_stream`` (content deltas of the first choice), ``get_final_completion()``
    (the ``ChatCompletion`` they add up to) or ``get_final_text()``."""

    def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return the accumulated ``ChatCompletion``."""
        return self.get_final()

    @property
    def current_completion_snapshot(self) -> ChatCompletion:
        """The completion accumulated from the chunks read so far."""
        return self._accumulator().result()


class AsyncChatCompletionStream(AsyncEventStream[ChatCompletionChunk, ChatCompletion]):
    """The async twin of ``ChatCompletionStream``."""

    async def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return the accumulated ``ChatCompletion``."""
        return await self.get_final()

    @property
    def current_completion_snapshot(self) -> ChatCompletion:
        """The completion accumulated from the chunks read so far."""
        return self._accumulator().result()


CHAT_STREAM: StreamSpec[ChatCompletionChunk, ChatCompletion] = StreamSpec(
    decode=ChatCompletionChunk.model_validate,
    accumulator=ChatCompletionAccumulator,
    fold_later=True,
    text=chunk_text,
    name="chat completion stream",
)
