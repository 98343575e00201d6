"""Tokens and money: estimates before a request, ``usage`` after it, prices to cost."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OUTPUT_LIMIT_FIELDS = ("max_completion_tokens", "max_tokens", "max_output_tokens")
BYTES_PER_TOKEN = 4
"""The usual rule of thumb for English text and JSON; ``usage`` corrects it afterwards."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one answer used, and its cost when the server said (``usage.cost``)."""

    input: int = 0
    output: int = 0
    cost: float | None = None

    @property
    def total(self) -> int:
        return self.input + self.output


ZERO = Usage()


def _count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0


def usage_of(body: Any) -> Usage:
    """The ``usage`` of a response body in any of the formats (chat and embeddings'
    ``prompt/completion_tokens``, responses' and messages' ``input/output_tokens``, with
    Anthropic's cache tokens counted as input)."""
    usage = body.get("usage") if isinstance(body, Mapping) else None
    if not isinstance(usage, Mapping):
        return ZERO
    prompt = _count(usage.get("prompt_tokens")) or _count(usage.get("input_tokens"))
    prompt += _count(usage.get("cache_creation_input_tokens"))
    prompt += _count(usage.get("cache_read_input_tokens"))
    output = _count(usage.get("completion_tokens")) or _count(usage.get("output_tokens"))
    total = _count(usage.get("total_tokens"))
    if total > prompt + output:  # reasoning or other tokens counted only in the total
        output = total - prompt
    cost = usage.get("cost")
    if isinstance(cost, int | float) and not isinstance(cost, bool) and math.isfinite(cost):
        return Usage(prompt, output, float(cost))
    return Usage(prompt, output)


def output_limit(body: Mapping[str, Any]) -> int | None:
    """The most output tokens a request asks for, if it says."""
    for name in OUTPUT_LIMIT_FIELDS:
        value = _count(body.get(name))
        if value:
            return value
    return None


def estimate_input(size: int) -> int:
    """Input tokens of a request body of ``size`` bytes (JSON included: an overestimate)."""
    return max(1, math.ceil(size / BYTES_PER_TOKEN))


@dataclass(frozen=True)
class Prices:
    """US dollars per million input and output tokens."""

    input: float
    output: float

    @classmethod
    def parse(cls, text: str) -> Prices:
        """``"2.5,10"`` (input, output) or ``"0.02"`` (both, as for embeddings)."""
        parts = [part.strip() for part in text.split(",")]
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            numbers = []
        if len(numbers) not in (1, 2) or not all(math.isfinite(n) and n >= 0 for n in numbers):
            raise ValueError(
                f"expected IN,OUT dollars per million tokens (such as 2.5,10), not {text!r}"
            )
        return cls(numbers[0], numbers[-1])

    def cost(self, usage: Usage) -> float:
        if usage.cost is not None:
            return usage.cost
        return (usage.input * self.input + usage.output * self.output) / 1e6
