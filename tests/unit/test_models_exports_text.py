"""``r9s.models`` exposes every public type of the text modules, lazily, and re-exports
them explicitly for type checkers (``from r9s.models import Message`` passes
``mypy --strict``, which ignores imports that are not ``X as X`` or in a literal
``__all__``)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import r9s.models
from tests.support.typecheck import mypy_on

TEXT_MODULES = ("chat", "completions", "edits", "embeddings", "moderations", "search", "parsed")
TYPE_ALIASES = {"chat": {"FinishReason"}, "embeddings": {"EmbeddingInput"}}


def public_types(module_name: str) -> set[str]:
    """Classes defined in the module (aliases such as ``ChatCompletion`` included), and
    its type aliases."""
    module = importlib.import_module(f"r9s.models.{module_name}")
    # a module's stream chunk models may live in a private sibling, loaded on first use
    homes = {module.__name__, f"r9s.models._{module_name}_stream"}
    classes = {
        name
        for name in dir(module)
        if not name.startswith("_")
        and inspect.isclass(value := getattr(module, name))
        and value.__module__ in homes
    }
    return classes | TYPE_ALIASES.get(module_name, set())


def type_checking_reexports() -> dict[str, str]:
    tree = ast.parse(Path(r9s.models.__file__).read_text())
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("r9s.models.")
        ):
            for alias in node.names:
                if alias.asname == alias.name:
                    found[alias.name] = node.module.rsplit(".", 1)[-1]
    return found


@pytest.mark.parametrize("module_name", TEXT_MODULES)
def test_every_public_type_is_exported_lazily_and_for_type_checkers(module_name: str) -> None:
    names = public_types(module_name)
    reexports = type_checking_reexports()
    for name in names:
        assert r9s.models._EXPORTS.get(name) == module_name, f"{name} missing from _EXPORTS"
        assert reexports.get(name) == module_name, f"{name} not re-exported as {name} as {name}"
        assert getattr(r9s.models, name) is getattr(
            importlib.import_module(f"r9s.models.{module_name}"), name
        )


LAZY_NAMES = """
from r9s.models.chat import ChatCompletionChunk, ChoiceDelta
from r9s.resources.chat import AsyncChatCompletionStream, ChatCompletionStream


def first_text(chunk: ChatCompletionChunk) -> str | None:
    delta: ChoiceDelta = chunk.choices[0].delta
    return delta.content if isinstance(delta.content, str) else None


def final(stream: ChatCompletionStream, other: AsyncChatCompletionStream) -> str:
    return stream.get_final_completion().text
"""


def test_names_loaded_on_first_use_are_typed_and_a_misspelt_one_is_an_error(
    tmp_path: Path,
) -> None:
    # The chunk models and the stream classes load lazily (module __getattr__), which
    # type checkers must not see: with it, any misspelt name would type as Any.
    _, report, status = mypy_on(tmp_path, LAZY_NAMES, "lazy_names.py")
    assert status == 0, report
    _, report, status = mypy_on(
        tmp_path,
        "from r9s.models.chat import ChatCompletionChunkk\n"
        "from r9s.resources.chat import ChatCompletionStreamm\n",
        "misspelt.py",
    )
    assert status == 1
    assert 'has no attribute "ChatCompletionChunkk"' in report
    assert 'has no attribute "ChatCompletionStreamm"' in report
