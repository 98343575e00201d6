"""The echo model's structured side: valid instances of a JSON schema, the tool calls a
turn asks for, refusals, and which models lack native JSON-schema output.

- ``instance(schema, text)`` is a deterministic value valid for ``schema``: strings are
  the user text (cut or padded to ``minLength``/``maxLength``, or a string made to match
  ``pattern``/``format``), numbers 1 (moved into ``minimum``..``maximum`` and onto
  ``multipleOf``), booleans true, enums their first value, arrays ``minItems`` items
  (distinct when ``uniqueItems``), objects their required properties (or all when none
  is required). ``$ref``, ``anyOf``/``oneOf`` (the first non-null option) and ``allOf``
  (merged) are followed.
- ``requested_calls(text, tools)``: each ``call NAME`` in the text is a call of that tool,
  in order; a JSON object right after the name is used as the arguments as it is (to test
  what a client does with bad ones), else they are made from the tool's schema.
- A structured request whose text has a violent word is refused.
- ``NO_JSON_SCHEMA`` models reject a JSON-schema output with a 400 naming the field, as
  DeepSeek and older Claude models do; ``IGNORES_JSON_SCHEMA`` models drop it silently and
  answer in prose, as some router channels do.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Sequence
from typing import Any

from r9s.testing._errors import ApiError

NO_JSON_SCHEMA = frozenset({"deepseek-chat", "deepseek-reasoner", "claude-3-5-haiku"})
"""Models that answer a JSON-schema output request with a 400 naming the field."""
IGNORES_JSON_SCHEMA = frozenset({"meta-llama/llama-3.3-70b-instruct"})
"""Models whose channel drops the JSON-schema request: they answer with plain text."""

VIOLENT_WORDS = frozenset({"hurt", "kill", "bomb", "weapon", "violent", "violence", "attack"})
"""Words that make the moderation endpoint flag a text, and a structured answer a refusal."""
REFUSAL = "I'm sorry, but I can't help with that."

MAX_DEPTH = 12
"""How deep references are followed before a recursive schema gets its empty value."""


def violent(text: str) -> bool:
    words = {word.strip(".,!?;:'\"").lower() for word in text.split()}
    return bool(words & VIOLENT_WORDS)


def requested_schema(
    model: str, schema: dict[str, Any] | None, param: str
) -> dict[str, Any] | None:
    """The schema the echo model will follow for ``model``: ``schema`` itself, ``None``
    when the model's channel drops it, or a 400 naming ``param`` when the model has no
    JSON-schema output. (Plain JSON mode, ``{}``, works everywhere.)"""
    if not schema:
        return schema
    base = _base_model(model)
    if base in NO_JSON_SCHEMA:
        raise ApiError(
            400,
            f"Invalid parameter: '{param}' of type 'json_schema' is not supported with the "
            f"model {model}.",
            code="invalid_parameter",
            param=param,
        )
    if base in IGNORES_JSON_SCHEMA:
        return None
    return schema


def _base_model(model: str) -> str:
    # dated snapshots and -latest name the same model
    return re.sub(r"(-\d{8}|-\d{4}-\d{2}-\d{2}|-latest)$", "", model)


# -- tool calls -------------------------------------------------------------------------

_DECODER = json.JSONDecoder()


def requested_calls(text: str, names: Sequence[str]) -> list[tuple[str, dict[str, Any] | None]]:
    """``(tool name, explicit arguments or None)`` for each ``call NAME`` in ``text``, in
    the order the text asks (the same call asked twice counts once)."""
    if not names:
        return []
    pattern = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    found: list[tuple[str, dict[str, Any] | None]] = []
    for match in re.finditer(rf"\bcall ({pattern})(?![\w-])", text):
        arguments = None
        rest = text[match.end() :].lstrip()
        if rest.startswith("{"):
            try:
                value, _ = _DECODER.raw_decode(rest)
            except ValueError:
                value = None
            if isinstance(value, dict):
                arguments = value
        entry = (match.group(1), arguments)
        if entry not in found:
            found.append(entry)
    return found


# -- instances --------------------------------------------------------------------------


def instance(schema: Any, text: str) -> Any:
    """A deterministic value valid for JSON ``schema`` (see the module's docstring)."""
    return _value(schema, text, schema if isinstance(schema, dict) else {}, 0, 0)


def _value(schema: Any, text: str, root: dict[str, Any], depth: int, variant: int) -> Any:
    if schema is True or not isinstance(schema, dict):
        return _string({}, text, variant)
    hints = _description_hints(schema.get("description"))
    if hints:
        schema = {**hints, **schema}
    if depth > MAX_DEPTH:
        return _empty(schema, root)
    reference = schema.get("$ref")
    if isinstance(reference, str):
        target = _resolve(root, reference)
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        merged = {**target, **siblings} if siblings else target
        return _value(merged, text, root, depth + 1, variant)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and all_of:
        return _value(_merge(schema, all_of, root), text, root, depth + 1, variant)
    for combinator in ("anyOf", "oneOf"):
        options = schema.get(combinator)
        if isinstance(options, list) and options:
            usable = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            if len(usable) < len(options) and depth > MAX_DEPTH // 2:
                return None  # deep in a recursive schema: end it where it may end
            chosen = (usable or options)[0]
            if isinstance(chosen, dict):
                extra = {k: v for k, v in schema.items() if k not in (combinator, "default")}
                chosen = {**extra, **chosen}
            return _value(chosen, text, root, depth + 1, variant)
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[variant % len(enum)]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "null":
        return None
    if kind == "boolean":
        return variant % 2 == 0
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer", variant)
    if kind == "array":
        return _array(schema, text, root, depth, variant)
    if kind == "object":
        return _object(schema, text, root, depth)
    return _string(schema, text, variant)


_HINTED = (
    "minItems", "maxItems", "uniqueItems", "prefixItems", "minProperties", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
    "maxLength", "pattern", "format",
)  # fmt: skip
_KEYS = "|".join(_HINTED)
_HINT = re.compile(rf"\{{((?:{_KEYS}): .*)\}}\s*$", re.S)
_HINT_KEY = re.compile(rf"(?:^|, )({_KEYS}): ")


def _description_hints(description: Any) -> dict[str, Any]:
    """Constraints Anthropic's schema form moved into a description (``...\n\n{minItems:
    3, pattern: ^a}``): a model reads and follows them, and so does the echo model."""
    if not isinstance(description, str) or not description.endswith("}"):
        return {}
    found = _HINT.search(description)
    if found is None:
        return {}
    body = found.group(1)
    keys = list(_HINT_KEY.finditer(body))
    hints: dict[str, Any] = {}
    for index, key in enumerate(keys):
        end = keys[index + 1].start() if index + 1 < len(keys) else len(body)
        raw = body[key.end() : end]
        hints[key.group(1)] = _hint_value(key.group(1), raw)
    return hints


def _hint_value(key: str, raw: str) -> Any:
    if key in ("pattern", "format"):
        return raw
    try:  # the hint is Python's str() of the value
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw


def _resolve(root: dict[str, Any], reference: str) -> dict[str, Any]:
    target: Any = root
    if reference.startswith("#"):
        for part in reference[1:].lstrip("/").split("/"):
            if part:
                target = target.get(part) if isinstance(target, dict) else None
    return target if isinstance(target, dict) else {}


def _merge(schema: dict[str, Any], parts: list[Any], root: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        if isinstance(part, dict) and isinstance(part.get("$ref"), str):
            part = {
                **_resolve(root, part["$ref"]),
                **{k: v for k, v in part.items() if k != "$ref"},
            }
        if not isinstance(part, dict):
            continue
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required" and isinstance(value, list):
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _empty(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """The smallest value for a schema too deep to follow (a recursive one): null where
    it may be, else an empty array or object."""
    kinds = schema.get("type")
    options = schema.get("anyOf") or schema.get("oneOf") or []
    if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
        return None
    if any(isinstance(o, dict) and o.get("type") == "null" for o in options):
        return None
    return [] if kinds == "array" else {}


def _number(schema: dict[str, Any], integer: bool, variant: int) -> int | float:
    """1 (plus ``variant``), or else the first of a few candidates that meets the bounds
    and ``multipleOf``: the bounds themselves, just inside them, their midpoint."""
    low_given, high_given = schema.get("minimum"), schema.get("maximum")
    low_open_given, high_open_given = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(low_open_given, bool):  # draft 4: booleans beside minimum/maximum
        low_open_given, low_given = (
            (low_given if low_open_given else None),
            (None if low_open_given else low_given),
        )
    if isinstance(high_open_given, bool):
        high_open_given, high_given = (
            (high_given if high_open_given else None),
            (None if high_open_given else high_given),
        )
    low, high = _bound(low_given), _bound(high_given)
    low_open, high_open = _bound(low_open_given), _bound(high_open_given)
    multiple = _bound(schema.get("multipleOf"))
    if multiple is not None and multiple <= 0:
        multiple = None

    def fits(value: float) -> bool:
        if integer and value != int(value):
            return False
        if (low is not None and value < low) or (low_open is not None and value <= low_open):
            return False
        if (high is not None and value > high) or (high_open is not None and value >= high_open):
            return False
        return multiple is None or math.isclose(value / multiple, round(value / multiple))

    start = 1 + variant
    lower = max((v for v in (low, low_open) if v is not None), default=None)
    upper = min((v for v in (high, high_open) if v is not None), default=None)
    candidates: list[float] = [start]
    for bound, direction in ((lower, 1), (upper, -1)):
        if bound is None:
            continue
        for step in (0, 1, 0.5, 0.01):
            candidates.append(bound + direction * (step + variant))
            candidates.append(bound + direction * step)
    if lower is not None and upper is not None:
        candidates.append((lower + upper) / 2)
    if multiple is not None:
        for base in [start, *(c for c in candidates[1:])]:
            for rounding in (math.ceil, math.floor):
                candidates.append(rounding(base / multiple) * multiple)
                candidates.append(rounding(base / multiple) * multiple + multiple)
    if integer:
        candidates = [value for c in candidates for value in (math.ceil(c), math.floor(c))]
    value = next((c for c in candidates if fits(c)), start)
    if integer or value == int(value):
        return int(value)
    return value


def _bound(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00Z",
    "duration": "P1D",
    "email": "echo@example.com",
    "idn-email": "echo@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "uri": "https://example.com/echo",
    "iri": "https://example.com/echo",
    "uri-reference": "https://example.com/echo",
    "url": "https://example.com/echo",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def _string(schema: dict[str, Any], text: str, variant: int) -> str:
    value = text if not variant else f"{text} {variant + 1}"
    string_format = schema.get("format")
    if isinstance(string_format, str) and string_format in _FORMATS:
        value = _FORMATS[string_format]
        if variant and string_format == "uuid":
            value = f"00000000-0000-4000-8000-{variant:012d}"
        elif variant and string_format in ("email", "idn-email"):
            value = f"echo{variant + 1}@example.com"
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not _search(pattern, value):
        made = _matching(pattern, variant)
        if made is not None:
            value = made
    minimum, maximum = schema.get("minLength"), schema.get("maxLength")
    if isinstance(maximum, int) and len(value) > maximum:
        value = value[:maximum]
    if isinstance(minimum, int) and len(value) < minimum:
        value = value + "." * (minimum - len(value))
    return value


def _search(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True  # a pattern Python cannot read is not ours to enforce


def _array(
    schema: dict[str, Any], text: str, root: dict[str, Any], depth: int, variant: int
) -> list[Any]:
    prefix = schema.get("prefixItems")
    items = schema.get("items")
    count = schema.get("minItems")
    count = count if isinstance(count, int) and count > 0 else 0
    values: list[Any] = []
    if isinstance(prefix, list):
        values = [
            _value(sub, text, root, depth + 1, 0) for sub in prefix[: max(count, len(prefix))]
        ]
    unique = bool(schema.get("uniqueItems"))
    index = len(values)
    while len(values) < count:
        value = _value(
            items if items is not None else {}, text, root, depth + 1, index if unique else 0
        )
        values.append(value)
        index += 1
    return values


def _object(schema: dict[str, Any], text: str, root: dict[str, Any], depth: int) -> dict[str, Any]:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    required = [name for name in schema.get("required") or [] if name in properties]
    chosen = required or list(properties)
    least = schema.get("minProperties")
    if isinstance(least, int) and len(chosen) < least:
        chosen += [name for name in properties if name not in chosen][: least - len(chosen)]
    return {name: _value(properties[name], text, root, depth + 1, 0) for name in chosen}


# -- strings matching a pattern ---------------------------------------------------------


def _matching(pattern: str, variant: int) -> str | None:
    """A short string ``re.search(pattern, ...)`` accepts, or ``None`` if none was found."""
    try:
        import importlib

        parser: Any = importlib.import_module("re._parser")  # Python 3.11+; private
        parsed = parser.parse(pattern)
    except Exception:
        return None
    groups: dict[int, str] = {}
    try:
        made = _generate(parsed, groups)
    except Exception:
        return None
    if variant:
        varied = made + str(variant + 1)
        if _search(pattern, varied):
            made = varied
    return made if _search(pattern, made) else None


def _generate(items: Any, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, argument in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(argument))
        elif name == "NOT_LITERAL":
            out.append("a" if argument != ord("a") else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_in_class(argument))
        elif name == "CATEGORY":
            out.append(_CATEGORIES.get(str(argument), "a"))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, sub = argument
            out.append(_generate(sub, groups) * low)
        elif name == "SUBPATTERN":
            group, _, _, sub = argument
            made = _generate(sub, groups)
            if group is not None:
                groups[group] = made
            out.append(made)
        elif name == "ATOMIC_GROUP":
            out.append(_generate(argument, groups))
        elif name == "BRANCH":
            out.append(_generate(argument[1][0], groups))
        elif name == "GROUPREF":
            out.append(groups.get(argument, ""))
        # AT (anchors), ASSERT and ASSERT_NOT (lookarounds): nothing to add
    return "".join(out)


_CATEGORIES = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
}
_CANDIDATES = "aA0_- .x9Z"


def _in_class(items: list[tuple[Any, Any]]) -> str:
    negated = bool(items) and str(items[0][0]) == "NEGATE"
    members = items[1:] if negated else items
    if not negated:
        for op, argument in members:
            name = str(op)
            if name == "LITERAL":
                return chr(argument)
            if name == "RANGE":
                return chr(argument[0])
            if name == "CATEGORY":
                return _CATEGORIES.get(str(argument), "a")
        return "a"
    for candidate in _CANDIDATES:
        if not any(_member(candidate, op, argument) for op, argument in members):
            return candidate
    return "~"


def _member(char: str, op: Any, argument: Any) -> bool:
    name = str(op)
    if name == "LITERAL":
        return bool(ord(char) == argument)
    if name == "RANGE":
        return bool(argument[0] <= ord(char) <= argument[1])
    if name == "CATEGORY":
        test = {
            "CATEGORY_DIGIT": char.isdigit(),
            "CATEGORY_NOT_DIGIT": not char.isdigit(),
            "CATEGORY_WORD": char.isalnum() or char == "_",
            "CATEGORY_NOT_WORD": not (char.isalnum() or char == "_"),
            "CATEGORY_SPACE": char.isspace(),
            "CATEGORY_NOT_SPACE": not char.isspace(),
        }
        return bool(test.get(str(argument), False))
    return False
