"""Drop sync streams without closing them, many times, in a fresh interpreter.

``python -m tests.support.drop_streams CASE [COUNT]`` prints one JSON line: how many
``ResourceWarning``s came and how many connections are still busy at the end. A dropped
stream used to freeze the process (a garbage collection finalised it inside the HTTP
pool's lock, on the thread holding it): run it with a timeout. Collections are made
frequent, so that one falls inside the pool's lock on most runs.
"""

from __future__ import annotations

import gc
import json
import sys
import warnings
from collections.abc import Callable
from typing import Any

import r9s
from r9s import R9S
from r9s.testing import LocalServer

USER = [{"role": "user", "content": "one two three four five six"}]


@r9s.tool
def lookup(word: str) -> str:
    """Look a word up."""
    return f"{word} means hello"


class Cycle:
    """A user's object in a reference cycle, holding a stream: only the garbage
    collector frees it (and the stream), at any moment."""

    def __init__(self, stream: Any) -> None:
        self.me = self
        self.stream = stream


def chat(client: R9S) -> Any:
    return client.chat.create(model="gpt-4o-mini", messages=USER, stream=True)


def first(stream: Any) -> Any:
    """``stream`` with its first item read (``next()``: a ``for`` loop left early would
    close it)."""
    next(stream)
    return stream


CASES: dict[str, Callable[[R9S], Any]] = {
    "unread": chat,
    "one_read": lambda client: first(chat(client)),
    "in_a_cycle": lambda client: Cycle(first(chat(client))),
    "text_stream_in_a_cycle": lambda client: Cycle(first(chat(client).text_stream)),
    "parsed": lambda client: first(
        client.chat.parse(
            model="gpt-4o-mini",
            messages=USER,
            stream=True,
            response_format={"type": "object", "properties": {"a": {"type": "string"}}},
        )
    ),
    "raw_unparsed": lambda client: client.with_raw_response.chat.create(
        model="gpt-4o-mini", messages=USER, stream=True
    ),
    "raw_parsed": lambda client: first(
        client.with_raw_response.chat.create(
            model="gpt-4o-mini", messages=USER, stream=True
        ).parse()
    ),
    "tool_run": lambda client: first(
        client.chat.run_tools(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "call lookup"}],
            tools=[lookup],
            stream=True,
        )
    ),
    "binary": lambda client: client.audio.speech(model="tts-1", input="hi", voice="alloy"),
    "binary_one_read": lambda client: Cycle(
        first(client.audio.speech(model="tts-1", input="hi " * 2000, voice="alloy").iter_bytes(16))
    ),
}


THRESHOLDS = (5, 11, 23, 47, 101, 211, 700)
DEFAULT_THRESHOLDS = gc.get_threshold()


def busy(client: R9S) -> int:
    pool = client.http_client._transport._pool  # type: ignore[attr-defined]
    return sum(not connection.is_idle() for connection in pool.connections)


def main(case: str, count: int) -> None:
    make = CASES[case]
    with LocalServer() as server, R9S(api_key="sk-test-drop", server_url=server.url) as client:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            for done in range(count):
                # Where a collection falls depends on the threshold: try several.
                gc.set_threshold(THRESHOLDS[done * len(THRESHOLDS) // count], 2, 2)
                dropped = make(client)
                dropped = None  # noqa: F841 - the point: dropped without closing
            gc.set_threshold(*DEFAULT_THRESHOLDS)
            gc.collect()
            client.models.list()  # a safe point: what a collection queued is closed
            warned = sum(issubclass(w.category, ResourceWarning) for w in caught)
        print(json.dumps({"case": case, "warnings": warned, "busy": busy(client)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 280)
