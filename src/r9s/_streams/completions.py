"""Text completion streams: chunks folded into the ``Completion`` they add up to."""

from __future__ import annotations

from typing import Any

from r9s._streaming import AsyncEventStream, EventStream, StreamSpec
from r9s._streams._choices import ChoiceAccumulator, ChoiceParts
from r9s.models.completions import Completion, CompletionChunk, CompletionStreamChoice


class _Parts(ChoiceParts):
    __slots__ = ("pieces",)

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []

    def add(self, choice: CompletionStreamChoice) -> None:
        if choice.text:
            self.pieces.append(choice.text)

    def text(self) -> str:
        return "".join(self.pieces)

    def result(self, index: int) -> dict[str, Any]:
        choice: dict[str, Any] = dict(self.choice_extra)
        choice.update(
            index=index,
            text="".join(self.pieces),
            finish_reason=self.finish_reason,
            logprobs=self.logprobs,
        )
        return choice


class CompletionAccumulator(ChoiceAccumulator):
    """Folds ``CompletionChunk``s into a ``Completion``: text per choice, finish reason,
    log probabilities (lists joined), usage and the fingerprint when the server sends
    them (the head, usage and choice handling are the chat accumulator's)."""

    __slots__ = ()

    parts = _Parts

    def result(self) -> Completion:
        """The completion so far (complete once the stream has ended)."""
        return Completion.model_validate(self.fields("text_completion"))


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
    fold_later=True,
    text=chunk_text,
    name="completion stream",
)
