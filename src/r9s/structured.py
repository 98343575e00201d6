"""Structured outputs: schemas and the stream types of ``parse``.

``chat.parse``, ``responses.parse`` and ``messages.parse`` are where structured answers
are asked for (see docs/structured.md); this module holds what goes with them:

- ``strict_schema(Person)`` / ``anthropic_schema(Person)``: the JSON schema ``parse``
  sends for a type, in OpenAI's strict form (chat, responses) or Anthropic's (messages);
- ``concise_schema("name, age int, bio: a short bio")``: ``llm``'s concise schema
  syntax as a JSON schema; ``multi_schema(schema)``: a list of such objects
  (``{"items": [...]}``); ``schema_from_text(text)``: a JSON schema from inline JSON, a
  JSON file or the concise syntax (what a ``--schema`` option takes);
- the stream classes ``parse(..., stream=True)`` returns, and their events.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from r9s._structured.stream import (
    AsyncParsedChatCompletionStream,
    AsyncParsedMessageStream,
    AsyncParsedResponseStream,
    AsyncParsedStream,
    ParsedChatCompletionStream,
    ParsedMessageStream,
    ParsedResponseStream,
    ParsedStream,
    ParsedStreamEvent,
    partial_json,
)
from r9s._structured.wire import Strategy

__all__ = [
    "AsyncParsedChatCompletionStream",
    "AsyncParsedMessageStream",
    "AsyncParsedResponseStream",
    "AsyncParsedStream",
    "ParsedChatCompletionStream",
    "ParsedMessageStream",
    "ParsedResponseStream",
    "ParsedStream",
    "ParsedStreamEvent",
    "Strategy",
    "anthropic_schema",
    "concise_schema",
    "multi_schema",
    "partial_json",
    "schema_from_text",
    "strict_schema",
]


def strict_schema(spec: Any) -> dict[str, Any]:
    """The JSON schema ``chat.parse`` / ``responses.parse`` send for ``spec`` (a pydantic
    model, a type ``pydantic.TypeAdapter`` takes, a ``TypeAdapter``), in OpenAI's strict
    form. A non-object type comes wrapped as ``{"value": ...}``."""
    from r9s._structured.schema import output_type

    return copy.deepcopy(output_type(spec).strict_schema)


def anthropic_schema(spec: Any) -> dict[str, Any]:
    """The JSON schema ``messages.parse`` sends for ``spec``, in Anthropic's form."""
    from r9s._structured.schema import output_type

    return copy.deepcopy(output_type(spec).anthropic_schema)


_CONCISE_TYPES = {
    "str": "string",
    "string": "string",
    "int": "integer",
    "integer": "integer",
    "float": "number",
    "number": "number",
    "bool": "boolean",
    "boolean": "boolean",
}
_FIELD_NAME = re.compile(r"^[A-Za-z_][\w-]*$")


def concise_schema(text: str) -> dict[str, Any]:
    """``llm``'s concise schema syntax as a JSON schema.

    Fields are separated by commas, or by newlines when there are several lines (then a
    description may hold commas). A field is ``name``, ``name type`` or either followed
    by ``: description``; the type is ``str`` (the default), ``int``, ``float`` or
    ``bool``. Every field is required::

        >>> concise_schema("name, age int: in years")["properties"]["age"]
        {'type': 'integer', 'description': 'in years'}

    ``ValueError`` names the field that is wrong.
    """
    source = text.strip()
    if not source:
        raise ValueError("the schema is empty: give fields such as 'name, age int'")
    separator = "\n" if "\n" in source else ","
    properties: dict[str, dict[str, Any]] = {}
    for raw in source.split(separator):
        field = raw.strip()
        if not field:
            continue
        head, _, description = field.partition(":")
        words = head.split()
        if not words:
            raise ValueError(f"the field {field!r} has no name")
        if len(words) > 2:
            raise ValueError(
                f"the field {head.strip()!r} should be 'name' or 'name type' "
                "(a description goes after a colon)"
            )
        name = words[0]
        if not _FIELD_NAME.match(name):
            raise ValueError(f"{name!r} is not a field name (letters, digits, _ and -)")
        type_word = words[1] if len(words) == 2 else "str"
        kind = _CONCISE_TYPES.get(type_word.lower())
        if kind is None:
            raise ValueError(
                f"unknown type {type_word!r} for the field {name!r}: use str, int, float or bool"
            )
        if name in properties:
            raise ValueError(f"the field {name!r} is given twice")
        definition: dict[str, Any] = {"type": kind}
        if description.strip():
            definition["description"] = description.strip()
        properties[name] = definition
    if not properties:
        raise ValueError("the schema has no fields: give fields such as 'name, age int'")
    return {"type": "object", "properties": properties, "required": list(properties)}


def multi_schema(schema: dict[str, Any], key: str = "items") -> dict[str, Any]:
    """A schema for a list of objects of ``schema``: ``{"items": [...]}`` (an object at
    the root, as every vendor requires)."""
    return {
        "type": "object",
        "properties": {key: {"type": "array", "items": schema}},
        "required": [key],
    }


def schema_from_text(text: str) -> dict[str, Any]:
    """A JSON schema from what a person types for one: inline JSON (``{...}``), the
    path of a JSON file, or the concise syntax (``name, age int``). ``ValueError`` says
    what is wrong, in one line."""
    value = text.strip()
    if not value:
        raise ValueError("the schema is empty")
    if value.startswith("{"):
        return _schema_object(value, "the inline schema")
    path = Path(value).expanduser()
    if path.suffix.lower() == ".json" or path.is_file():
        if not path.is_file():
            raise ValueError(f"{value}: no such schema file")
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{value}: cannot read it ({exc})") from None
        return _schema_object(content, str(value))
    return concise_schema(value)


def _schema_object(content: str, where: str) -> dict[str, Any]:
    try:
        schema = json.loads(content)
    except ValueError as exc:
        raise ValueError(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise ValueError(f"{where} must be a JSON object (a JSON schema)")
    return schema
