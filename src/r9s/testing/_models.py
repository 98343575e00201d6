"""The model catalogue: which model names the server accepts, and ``GET /v1/models``.

Like the r9s router, the list takes two extensions: ``expand=context_length,modality,
endpoints,channels,supported_parameters`` adds those fields to each entry, and each
``filter=FIELD=PATTERN`` keeps the entries whose field matches (a glob, any case; a list
field matches when one item does; ``FIELD>=N``, ``<=``, ``>``, ``<`` compare numbers).
Filters are ANDed and apply whether or not the field is expanded.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

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


EXPANDABLE = ("context_length", "modality", "endpoints", "channels", "supported_parameters")
_FILTER_ALIASES = {
    "channel": "channels",
    "endpoint": "endpoints",
    "owner": "owned_by",
    "parameter": "supported_parameters",
    "parameters": "supported_parameters",
}
_FILTER = re.compile(r"^\s*(?P<field>[a-z_]+)\s*(?P<op>>=|<=|!=|=|>|<)\s*(?P<value>.*?)\s*$")

_SAMPLING = ["temperature", "top_p", "max_tokens", "stop", "tools", "tool_choice"]
_OPENAI = [
    *_SAMPLING,
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "response_format",
    "logprobs",
    "top_logprobs",
]
_REASONING = ["max_tokens", "reasoning_effort", "tools", "tool_choice", "response_format", "seed"]
_CLAUDE = [*_SAMPLING, "top_k", "thinking"]

# (id pattern, context length, modality, endpoints, parameters); the first match wins
_KINDS: tuple[tuple[str, int | None, str, tuple[str, ...], list[str]], ...] = (
    (r"embedding", 8191, "text->embedding", ("/v1/embeddings",), []),
    (
        r"^(gpt-image|dall-e)",
        None,
        "text+image->image",
        ("/v1/images/generations", "/v1/images/edits"),
        [],
    ),
    (r"tts|^speech-", None, "text->audio", ("/v1/audio/speech",), []),
    (
        r"whisper|transcribe",
        None,
        "audio->text",
        ("/v1/audio/transcriptions", "/v1/audio/translations"),
        [],
    ),
    (r"moderation", 32768, "text+image->moderation", ("/v1/moderations",), []),
    (r"instruct$", 4096, "text->text", ("/v1/completions",), ["temperature", "max_tokens"]),
    (r"-audio$", 128000, "text+audio->text+audio", ("/v1/chat/completions",), _OPENAI),
    (
        r"^(o\d|gpt-5)",
        400000,
        "text+image->text",
        ("/v1/chat/completions", "/v1/responses"),
        _REASONING,
    ),
    (r"^gpt-4\.1", 1047576, "text+image->text", ("/v1/chat/completions", "/v1/responses"), _OPENAI),
    (r"^gpt", 128000, "text+image->text", ("/v1/chat/completions", "/v1/responses"), _OPENAI),
    (r"^claude", 200000, "text+image->text", ("/v1/chat/completions", "/v1/messages"), _CLAUDE),
    (
        r"^gemini",
        1048576,
        "text+image+audio->text",
        ("/v1/chat/completions",),
        [*_SAMPLING, "reasoning_effort"],
    ),
    (r"reason", 131072, "text->text", ("/v1/chat/completions",), _REASONING),
    (r".", 131072, "text->text", ("/v1/chat/completions",), _OPENAI),
)


def details(model: str) -> dict[str, Any]:
    """Every expandable field of ``model`` (the router's ``expand`` values)."""
    for pattern, context, modality, endpoints, parameters in _KINDS:
        if re.search(pattern, model):
            return {
                "context_length": context,
                "modality": modality,
                "endpoints": list(endpoints),
                "channels": [f"{owned_by(model)}-main"],
                "supported_parameters": list(parameters),
            }
    return {}  # pragma: no cover - the last pattern matches every id


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

    def openai_entry(self, model: str, expand: Iterable[str] = ()) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": model,
            "object": "model",
            "created": CREATED,
            "owned_by": owned_by(model),
        }
        wanted = set(expand)
        if wanted:
            entry.update({k: v for k, v in details(model).items() if k in wanted})
        return entry

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


def _expand(call: Call) -> list[str]:
    fields: list[str] = []
    for key, value in parse_qsl(call.request.query_string, keep_blank_values=True):
        if key == "expand":
            for name in value.split(","):
                name = name.strip().lower()
                if name in ("all", "*"):
                    fields += EXPANDABLE
                elif name:
                    fields.append(name)
    return fields


def _filters(call: Call) -> list[tuple[str, str, str]]:
    rules = []
    for key, value in parse_qsl(call.request.query_string, keep_blank_values=True):
        if key != "filter":
            continue
        found = _FILTER.match(value)
        if found is None:
            raise ApiError(
                400,
                f"Invalid filter {value!r}: expected FIELD=PATTERN (or FIELD>=N, <=, >, <, !=).",
                param="filter",
            )
        field = _FILTER_ALIASES.get(found["field"], found["field"])
        if field not in ("id", "owned_by", *EXPANDABLE):
            known = ", ".join(("id", "owned_by", *EXPANDABLE))
            raise ApiError(
                400, f"Unknown filter field {found['field']!r} (known: {known}).", param="filter"
            )
        rules.append((field, found["op"], found["value"]))
    return rules


def _matches(entry: dict[str, Any], field: str, op: str, pattern: str) -> bool:
    value = entry.get(field)
    if op in (">=", "<=", ">", "<"):
        try:
            wanted = float(pattern)
        except ValueError:
            raise ApiError(
                400, f"Filter {field}{op}{pattern}: {pattern!r} is not a number.", param="filter"
            ) from None
        if not isinstance(value, int | float):
            return False
        return {
            ">=": value >= wanted,
            "<=": value <= wanted,
            ">": value > wanted,
            "<": value < wanted,
        }[op]
    items = value if isinstance(value, list) else [value]
    hit = any(
        item is not None and fnmatch.fnmatchcase(str(item).lower(), pattern.lower())
        for item in items
    )
    return hit if op == "=" else not hit


async def list_models(call: Call) -> Reply:
    catalog = call.app.models
    expand, rules = _expand(call), _filters(call)
    if expand or rules:
        entries = []
        for model in catalog.ids:
            full = {**catalog.openai_entry(model), **details(model)}
            if all(_matches(full, *rule) for rule in rules):
                entries.append(catalog.openai_entry(model, expand))
        return json_response({"object": "list", "data": entries})
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
        catalog.anthropic_entry(model)
        if _speaks_anthropic(call)
        else catalog.openai_entry(model, _expand(call))
    )
    return json_response(entry)


ROUTES = [
    Route("GET", "/v1/models", list_models),
    Route("GET", "/v1/models/{model*}", retrieve_model),
]
