"""Output types: what a caller asks the answer to be (a pydantic model, any type a
``TypeAdapter`` takes, or a JSON schema), as the schema each wire format sends, and the
answer parsed back into it.

Two strict forms exist because the two vendors define "strict" differently:

- OpenAI's (chat and responses): every property required, ``additionalProperties:
  false`` on every object, ``null`` defaults dropped, a ``$ref`` with siblings inlined;
- Anthropic's (messages): ``additionalProperties: false``, ``required`` as given, and
  the keywords it does not support moved into the description (so the model may still
  follow them).

Both are what the official SDKs send for the same type, byte for byte once parsed
(``tests/contract/test_structured_parity.py`` holds them to it).

A schema whose root is not an object (``list[Person]``, ``int``) is sent wrapped as
``{"value": ...}``: both vendors require an object at the root. Parsing unwraps it.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, create_model

T = TypeVar("T")

WRAPPER_KEY = "value"
"""The property a non-object root is wrapped in."""

ANTHROPIC_STRING_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)
"""String formats Anthropic's structured outputs accept; others go to the description."""

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class OutputType(Generic[T]):
    """One requested output: its name, its JSON schema (wrapped if its root is not an
    object), the two strict forms, and the validator that parses an answer into ``T``.

    Built once per type and cached, so a hot loop of ``parse`` calls derives no schema.
    """

    __slots__ = ("name", "description", "schema", "wrapped", "given_schema", "_adapter", "_forms")

    def __init__(
        self,
        *,
        name: str,
        schema: dict[str, Any],
        adapter: TypeAdapter[Any],
        wrapped: bool = False,
        given_schema: bool = False,
    ) -> None:
        self.name = name
        self.schema = schema
        self.description: str | None = schema.get("description")
        self.wrapped = wrapped
        self.given_schema = given_schema
        """A JSON schema the caller wrote: sent as it is, and answers parsed as JSON."""
        self._adapter = adapter
        self._forms: dict[str, dict[str, Any]] = {}

    @property
    def strict_schema(self) -> dict[str, Any]:
        """The schema as OpenAI's strict mode wants it (shared: do not mutate)."""
        form = self._forms.get("openai")
        if form is None:
            form = self._forms["openai"] = (
                self.schema if self.given_schema else to_strict_schema(self.schema)
            )
        return form

    @property
    def anthropic_schema(self) -> dict[str, Any]:
        """The schema as Anthropic's structured outputs want it (shared: do not mutate)."""
        form = self._forms.get("anthropic")
        if form is None:
            form = self._forms["anthropic"] = (
                self.schema if self.given_schema else to_anthropic_schema(self.schema)
            )
        return form

    @property
    def strict(self) -> bool:
        """Whether to ask for strict adherence (not for a schema the caller wrote, which
        may not meet strict mode's rules)."""
        return not self.given_schema

    def validate_json(self, text: str | bytes) -> T:
        """The answer's JSON text parsed into ``T`` (``ValidationError`` if it does not fit)."""
        value = self._adapter.validate_json(text)
        return cast(T, getattr(value, WRAPPER_KEY) if self.wrapped else value)

    def validate_python(self, data: Any) -> T:
        """Already-decoded JSON (a tool call's input) validated into ``T``."""
        value = self._adapter.validate_python(data)
        return cast(T, getattr(value, WRAPPER_KEY) if self.wrapped else value)

    def unwrap(self, data: Any) -> Any:
        """A (partial) JSON value as the caller's type sees it (the wrapper removed)."""
        if self.wrapped:
            return data.get(WRAPPER_KEY) if isinstance(data, dict) else None
        return data


def output_type(spec: Any) -> OutputType[Any]:
    """The ``OutputType`` for what a caller passed as ``response_format`` (or
    ``text_format``, ``output_format``): a type, a ``TypeAdapter``, or a JSON schema dict."""
    if isinstance(spec, Mapping):
        return _from_schema(spec)
    try:
        return _cached(spec)
    except TypeError as exc:  # unhashable: build it uncached
        if "unhashable" not in str(exc):
            raise
        return _from_type(spec)


@functools.lru_cache(maxsize=256)
def _cached(spec: Any) -> OutputType[Any]:
    return _from_type(spec)


