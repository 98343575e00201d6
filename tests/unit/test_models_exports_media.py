"""``r9s.models`` exposes every public type of the media modules, lazily, and re-exports
them explicitly for type checkers (``X as X``)."""

from __future__ import annotations

import importlib
import inspect

import pytest

import r9s.models
from tests.unit.test_models_exports_text import type_checking_reexports

TYPE_ALIASES = {
    "messages": {
        "AnthropicContent",
        "AnthropicDocumentSource",
        "AnthropicImageSource",
        "AnthropicStreamEvent",
        "AnthropicToolContent",
        "ContentBlock",
        "ContentDelta",
        "MessageStreamEvent",
        "StopReason",
    },
    "responses": {
        "ResponseInputContent",
        "ResponseInputItem",
        "ResponseOutputContent",
        "ResponseOutputItem",
        "ResponseStatus",
        "ResponseStreamEvent",
    },
    "images": {"ImageSize", "ImageStreamEvent"},
    "audio": {
        "SpeechFormat",
        "SpeechVoice",
        "TranscriptFormat",
        "TranscriptJsonFormat",
        "TranscriptTextFormat",
    },
}


def public_types(module_name: str) -> set[str]:
    module = importlib.import_module(f"r9s.models.{module_name}")
    classes = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and inspect.isclass(value)
        and value.__module__ == module.__name__
    }
    return classes | TYPE_ALIASES[module_name]


@pytest.mark.parametrize("module_name", sorted(TYPE_ALIASES))
def test_every_public_type_is_exported_lazily_and_for_type_checkers(module_name: str) -> None:
    reexports = type_checking_reexports()
    module = importlib.import_module(f"r9s.models.{module_name}")
    for name in public_types(module_name):
        assert r9s.models._EXPORTS.get(name) == module_name, f"{name} missing from _EXPORTS"
        assert reexports.get(name) == module_name, f"{name} not re-exported as {name} as {name}"
        assert getattr(r9s.models, name) is getattr(module, name)
