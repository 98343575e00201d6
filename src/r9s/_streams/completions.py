"""Text completion streams: chunks folded into the ``Completion`` they add up to."""

from __future__ import annotations

from typing import Any

from r9s._streaming import AsyncEventStream, EventStream, StreamSpec
from r9s._streams.chat import merge_extra
from r9s.models.chat import Usage
from r9s.models.completions import Completion, CompletionChunk


class _Parts:
    __slots__ = ("text", "finish_reason", "logprobs")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.finish_reason: str | None = None
        self.logprobs: dict[str, Any] | None = None


class CompletionAccumulator:
    """Folds ``CompletionChunk``s into a ``Completion``: text per choice, finish reason,
    log probabilities (lists joined), and usage when the server sends it."""

    __slots__ = ("_choices", "_head", "_usage", "_fingerprint")

    def __init__(self) -> None:
        self._choices: dict[int, _Parts] = {}
        self._head: dict[str, Any] = {}
        self._usage: Usage | None = None
        self._fingerprint: str | None = None

    def add(self, chunk: CompletionChunk) -> None:
        if not self._head or not self._head["id"]:
            self._head = {"id": chunk.id, "created": chunk.created, "model": chunk.model}
        if chunk.usage is not None:
            self._usage = chunk.usage
        if chunk.system_fingerprint is not None:
            self._fingerprint = chunk.system_fingerprint
        choices = self._choices
        for choice in chunk.choices:
            parts = choices.get(choice.index)
            if parts is None:
                parts = choices[choice.index] = _Parts()
            if choice.text:
                parts.text.append(choice.text)
            if choice.finish_reason is not None:
                parts.finish_reason = choice.finish_reason
            if choice.logprobs is not None:
                if parts.logprobs is None:
                    parts.logprobs = {}
                merge_extra(parts.logprobs, choice.logprobs.model_dump(exclude_none=True))

    def result(self) -> Completion:
        """The completion so far (complete once the stream has ended)."""
        fields: dict[str, Any] = dict(self._head)
        fields["object"] = "text_completion"
        fields["choices"] = [
            {
                "index": index,
                "text": "".join(parts.text),
                "finish_reason": parts.finish_reason,
                "logprobs": parts.logprobs,
            }
            for index, parts in sorted(self._choices.items())
        ]
        if self._usage is not None:
            fields["usage"] = self._usage
        if self._fingerprint is not None:
            fields["system_fingerprint"] = self._fingerprint
        return Completion.model_validate(fields)

    def text(self) -> str:
        """The first choice's text so far."""
        parts = self._choices.get(0)
        return "".join(parts.text) if parts is not None else ""


def chunk_text(chunk: CompletionChunk) -> str | None:
    """The text delta of the first choice (index 0) in ``chunk``, if any."""
    for choice in chunk.choices:
        if choice.index == 0:
            return choice.text
    return None


class CompletionStream(EventStream[CompletionChunk, Completion]):
    """A streamed text completion: iterate ``CompletionChunk``s, or use ``text_stream``,
    ``get_final_completion()`` or ``get_final_text()``."""

    def get_final_completion(self) -> Completion:
        """Read the stream to its end and return the accumulated ``Completion``."""
        return self.get_final()


class AsyncCompletionStream(AsyncEventStream[CompletionChunk, Completion]):
    """The async twin of ``CompletionStream``."""

    async def get_final_completion(self) -> Completion:
        """Read the stream to its end and return the accumulated ``Completion``."""
        return await self.get_final()


COMPLETION_STREAM: StreamSpec[CompletionChunk, Completion] = StreamSpec(
    decode=CompletionChunk.model_validate,
    accumulator=CompletionAccumulator,
    text=chunk_text,
    name="completion stream",
    sync_class=CompletionStream,
    async_class=AsyncCompletionStream,
)