def _from_type(spec: Any) -> OutputType[Any]:
    if isinstance(spec, TypeAdapter):
        adapter: TypeAdapter[Any] = spec
        target = getattr(spec, "_type", None)
    else:
        target = spec
        try:
            adapter = TypeAdapter(spec)
        except Exception as exc:  # pydantic raises several kinds for what it cannot take
            raise TypeError(
                f"cannot derive a JSON schema from {spec!r}: pass a pydantic model, a type "
                f"pydantic.TypeAdapter takes (list[Model], a TypedDict, a dataclass...) or a "
                f"JSON schema dict ({exc})"
            ) from exc
    if isinstance(target, type) and issubclass(target, BaseModel):
        schema = target.model_json_schema()
    else:
        schema = adapter.json_schema()
    name = type_name(target)
    if _is_object(schema):
        return OutputType(name=name, schema=schema, adapter=adapter)
    wrapper = create_model(f"{name}Wrapper", **{WRAPPER_KEY: (target, ...)})  # type: ignore[call-overload]
    return OutputType(
        name=name, schema=wrap_schema(schema), adapter=TypeAdapter(wrapper), wrapped=True
    )


def _is_object(schema: Mapping[str, Any]) -> bool:
    """Whether the schema's root is an object (directly, or as a recursive model's root
    reference to its own definition)."""
    reference = schema.get("$ref")
    if isinstance(reference, str):
        try:
            return resolve_ref(schema, reference).get("type") == "object"
        except ValueError:
            return False
    return schema.get("type") == "object"


def _from_schema(schema: Mapping[str, Any]) -> OutputType[Any]:
    if schema.get("type") == "json_schema":  # a whole response_format / text.format given
        nested = schema.get("json_schema")
        holder = nested if isinstance(nested, Mapping) else schema
        inner = holder.get("schema")
        name = holder.get("name")
        schema = inner if isinstance(inner, Mapping) else {}
    else:
        name = schema.get("title")
    return OutputType(
        name=sanitize_name(name if isinstance(name, str) and name else "response"),
        schema=dict(schema),
        adapter=TypeAdapter(Any),
        given_schema=True,
    )


