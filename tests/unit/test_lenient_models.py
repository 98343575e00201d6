"""Every response model is lenient the same way: a field with a default takes it when
the server sends ``null`` (as many do for "absent"), in every model module."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any, Literal, get_origin

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import r9s.models
from r9s.models._base import ResponseModel


def _response_models() -> list[type[ResponseModel]]:
    found: dict[str, type[ResponseModel]] = {}
    for module_info in pkgutil.iter_modules(r9s.models.__path__):
        module = importlib.import_module(f"r9s.models.{module_info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, ResponseModel)
                and value is not ResponseModel
                and value.__module__.startswith("r9s.models")
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def _names_its_kind(field: FieldInfo) -> bool:
    """A field typed as a ``Literal`` alone (``type: Literal["message_start"]``) names
    the model's kind: the payload's value chose the model (a null one decodes as the
    ``Unknown*`` fallback), so it never reaches the field as null."""
    return get_origin(field.annotation) is Literal


def _defaulted(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    return [
        (name, field)
        for name, field in model.model_fields.items()
        if not field.is_required()
        and field.get_default(call_default_factory=True) is not None
        and not _names_its_kind(field)
    ]


def _required_values(model: type[BaseModel]) -> dict[str, Any]:
    """A valid value for each required field (few models have any)."""
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if field.is_required():
            for candidate in ("x", {"type": "x"}):
                try:
                    model.model_validate({**values, (field.alias or name): candidate})
                except ValueError as exc:
                    if any(error["loc"][:1] == (field.alias or name,) for error in exc.errors()):  # type: ignore[attr-defined]
                        continue
                values[field.alias or name] = candidate
                break
    return values


CASES = [
    pytest.param(model, name, id=f"{model.__module__.rsplit('.', 1)[-1]}.{model.__name__}.{name}")
    for model in _response_models()
    for name, _ in _defaulted(model)
]


@pytest.mark.parametrize(("model", "name"), CASES)
def test_null_takes_the_default(model: type[BaseModel], name: str) -> None:
    field = model.model_fields[name]
    payload = {**_required_values(model), field.alias or name: None}
    default = field.get_default(call_default_factory=True)
    assert getattr(model.model_validate(payload), name) == default
    assert getattr(model.model_validate_json(json.dumps(payload)), name) == default


def test_every_model_module_is_walked() -> None:
    modules = {model.__module__ for model in _response_models()}
    assert len(CASES) > 100
    for name in (
        "chat",
        "completions",
        "edits",
        "embeddings",
        "images",
        "messages",
        "model_info",
        "moderations",
        "responses",
        "search",
        "audio",
    ):
        assert f"r9s.models.{name}" in modules
