"""Compare the spec's schemas with our types: field names and required-ness.

Tests call ``differences(name, ours)`` for each schema they cover and assert that
what differs is exactly what their documented exception list says.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from tests.support.spec import load_spec

_SPEC: dict[str, Any] | None = None


def spec_schemas() -> dict[str, Any]:
    global _SPEC
    if _SPEC is None:
        _SPEC = load_spec()
    schemas: dict[str, Any] = _SPEC["components"]["schemas"]
    return schemas


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return _resolve(spec_schemas()[ref.rsplit("/", 1)[-1]])
    return schema


def spec_fields(name: str) -> dict[str, bool] | None:
    """``{field: required}`` of an object schema (``allOf`` merged); ``None`` for a union."""
    schema = _resolve(spec_schemas()[name])
    if "oneOf" in schema or "anyOf" in schema:
        return None
    fields: dict[str, bool] = {}
    parts = [_resolve(part) for part in schema.get("allOf", [])] or [schema]
    required: set[str] = set()
    for part in parts:
        required.update(part.get("required", []))
        for field in part.get("properties", {}):
            fields[field] = False
    for field in fields:
        fields[field] = field in required
    return fields


def _members(ours: Any) -> list[Any]:
    """The members of a union (``Annotated`` and nested unions unwrapped)."""
    origin = typing.get_origin(ours)
    if origin is typing.Annotated:
        return _members(typing.get_args(ours)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [member for arg in typing.get_args(ours) for member in _members(arg)]
    return [ours]


def our_fields(ours: Any) -> dict[str, bool]:
    """``{field: required}`` of a pydantic model (by alias) or a TypedDict; of a union,
    every member's fields, required when every member requires them."""
    members = _members(ours)
    if len(members) > 1:
        each = [our_fields(member) for member in members]
        names = {name for fields in each for name in fields}
        return {name: all(fields.get(name, False) for fields in each) for name in names}
    model_fields = getattr(ours, "model_fields", None)
    if model_fields is not None:
        return {(info.alias or field): info.is_required() for field, info in model_fields.items()}
    if typing.is_typeddict(ours):
        return {key: key in ours.__required_keys__ for key in typing.get_type_hints(ours)}
    raise TypeError(f"{ours!r} is neither a pydantic model nor a TypedDict")


def differences(name: str, ours: Any) -> set[str]:
    """What differs between spec schema ``name`` and ``ours``, as short strings:
    ``"missing:f"``, ``"extra:f"``, ``"optional:f"`` (required in the spec only),
    ``"required:f"`` (required in ours only). Empty for a union schema."""
    theirs = spec_fields(name)
    if theirs is None:
        return set()
    mine = our_fields(ours)
    found: set[str] = set()
    for field, required in theirs.items():
        if field not in mine:
            found.add(f"missing:{field}")
        elif required and not mine[field]:
            found.add(f"optional:{field}")
        elif mine[field] and not required:
            found.add(f"required:{field}")
    found.update(f"extra:{field}" for field in mine if field not in theirs)
    return found
