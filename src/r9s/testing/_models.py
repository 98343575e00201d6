"""The model catalogue: which model names the server accepts, and ``GET /v1/models``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from r9s.testing._errors import ApiError
from r9s.testing._routing import Call, Reply, Route, json_response

DEFAULT_MODELS: tuple[str, ...] = (
    # OpenAI chat, reasoning and coding models
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4o-mini-audio",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-5-codex",
    "gpt-5.1",
    "gpt-5.1-codex",
    "o3",
    "o3-mini",
    "o4-mini",
    "gpt-3.5-turbo-instruct",
    # Anthropic (both the dashed and the dotted spellings are in use)
    "claude-opus-4-8",
    "claude-opus-4-5",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "claude-opus-4.5",
    "claude-sonnet-4.5",
    "claude-sonnet-4",
    "claude-3-5-haiku",
    # Google
    "gemini-3-pro",
    "gemini-3-flash",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-2.0-flash",
    # Others routed by r9s
    "qwen-plus",
    "qwen-max",
    "qwen3-coder-plus",
    "qwen3-coder-flash",
    "deepseek-chat",
    "deepseek-reasoner",
    "grok-4-fast-reasoning",
    "kimi-k2",
    "meta-llama/llama-3.3-70b-instruct",
    # Embeddings, images, audio, moderation
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "gpt-image-1",
    "gpt-image-1.5",
    "dall-e-2",
    "dall-e-3",
    "tts-1",
    "tts-1-hd",
    "gpt-4o-mini-tts",
    "speech-2.6-hd",
    "speech-2.6-turbo",
    "whisper-1",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
    "omni-moderation-latest",
    "text-moderation-latest",
)

CREATED = 1_700_000_000  # a fixed timestamp keeps listings byte-for-byte reproducible

_OWNERS = (
    (r"^(gpt|o\d|dall-e|tts|whisper|text-embedding|omni|text-moderation)", "openai"),
    (r"^claude", "anthropic"),
    (r"^gemini", "google"),
    (r"^qwen", "ali"),
    (r"^speech-", "minimax"),
    (r"^grok", "xai"),
    (r"^deepseek", "deepseek"),
    (r"^kimi", "moonshot"),
)
# Dated snapshots and "-latest" aliases of a known model are accepted too.
_VARIANT = re.compile(r"^(?P<base>.+?)(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-latest|-preview)$")


def owned_by(model: str) -> str:
    if "/" in model:
        return model.split("/", 1)[0]
    return next((owner for pattern, owner in _OWNERS if re.match(pattern, model)), "r9s")


class ModelCatalog:
    """The models this server answers for."""

    def __init__(self, models: Iterable[str] | None = None) -> None:
        self.ids: tuple[str, ...] = tuple(DEFAULT_MODELS if models is None else models)
        self._known = frozenset(self.ids)

    def knows(self, name: str) -> bool:
        if name in self._known:
            return True
        variant = _VARIANT.match(name)
        return variant is not None and variant["base"] in self._known

    def openai_entry(self, model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": CREATED, "owned_by": owned_by(model)}

    def anthropic_entry(self, model: str) -> dict[str, Any]:
        return {
            "type": "model",
            "id": model,
            "display_name": model.replace("-", " ").title(),
            "created_at": "2025-01-01T00:00:00Z",
        }


def _speaks_anthropic(call: Call) -> bool:
    # The Anthropic SDK lists models on the same path; its version header tells them apart.
    return call.request.header("anthropic-version") is not None


async def list_models(call: Call) -> Reply:
    catalog = call.app.models
    if _speaks_anthropic(call):
        entries = [catalog.anthropic_entry(m) for m in catalog.ids]
        return json_response(
            {
                "data": entries,
                "has_more": False,
                "first_id": entries[0]["id"] if entries else None,
                "last_id": entries[-1]["id"] if entries else None,
            }
        )
    return json_response({"object": "list", "data": [catalog.openai_entry(m) for m in catalog.ids]})


async def retrieve_model(call: Call) -> Reply:
    model = call.params["model"]
    catalog = call.app.models
    if not catalog.knows(model):
        raise ApiError(
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found",
            param="model",
        )
    entry = (
        catalog.anthropic_entry(model) if _speaks_anthropic(call) else catalog.openai_entry(model)
    )
    return json_response(entry)


ROUTES = [
    Route("GET", "/v1/models", list_models),
    Route("GET", "/v1/models/{model*}", retrieve_model),
]
