"""What the chat and text completion accumulators share. Pure, no I/O.

Both kinds of chunks carry a head (``id``, ``created``, ``model``), ``usage`` on the
``include_usage`` chunk, fields such as ``system_fingerprint`` and vendor extras, and
``choices`` by ``index``, each with a ``finish_reason``, ``logprobs`` and extras of its
own. ``ChoiceAccumulator`` handles all of that; a kind supplies a ``ChoiceParts`` subclass
that takes what its choices add (a delta, a text) and builds its result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

SKIPPED_EXTRAS = frozenset({"obfuscation"})
"""Per-chunk padding some servers add; meaningless once the chunks are joined."""


def merge_extra(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Fold vendor fields the types do not declare: strings are concatenated (they are
    deltas, like ``reasoning``), lists extended, objects merged the same way, and anything
    else replaced by its latest value. Nulls change nothing."""
    for key, value in extra.items():
        if value is None or key in SKIPPED_EXTRAS:
            continue
        old = target.get(key)
        if isinstance(value, str) and isinstance(old, str):
            target[key] = old + value
        elif isinstance(value, list) and isinstance(old, list):
            old.extend(value)
        elif isinstance(value, Mapping) and isinstance(old, dict):
            merge_extra(old, value)
        elif isinstance(value, list):
            target[key] = list(value)
        elif isinstance(value, Mapping):
            target[key] = {}
            merge_extra(target[key], value)
        else:
            target[key] = value


class ChoiceParts:
    """One choice being accumulated: what every kind has. ``add`` takes what a chunk's
    choice adds beyond that; ``result`` builds the finished choice."""

    __slots__ = ("finish_reason", "logprobs", "choice_extra")

    def __init__(self) -> None:
        self.finish_reason: str | None = None
        self.logprobs: dict[str, Any] | None = None
        self.choice_extra: dict[str, Any] = {}

    def add(self, choice: Any) -> None:
        raise NotImplementedError

    def add_logprobs(self, logprobs: Any) -> None:
        if self.logprobs is None:
            self.logprobs = {}
        merge_extra(self.logprobs, logprobs.model_dump(exclude_none=True))

    def text(self) -> str:
        """The text so far."""
        raise NotImplementedError

    def result(self, index: int) -> Any:
        raise NotImplementedError


class ChoiceAccumulator:
    """Folds chunks with ``choices`` into the fields of the result they add up to: the
    head (each of ``id``, ``created``, ``model`` from the first chunk that has it), the
    last ``usage``, the fields named in ``kept`` and vendor extras (latest value wins),
    and one ``parts`` per choice ``index``. Per chunk it only appends and assigns."""

    __slots__ = ("_choices", "_head", "_head_done", "_usage", "_extra")

    parts: ClassVar[type[ChoiceParts]]
    kept: ClassVar[tuple[str, ...]] = ()
    """Declared chunk fields kept besides ``system_fingerprint`` (latest value wins)."""

    def __init__(self) -> None:
        self._choices: dict[int, ChoiceParts] = {}
        self._head: dict[str, Any] = {"id": "", "created": 0, "model": ""}
        self._head_done = False
        self._usage: Any = None
        self._extra: dict[str, Any] = {}

    def _take_head(self, chunk: Any) -> None:
        head = self._head
        if not head["id"] and chunk.id:
            head["id"] = chunk.id
        if not head["model"] and chunk.model:
            head["model"] = chunk.model
        if not head["created"] and chunk.created:
            head["created"] = chunk.created
        self._head_done = bool(head["id"] and head["model"] and head["created"])

    def add(self, chunk: Any) -> None:
        if not self._head_done:
            self._take_head(chunk)
        if chunk.usage is not None:
            self._usage = chunk.usage
        if chunk.system_fingerprint is not None:
            self._extra["system_fingerprint"] = chunk.system_fingerprint
        if self.kept:
            for name in self.kept:
                value = getattr(chunk, name)
                if value is not None:
                    self._extra[name] = value
        if chunk.__pydantic_extra__:
            for key, value in chunk.__pydantic_extra__.items():
                if value is not None and key not in SKIPPED_EXTRAS:
                    self._extra[key] = value
        choices = self._choices
        for choice in chunk.choices:
            parts = choices.get(choice.index)
            if parts is None:
                parts = choices[choice.index] = self.parts()
            parts.add(choice)
            if choice.finish_reason is not None:
                parts.finish_reason = choice.finish_reason
            if choice.logprobs is not None:
                parts.add_logprobs(choice.logprobs)
            if choice.__pydantic_extra__:
                for key, value in choice.__pydantic_extra__.items():
                    if value is not None:
                        parts.choice_extra[key] = value

    def fields(self, object_name: str) -> dict[str, Any]:
        """The result's fields so far, as the kind's model takes them."""
        fields: dict[str, Any] = dict(self._extra)
        fields.update(self._head)
        fields["object"] = object_name
        fields["choices"] = [self._choices[key].result(key) for key in sorted(self._choices)]
        if self._usage is not None:
            fields["usage"] = self._usage
        return fields

    def text(self) -> str:
        """The first choice's text so far."""
        parts = self._choices.get(0)
        return parts.text() if parts is not None else ""
