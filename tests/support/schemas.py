"""Compare the spec's schemas with our types: field names and required-ness.

Tests call ``differences(name, ours)`` for each schema they cover and assert that
what differs is exactly what their documented exception list says.

A union schema (``oneOf``/``anyOf``) is compared by its members: each of our union's
members must satisfy some member of the spec's (have its required fields, carry its
tag), each spec member must be served by one of ours, and a value tagged for a spec
member must decode as the type the tests pair with that member (see ``differences``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import Discriminator, Tag

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
    if _union_parts(schema):
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


def differences(name: str, ours: Any, pairs: Mapping[str, Any] | None = None) -> set[str]:
    """What differs between spec schema ``name`` and ``ours``, as short strings:
    ``"missing:f"``, ``"extra:f"``, ``"optional:f"`` (required in the spec only),
    ``"required:f"`` (required in ours only).

    For a union schema, ``pairs`` maps spec schema names to the types compared with them
    (a test module's coverage table) and the strings are those of ``union_differences``."""
    if _union_parts(_resolve(spec_schemas()[name])):
        if pairs is None:
            raise TypeError(f"{name} is a union: pass the pairs of its members and our types")
        return union_differences(name, ours, pairs)
    theirs = spec_fields(name)
    assert theirs is not None
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


# -- unions --------------------------------------------------------------------------------


def _union_parts(schema: dict[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = schema.get("oneOf", []) + schema.get("anyOf", [])
    return parts


def spec_members(name: str) -> dict[str, tuple[dict[str, Any], str | None]]:
    """``{member name: (schema, tag)}`` of a union schema, nested unions flattened.

    The tag is the value of the tag property (``tag_property``) that stands for the
    member: from the union's ``discriminator.mapping``, else the member's ``const`` (or
    one-value ``enum``); ``None`` when it has none. Only ``$ref`` members have names;
    an inline one is named ``name#index``."""
    union = _resolve(spec_schemas()[name])
    prop = tag_property(name)
    mapping = union.get("discriminator", {}).get("mapping", {})
    tags = {ref.rsplit("/", 1)[-1]: str(tag) for tag, ref in mapping.items()}
    members: dict[str, tuple[dict[str, Any], str | None]] = {}
    for index, part in enumerate(_union_parts(union)):
        member = part["$ref"].rsplit("/", 1)[-1] if "$ref" in part else f"{name}#{index}"
        resolved = _resolve(part)
        if _union_parts(resolved):
            members.update(spec_members(member))
        else:
            members[member] = (resolved, tags.get(member, _const(resolved, prop)))
    return members


def tag_property(name: str) -> str:
    """The property that tells a union's members apart: the discriminator's, else ``type``."""
    discriminator = _resolve(spec_schemas()[name]).get("discriminator", {})
    prop: str = discriminator.get("propertyName", "type")
    return prop


def _const(schema: dict[str, Any], prop: str) -> str | None:
    """The one value a schema allows for ``prop`` (``const`` or a one-value ``enum``)."""
    spec = schema.get("properties", {}).get(prop, {})
    if "const" in spec:
        return str(spec["const"])
    enum = spec.get("enum", [])
    return str(enum[0]) if len(enum) == 1 else None


def _literal_values(ours: Any, prop: str) -> set[str] | None:
    """The values ``ours`` allows for ``prop`` when its annotation lists them."""
    model_fields = getattr(ours, "model_fields", None)
    if model_fields is not None:
        info = model_fields.get(prop)
        annotation = info.annotation if info is not None else None
    elif typing.is_typeddict(ours):
        annotation = typing.get_type_hints(ours).get(prop)
    else:
        return None
    literals = [
        member for member in _members(annotation) if typing.get_origin(member) is typing.Literal
    ]
    if not literals:
        return None
    return {str(value) for literal in literals for value in typing.get_args(literal)}


def _tagged_members(ours: Any) -> tuple[list[tuple[Any, str | None]], Discriminator | None]:
    """Our union's members with their pydantic ``Tag`` (if any), and the union's own
    pydantic ``Discriminator`` (if any)."""
    discriminator: Discriminator | None = None
    if typing.get_origin(ours) is typing.Annotated:
        ours, *metadata = typing.get_args(ours)
        discriminator = next((m for m in metadata if isinstance(m, Discriminator)), None)
    if typing.get_origin(ours) not in (typing.Union, types.UnionType):
        return [(member, None) for member in _members(ours)], discriminator
    tagged: list[tuple[Any, str | None]] = []
    for arg in typing.get_args(ours):
        tag = None
        if typing.get_origin(arg) is typing.Annotated:
            tag = next((m.tag for m in typing.get_args(arg)[1:] if isinstance(m, Tag)), None)
        tagged.extend((member, tag) for member in _members(arg))
    return tagged, discriminator


def decoded_as(ours: Any, prop: str, tag: str) -> Any | None:
    """Which of our union's members a value whose ``prop`` is ``tag`` is taken for: by
    the union's pydantic discriminator where it has one (the SDK's own mapping), else
    by the members' ``Literal`` annotations. ``None`` when no member, or several, fit."""
    tagged, discriminator = _tagged_members(ours)
    if discriminator is not None and callable(discriminator.discriminator):
        picked = discriminator.discriminator({prop: tag})
        chosen = [member for member, member_tag in tagged if member_tag == picked]
    else:
        chosen = [member for member, _ in tagged if tag in (_literal_values(member, prop) or set())]
    return chosen[0] if len(chosen) == 1 else None


def satisfies(ours: Any, schema: dict[str, Any], tag: str | None, prop: str) -> bool:
    """Whether values of our (non-union) type satisfy a spec member: every field the
    member requires exists in ours, and our ``prop`` values include the member's tag."""
    required = set(schema.get("required", []))
    if not required <= set(our_fields(ours)):
        return False
    values = _literal_values(ours, prop)
    return tag is None or values is None or tag in values


def union_differences(name: str, ours: Any, pairs: Mapping[str, Any]) -> set[str]:
    """What differs between union schema ``name`` and our union ``ours``:

    - ``"unmatched:Ours"``: a member of ours satisfies no member of the spec's;
    - ``"uncovered:Member"``: no member of ours satisfies spec member ``Member`` (for a
      tagged member: the member of ours that its tag decodes as does not);
    - ``"mapping:tag"``: a value tagged for spec member ``M`` decodes as a type other
      than ``pairs[M]``, the one the tests compare with ``M`` field by field.
    """
    prop = tag_property(name)
    members = spec_members(name)
    mine = _members(ours)
    found: set[str] = set()
    for member in mine:
        if not any(satisfies(member, schema, tag, prop) for schema, tag in members.values()):
            found.add(f"unmatched:{member.__name__}")
    for member_name, (schema, tag) in members.items():
        if tag is None:
            if not any(satisfies(member, schema, None, prop) for member in mine):
                found.add(f"uncovered:{member_name}")
            continue
        chosen = decoded_as(ours, prop, tag)
        if chosen is None or not satisfies(chosen, schema, tag, prop):
            found.add(f"uncovered:{member_name}")
        elif member_name in pairs and chosen is not pairs[member_name]:
            found.add(f"mapping:{tag}")
    return found
