"""Server-sent events: what every streaming handler returns, whatever its API family."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SSE_HEADERS = [
    ("content-type", "text/event-stream; charset=utf-8"),
    ("cache-control", "no-cache"),
]


def dumps(payload: Any) -> str:
    """Compact JSON, as real servers send it (one event per line)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Event:
    """One SSE event; ``name`` becomes the ``event:`` line."""

    data: str
    name: str | None = None

    def encode(self) -> bytes:
        lines = [f"event: {self.name}"] if self.name else []
        lines += [f"data: {line}" for line in self.data.split("\n")]
        return ("\n".join(lines) + "\n\n").encode()


def json_event(payload: Any, name: str | None = None) -> Event:
    return Event(dumps(payload), name)


DONE = Event("[DONE]")
"""The sentinel that ends OpenAI chat, completions and image streams."""


@dataclass
class SSEReply:
    """A streamed answer: its events, and how this API reports an error in mid-stream.

    ``error_event(n)`` builds the error sent by a ``stream_error=n`` fault (``n`` events
    already sent), in place of the rest of the stream.
    """

    events: Iterable[Event]
    error_event: Callable[[int], Event]
    headers: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200
