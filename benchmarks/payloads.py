"""What the benchmark server answers, and what every client must get back (stdlib only).

The server and the result checks both derive from these functions, so a client that
drops an event, mangles a float or stops early fails its check instead of looking fast.
"""

from __future__ import annotations

import base64
import json
import random
import struct
from functools import lru_cache
from typing import Any

MODEL = "bench-model"
EMBED_MODEL = "bench-embed"
CREATED = 1_700_000_000
ANSWER = "Hello! This is the fixed answer of the r9s benchmark server."
STREAM_EVENTS = 20_000
"""Default length of a streamed answer (chunks for chat, text deltas for messages)."""
EMBED_DIM = 1536


def token(i: int) -> str:
    """The text delta of stream event ``i``."""
    return f"w{i % 1000} "


@lru_cache(maxsize=8)
def stream_text(n: int) -> str:
    """The whole text of an ``n``-event stream."""
    return "".join(token(i) for i in range(n))


@lru_cache(maxsize=1)
def vector() -> tuple[float, ...]:
    """The embedding: deterministic float32 values (as an embedding service stores them)."""
    rng = random.Random(5)
    raw = [rng.uniform(-0.1, 0.1) for _ in range(EMBED_DIM)]
    return struct.unpack(f"<{EMBED_DIM}f", struct.pack(f"<{EMBED_DIM}f", *raw))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def models_body() -> bytes:
    return _dumps(
        {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": CREATED, "owned_by": "bench"}
                for name in (MODEL, EMBED_MODEL)
            ],
        }
    )


def chat_body() -> bytes:
    return _dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": CREATED,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": ANSWER, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": 12,
                "completion_tokens": 14,
                "total_tokens": 26,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
            "system_fingerprint": "fp_bench",
        }
    )


def chat_events(n: int) -> list[bytes]:
    """An OpenAI chat stream of ``n`` chunks, each one SSE event, then ``[DONE]``."""
    events = []
    for i in range(n):
        delta: dict[str, Any] = {"content": token(i)}
        if i == 0:
            delta = {"role": "assistant", **delta}
        chunk = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": MODEL,
            "system_fingerprint": "fp_bench",
            "choices": [
                {
                    "index": 0,
                    "delta": delta,
                    "logprobs": None,
                    "finish_reason": "stop" if i == n - 1 else None,
                }
            ],
        }
        events.append(b"data: " + _dumps(chunk) + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


def message_body() -> bytes:
    return _dumps(
        {
            "id": "msg_bench",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": [{"type": "text", "text": ANSWER}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 14},
        }
    )


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + _dumps(data) + b"\n\n"


def message_events(n: int) -> list[bytes]:
    """An Anthropic Messages stream with ``n`` text deltas (and a ping, as the API sends)."""
    start: dict[str, Any] = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 1},
    }
    events = [
        _event("message_start", {"type": "message_start", "message": start}),
        _event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        _event("ping", {"type": "ping"}),
    ]
    for i in range(n):
        delta = {"type": "text_delta", "text": token(i)}
        events.append(
            _event(
                "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
            )
        )
    events += [
        _event("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": n},
            },
        ),
        _event("message_stop", {"type": "message_stop"}),
    ]
    return events


def embedding_body(encoding: str) -> bytes:
    values = vector()
    embedding: Any = list(values)
    if encoding == "base64":
        embedding = base64.b64encode(struct.pack(f"<{EMBED_DIM}f", *values)).decode()
    return _dumps(
        {
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": embedding}],
            "model": EMBED_MODEL,
            "usage": {"prompt_tokens": 4, "total_tokens": 4},
        }
    )


def error_body(status: int, message: str) -> bytes:
    return _dumps({"error": {"message": message, "type": "bench_error", "code": status}})