def wrap_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A non-object schema as an object with one required property, ``value`` (its
    ``$defs`` moved to the new root, so that ``#/$defs/...`` references still resolve)."""
    inner = {key: value for key, value in schema.items() if key != "$defs"}
    wrapped: dict[str, Any] = {
        "type": "object",
        "properties": {WRAPPER_KEY: inner},
        "required": [WRAPPER_KEY],
        "additionalProperties": False,
    }
    if "$defs" in schema:
        wrapped["$defs"] = schema["$defs"]
    return wrapped


def type_name(target: Any) -> str:
    """A schema or tool name for a type: ``Person``, ``list_Person``, ``dict_str_int``."""
    args = getattr(target, "__args__", None)
    origin = getattr(target, "__origin__", None)
    if origin is not None and args:
        parts = [type_name(origin), *(type_name(arg) for arg in args)]
        return sanitize_name("_".join(parts))
    name = getattr(target, "__name__", None)
    return sanitize_name(name if isinstance(name, str) else "response")


def sanitize_name(name: str) -> str:
    """``name`` as the vendors accept names: ``[A-Za-z0-9_-]``, 1 to 64 characters."""
    cleaned = _NAME_UNSAFE.sub("_", name).strip("_") or "response"
    return cleaned[:64]


# -- OpenAI's strict form ---------------------------------------------------------------


def to_strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` as OpenAI's strict mode requires it."""
    root = copy.deepcopy(dict(schema))
    return _strict(root, root, ())


def _strict(node: Any, root: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise TypeError(f"expected a JSON schema object at {'/'.join(path) or 'the root'}")
    for holder in ("$defs", "definitions"):
        defs = node.get(holder)
        if isinstance(defs, dict):
            for name, sub in defs.items():
                _strict(sub, root, (*path, holder, name))
    if node.get("type") == "object" and "additionalProperties" not in node:
        node["additionalProperties"] = False
    properties = node.get("properties")
    if isinstance(properties, dict):
        node["required"] = list(properties)
        node["properties"] = {
            key: _strict(sub, root, (*path, "properties", key)) for key, sub in properties.items()
        }
    items = node.get("items")
    if isinstance(items, dict):
        node["items"] = _strict(items, root, (*path, "items"))
    any_of = node.get("anyOf")
    if isinstance(any_of, list):
        node["anyOf"] = [
            _strict(sub, root, (*path, "anyOf", str(i))) for i, sub in enumerate(any_of)
        ]
    all_of = node.get("allOf")
    if isinstance(all_of, list):
        if len(all_of) == 1:
            node.update(_strict(all_of[0], root, (*path, "allOf", "0")))
            node.pop("allOf")
        else:
            node["allOf"] = [
                _strict(sub, root, (*path, "allOf", str(i))) for i, sub in enumerate(all_of)
            ]
    if "default" in node and node["default"] is None:
        del node["default"]  # nullable already says it; a null default adds nothing
    reference = node.get("$ref")
    if reference and len(node) > 1:
        # A $ref may not have siblings (a description...): inline what it points to,
        # the siblings winning, and make the result strict in turn.
        resolved = copy.deepcopy(resolve_ref(root, reference))
        merged = {**resolved, **node}
        del merged["$ref"]
        node.clear()
        node.update(merged)
        return _strict(node, root, path)
    return node


def resolve_ref(root: Mapping[str, Any], reference: str) -> dict[str, Any]:
    """What a local ``#/...`` reference points to in ``root``."""
    if not reference.startswith("#/"):
        raise ValueError(f"only local references (#/...) are supported, not {reference!r}")
    target: Any = root
    for part in reference[2:].split("/"):
        target = target.get(part) if isinstance(target, Mapping) else None
    if not isinstance(target, dict):
        raise ValueError(f"the reference {reference!r} does not point to a schema object")
    return target


# -- Anthropic's form -------------------------------------------------------------------


def _primitive(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def to_anthropic_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` as Anthropic's structured outputs take it."""
    rest = dict(schema)
    out: dict[str, Any] = {}
    defs = rest.pop("$defs", None)
    if defs is not None:
        out["$defs"] = {name: to_anthropic_schema(sub) for name, sub in defs.items()}
    reference = rest.pop("$ref", None)
    if reference is not None:
        out["$ref"] = reference
        description = rest.pop("description", None)
        if description is not None:
            out["description"] = description
        return out

    kind = rest.pop("type", None)
    any_of = rest.pop("anyOf", None)
    one_of = rest.pop("oneOf", None)
    all_of = rest.pop("allOf", None)
    enum = rest.get("enum")
    if isinstance(enum, list) and enum and all(_primitive(value) for value in enum):
        out["enum"] = list(rest.pop("enum"))
    if "const" in rest and _primitive(rest["const"]):
        out["const"] = rest.pop("const")
    literal = "enum" in out or "const" in out
    if literal:
        kind = None
    if isinstance(any_of, list):
        out["anyOf"] = [to_anthropic_schema(sub) for sub in any_of]
    elif isinstance(one_of, list):
        out["anyOf"] = [to_anthropic_schema(sub) for sub in one_of]
    elif isinstance(all_of, list):
        out["allOf"] = [to_anthropic_schema(sub) for sub in all_of]
    elif not literal:
        if kind is None:
            raise ValueError(
                "a schema needs a 'type', 'anyOf', 'oneOf', 'allOf', 'const' or 'enum' "
                f"(got {sorted(schema)})"
            )
        out["type"] = kind
    for key in ("description", "title"):
        value = rest.pop(key, None)
        if value is not None:
            out[key] = value

    if kind == "object":
        properties = rest.pop("properties", {})
        out["properties"] = {key: to_anthropic_schema(sub) for key, sub in properties.items()}
        rest.pop("additionalProperties", None)
        out["additionalProperties"] = False
        required = rest.pop("required", None)
        if required is not None:
            out["required"] = list(required) if isinstance(required, list) else required
    elif kind == "string":
        string_format = rest.pop("format", None)
        if string_format and string_format in ANTHROPIC_STRING_FORMATS:
            out["format"] = string_format
        elif string_format:
            rest["format"] = string_format  # unsupported: into the description, below
    elif kind == "array":
        items = rest.pop("items", None)
        if items is not None:
            out["items"] = to_anthropic_schema(items)
        min_items = rest.pop("minItems", None)
        if min_items in (0, 1):
            out["minItems"] = min_items
        elif min_items is not None:
            rest["minItems"] = min_items

    if rest:  # keywords Anthropic does not take: a hint in the description instead
        hint = "{" + ", ".join(f"{key}: {value}" for key, value in rest.items()) + "}"
        description = out.get("description")
        out["description"] = f"{description}\n\n{hint}" if description is not None else hint
    return out
