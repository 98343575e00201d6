"""Units of work: one row's request, or many embeddings rows packed into one request.

A pack of embeddings sends the inputs of up to ``pack`` rows that ask for the same model
and options as one request; its answer is split back into one record per row (the
vector at the row's index, and a share of ``usage`` in proportion to the input's length).
A pack the server finds too big (413, or a 400 about too many tokens or inputs) is split
in two and each half sent again, down to single rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from r9s.batch._input import Request
from r9s.batch._usage import estimate_input, output_limit

EMBEDDINGS = "/v1/embeddings"
MAX_PACK = 2048
"""The spec's limit on inputs per embeddings request ("any array must be 2048 dimensions
or less"): the default ``pack``."""
MAX_PACK_BYTES = 1_000_000
"""A pack is also closed at about this many bytes of input (~250k tokens: under the
300k tokens per request that OpenAI allows), so the default needs no splitting for
ordinary texts."""
MAX_OPEN_PACKS = 64
"""Packs filling at once (one per model and options); beyond this the fullest is sent."""


@dataclass(eq=False)
class Unit:
    """One request to send, for one or more rows."""

    rows: list[Request]
    url: str
    body: dict[str, Any]
    estimate: int
    """Input tokens, estimated from the body's size."""
    attempts: int = 0
    due: float = 0.0
    packed: bool = False
    expected_output: int | None = field(default=None)

    def __lt__(self, other: Unit) -> bool:  # the retry queue is a heap ordered by due
        return self.due < other.due

    @property
    def custom_ids(self) -> list[str]:
        return [row.custom_id for row in self.rows]


def single(row: Request) -> Unit:
    size = len(json.dumps(row.body, ensure_ascii=False))
    return Unit(
        [row], row.url, row.body, estimate_input(size), expected_output=output_limit(row.body)
    )


def packable(row: Request) -> bool:
    """An embeddings row with one input (a string or one token array)."""
    if row.url != EMBEDDINGS:
        return False
    value = row.body.get("input")
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, list) and bool(value) and all(type(v) is int for v in value)


def _input_size(row: Request) -> int:
    value = row.body["input"]
    return len(value) if isinstance(value, str) else 4 * len(value)


def make_pack(rows: list[Request]) -> Unit:
    if len(rows) == 1:
        return single(rows[0])
    body = {**rows[0].body, "input": [row.body["input"] for row in rows]}
    size = sum(_input_size(row) for row in rows)
    return Unit(rows, EMBEDDINGS, body, estimate_input(size), packed=True, expected_output=0)


def split(unit: Unit) -> list[Unit]:
    """A pack in two halves (each sent afresh)."""
    middle = len(unit.rows) // 2
    return [make_pack(unit.rows[:middle]), make_pack(unit.rows[middle:])]


def units(rows: Iterator[Request], pack: int) -> Iterator[Unit]:
    """``rows`` as units, embeddings packed by model and options (``pack`` <= 1: none)."""
    open_packs: dict[str, tuple[list[Request], list[int]]] = {}
    for row in rows:
        if pack <= 1 or not packable(row):
            yield single(row)
            continue
        key = json.dumps({k: v for k, v in row.body.items() if k != "input"}, sort_keys=True)
        members, size = open_packs.setdefault(key, ([], [0]))
        members.append(row)
        size[0] += _input_size(row)
        if len(members) >= pack or size[0] >= MAX_PACK_BYTES:
            del open_packs[key]
            yield make_pack(members)
        elif len(open_packs) > MAX_OPEN_PACKS:
            fullest = max(open_packs, key=lambda k: len(open_packs[k][0]))
            yield make_pack(open_packs.pop(fullest)[0])
    for members, _size in open_packs.values():
        yield make_pack(members)


_TOO_BIG = re.compile(
    r"too (many|large|long)|\bmax(imum)?\b|exceed|at most|or less|limit|2048|context length",
    re.I,
)


def too_big(status: int, message: str) -> bool:
    """Whether an error says the request was too large (so a pack should be split)."""
    if status == 413:
        return True
    return (
        status == 400
        and bool(_TOO_BIG.search(message))
        and ("token" in message.lower() or "input" in message.lower() or "array" in message.lower())
    )


def unpack(unit: Unit, body: Any) -> list[dict[str, Any]] | None:
    """One embeddings response body per row of a pack; ``None`` if the answer does not
    hold one vector per input."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or len(data) != len(unit.rows):
        return None
    by_index: dict[int, Any] = {}
    for position, item in enumerate(data):
        index = item.get("index", position) if isinstance(item, dict) else None
        if not isinstance(index, int) or not 0 <= index < len(unit.rows) or index in by_index:
            return None
        by_index[index] = item
    usage = body.get("usage")
    prompt = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    prompt = prompt if isinstance(prompt, int) and prompt > 0 else 0
    shares = apportion(prompt, [_input_size(row) for row in unit.rows])
    rest = {k: v for k, v in body.items() if k not in ("data", "usage")}
    bodies = []
    for index, share in enumerate(shares):
        item = {**by_index[index], "index": 0}
        bodies.append(
            {**rest, "data": [item], "usage": {"prompt_tokens": share, "total_tokens": share}}
        )
    return bodies


def apportion(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, in whole numbers that add up to it
    (largest remainder)."""
    weight = sum(weights)
    if weight <= 0:
        weights, weight = [1] * len(weights), len(weights)
    exact = [total * w / weight for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares
