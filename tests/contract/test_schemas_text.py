"""Spec schemas of the text area (chat, completions, edits, embeddings, moderations,
search) against our types (see tests/support/schemas.py).

Every difference must be listed here with its reason; anything else fails. A second
test makes sure no schema of the area is left out.
"""

from __future__ import annotations

from typing import Any

import pytest

from r9s.models import chat, completions, edits, embeddings, moderations, search
from tests.support.schemas import differences, spec_schemas

LENIENT = "a router may omit it; we default it rather than fail the user's call"


def lenient(*fields: str) -> dict[str, str]:
    return {f"optional:{field}": LENIENT for field in fields}


# Request types keep the spec's required fields required; response models default
# them (LENIENT). Some spec schemas serve both sides and so appear twice.
COVERED: list[tuple[str, Any, dict[str, str]]] = [
    # -- chat: request -----------------------------------------------------------------
    ("ChatCompletionRequest", chat.ChatCompletionRequest, {}),
    (
        "Message",
        chat.Message,
        {"extra:refusal": "an assistant turn sent back with the refusal its response had"},
    ),
    (
        "MessageContent",
        chat.MessageContent,
        {
            "extra:input_audio": "OpenAI's audio input part (wire format), beyond the spec",
            "extra:file": "OpenAI's file input part (wire format), beyond the spec",
            "extra:cache_control": "prompt caching on a text part (Anthropic models through "
            "OpenAI-format routers)",
        },
    ),
    ("ImageURL", chat.ImageURL, {}),
    ("Tool", chat.Tool, {}),
    ("ToolCall", chat.ToolCall, {}),
    ("FunctionCall", chat.FunctionCall, {}),
    ("ToolChoice", chat.ToolChoice, {}),
    (
        "ResponseFormat",
        chat.ResponseFormat,
        {"required:type": "a response_format without a type means nothing to OpenAI"},
    ),
    (
        "JsonSchema",
        chat.JsonSchema,
        {
            "required:name": "OpenAI rejects a json_schema without a name",
            "extra:strict": "OpenAI's structured-output switch",
        },
    ),
    ("StreamOptions", chat.StreamOptions, {}),
    (
        "Audio",
        chat.ChatCompletionAudioParam,
        {
            "required:voice": "OpenAI requires voice and format for audio output",
            "required:format": "OpenAI requires voice and format for audio output",
        },
    ),
    # -- chat: response ----------------------------------------------------------------
    (
        "ChatCompletionResponse",
        chat.ChatCompletionResponse,
        {
            **lenient("id", "object", "created", "model", "choices"),
            "extra:service_tier": "OpenAI sends the tier that served the request",
        },
    ),
    (
        "ChatCompletionChoice",
        chat.ChatCompletionChoice,
        lenient("index", "message", "finish_reason"),
    ),
    (
        "Message",
        chat.ChatCompletionMessage,
        {
            "optional:role": LENIENT,
            "extra:refusal": "D6: OpenAI's response message has refusal",
            "extra:annotations": "D6: OpenAI's response message has annotations (citations)",
            "extra:audio": "D6: OpenAI's response message has audio output",
        },
    ),
    ("ToolCall", chat.ChatCompletionMessageToolCall, lenient("id", "type", "function")),
    ("FunctionCall", chat.ChatCompletionFunctionCall, lenient("name")),
    ("Usage", chat.Usage, lenient("prompt_tokens", "completion_tokens", "total_tokens")),
    # -- chat: stream ------------------------------------------------------------------
    (
        "ChatCompletionStreamEvent",
        chat.ChatCompletionStreamEvent,
        {
            **lenient("id", "object", "created", "model", "choices"),
            "extra:service_tier": "OpenAI sends the tier on every chunk",
        },
    ),
    ("ChatCompletionStreamChoice", chat.ChatCompletionStreamChoice, lenient("index", "delta")),
    (
        "ChatCompletionStreamDelta",
        chat.ChatCompletionStreamDelta,
        {"extra:refusal": "OpenAI streams refusals in the delta"},
    ),
    # D5: the spec's delta tool calls reuse ToolCall (id, type, function required, no
    # index); real deltas carry index and only the first has id and name.
    (
        "ToolCall",
        chat.ChoiceDeltaToolCall,
        {
            **{
                f"optional:{f}": "D5: only the first fragment of a call has it"
                for f in ("id", "type", "function")
            },
            "extra:index": "D5: the index that tells parallel calls apart",
        },
    ),
    # -- completions -------------------------------------------------------------------
    (
        "CompletionRequest",
        completions.CompletionRequest,
        {
            "extra:logprobs": "OpenAI's parameter (commented out in the spec)",
            "extra:suffix": "OpenAI's parameter (commented out in the spec)",
            "extra:stream_options": "OpenAI's include_usage for completion streams",
        },
    ),
    (
        "CompletionResponse",
        completions.CompletionResponse,
        {
            **lenient("id", "object", "created", "model", "choices"),
            "extra:system_fingerprint": "OpenAI and vLLM send it",
        },
    ),
    ("CompletionChoice", completions.CompletionChoice, lenient("text", "index", "finish_reason")),
    (
        "CompletionStreamEvent",
        completions.CompletionStreamEvent,
        {
            **lenient("id", "object", "created", "model", "choices"),
            "extra:usage": "the include_usage chunk",
            "missing:obfuscation": "per-chunk padding with no meaning; kept as an extra field",
        },
    ),
    ("CompletionStreamChoice", completions.CompletionStreamChoice, lenient("text", "index")),
    # -- edits -------------------------------------------------------------------------
    ("EditRequest", edits.EditRequest, {}),
    (
        "EditResponse",
        edits.EditResponse,
        lenient("object", "created", "choices", "usage"),
    ),
    (
        "EditChoice",
        edits.EditChoice,
        {**lenient("text", "index"), "extra:finish_reason": "OpenAI's edits sent it"},
    ),
    # -- embeddings --------------------------------------------------------------------
    ("EmbeddingRequest", embeddings.EmbeddingRequest, {}),
    ("EngineEmbeddingRequest", embeddings.EngineEmbeddingRequest, {}),
    (
        "EmbeddingResponse",
        embeddings.EmbeddingResponse,
        lenient("object", "data", "model", "usage"),
    ),
    ("EmbeddingObject", embeddings.EmbeddingObject, lenient("object", "embedding", "index")),
    ("EmbeddingObject", embeddings.Base64Embedding, lenient("object", "embedding", "index")),
    # -- moderations -------------------------------------------------------------------
    ("ModerationRequest", moderations.ModerationRequest, {}),
    ("ModerationResponse", moderations.ModerationResponse, lenient("id", "model", "results")),
    (
        "ModerationResult",
        moderations.ModerationResult,
        {
            **lenient("flagged", "categories", "category_scores"),
            "extra:category_applied_input_types": "omni-moderation's per-category input kinds",
        },
    ),
    (
        "ModerationCategories",
        moderations.ModerationCategories,
        {
            "extra:illicit": "omni-moderation's category",
            "extra:illicit/violent": "omni-moderation's category",
        },
    ),
    (
        "ModerationCategoryScores",
        moderations.ModerationCategoryScores,
        {
            "extra:illicit": "omni-moderation's category",
            "extra:illicit/violent": "omni-moderation's category",
        },
    ),
    # -- search ------------------------------------------------------------------------
    ("SearchRequest", search.SearchRequest, {}),
    ("SearchResponse", search.SearchResponse, lenient("engine", "result")),
]

AREA_PREFIXES: tuple[str, ...] = (
    "ChatCompletion",
    "Completion",
    "Edit",
    "Embedding",
    "EngineEmbedding",
)
AREA_PREFIXES += ("Moderation", "Search")
AREA_NAMES = {"Message", "MessageContent", "ImageURL", "Tool", "ToolCall", "ToolChoice"}
AREA_NAMES |= {"FunctionCall", "ResponseFormat", "JsonSchema", "StreamOptions", "Usage", "Audio"}


@pytest.mark.parametrize(
    ("name", "ours", "expected"),
    COVERED,
    ids=[f"{name}-{ours.__name__}" for name, ours, _ in COVERED],
)
def test_schema_matches(name: str, ours: Any, expected: dict[str, str]) -> None:
    assert differences(name, ours) == set(expected)


def test_every_schema_of_the_area_is_covered() -> None:
    area = {name for name in spec_schemas() if name.startswith(AREA_PREFIXES) or name in AREA_NAMES}
    assert area - {name for name, _, _ in COVERED} == set()
