"""Schemas for structured outputs: the strict forms equal what the official SDKs derive
(the same functions are the judges), non-object roots are wrapped, and the concise
``llm`` syntax and the ``--schema`` forms parse or say what is wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from anthropic.lib._parse._transform import transform_schema
from hypothesis import given, strategies as st
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel, Field, TypeAdapter

from r9s._structured.schema import output_type, to_anthropic_schema, to_strict_schema
from r9s.structured import (
    concise_schema,
    multi_schema,
    partial_json,
    schema_from_text,
    strict_schema,
)


class Tag(BaseModel):
    label: str = Field(min_length=1, max_length=20)


class Node(BaseModel):
    """A recursive model."""

    name: str
    children: list[Node] = []
    parent: Node | None = None


class Order(BaseModel):
    """An order."""

    id: Annotated[str, Field(pattern=r"^ord_\w+$")]
    status: Literal["open", "closed"] = "open"
    tags: list[Tag] = Field(default_factory=list, min_length=2)
    primary: Tag = Field(description="The main tag")  # a $ref with a sibling
    created: datetime
    totals: dict[str, float] = {}
    note: str | None = Field(default=None, description="Free text")
    quantity: int = Field(gt=0, multiple_of=5)


CATALOGUE = [Tag, Node, Order]


@pytest.mark.parametrize("model", CATALOGUE, ids=lambda model: model.__name__)
def test_openai_strict_form_equals_openais(model: type[BaseModel]) -> None:
    assert to_strict_schema(model.model_json_schema()) == to_strict_json_schema(model)
    assert strict_schema(model) == to_strict_json_schema(model)


@pytest.mark.parametrize("model", CATALOGUE, ids=lambda model: model.__name__)
def test_anthropic_form_equals_anthropics(model: type[BaseModel]) -> None:
    assert to_anthropic_schema(model.model_json_schema()) == transform_schema(model)


def test_strict_form_follows_the_rules() -> None:
    schema = strict_schema(Order)
    assert schema["required"] == list(schema["properties"])  # every property required
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Tag"]["additionalProperties"] is False
    primary = schema["properties"]["primary"]  # a $ref with siblings is inlined
    assert "$ref" not in primary and primary["description"] == "The main tag"
    assert "default" not in schema["properties"]["note"]  # null defaults dropped
    assert {"type": "null"} in schema["properties"]["note"]["anyOf"]  # optional: nullable


def test_anthropic_form_moves_what_it_does_not_take_into_the_description() -> None:
    schema = to_anthropic_schema(Order.model_json_schema())
    assert schema["properties"]["quantity"]["description"] == "{exclusiveMinimum: 0, multipleOf: 5}"
    assert schema["properties"]["tags"]["description"] == "{minItems: 2}"
    assert schema["properties"]["created"]["format"] == "date-time"


def test_a_non_object_root_is_wrapped() -> None:
    output = output_type(list[Tag])
    assert output.wrapped and output.name == "list_Tag"
    assert output.strict_schema["required"] == ["value"]
    assert output.strict_schema["$defs"]["Tag"]["required"] == ["label"]
    assert output.validate_json('{"value": [{"label": "a"}]}') == [Tag(label="a")]
    assert output.unwrap({"value": [1]}) == [1]
    assert output_type(dict[str, int]).name == "dict_str_int"
    # a recursive model's root is a reference to an object: not wrapped
    assert not output_type(Node).wrapped
    assert output_type(TypeAdapter(list[int])).name == "list_int"


def test_schema_names_are_what_vendors_accept() -> None:
    @dataclass
    class Weird:
        x: int

    Weird.__name__ = "Weird Name!"
    assert output_type(Weird).name == "Weird_Name"


def test_a_type_pydantic_cannot_take_is_a_clear_type_error() -> None:
    class Opaque:
        pass

    with pytest.raises(TypeError, match="cannot derive a JSON schema from"):
        output_type(Opaque)


def test_partial_json() -> None:
    assert partial_json("") is None
    assert partial_json('{"a": [1, 2], "b": "hel') == {"a": [1, 2], "b": "hel"}
    assert partial_json('{"a": tr') == {}


# -- the concise syntax -----------------------------------------------------------------


def test_concise_schema() -> None:
    assert concise_schema("name, age int, bio: a short bio") == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "bio": {"type": "string", "description": "a short bio"},
        },
        "required": ["name", "age", "bio"],
    }


def test_concise_schema_on_lines_allows_commas_in_descriptions() -> None:
    schema = concise_schema("name: the name\nscore float: 0 to 1, higher is better\nok bool")
    assert schema["properties"] == {
        "name": {"type": "string", "description": "the name"},
        "score": {"type": "number", "description": "0 to 1, higher is better"},
        "ok": {"type": "boolean"},
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the schema is empty"),
        (" , ,", "has no fields"),
        ("age integr", "unknown type 'integr' for the field 'age'"),
        ("first name str", "should be 'name' or 'name type'"),
        ("name, name", "the field 'name' is given twice"),
        ("9lives int", "'9lives' is not a field name"),
        (": no name", "has no name"),
    ],
)
def test_concise_schema_errors_name_the_field(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        concise_schema(text)


@given(st.text(max_size=80))
def test_concise_schema_never_fails_another_way(text: str) -> None:
    try:
        schema = concise_schema(text)
    except ValueError:
        return
    assert schema["required"] == list(schema["properties"])


def test_multi_schema() -> None:
    inner = concise_schema("name")
    assert multi_schema(inner) == {
        "type": "object",
        "properties": {"items": {"type": "array", "items": inner}},
        "required": ["items"],
    }


def test_schema_from_text(tmp_path: Path) -> None:
    schema: dict[str, Any] = {"type": "object", "properties": {"x": {"type": "string"}}}
    path = tmp_path / "thing.schema.json"
    path.write_text(json.dumps(schema))
    assert schema_from_text(json.dumps(schema)) == schema
    assert schema_from_text(str(path)) == schema
    assert schema_from_text("x, y int")["required"] == ["x", "y"]
    with pytest.raises(ValueError, match="the inline schema is not valid JSON"):
        schema_from_text("{nope")
    with pytest.raises(ValueError, match="no such schema file"):
        schema_from_text(str(tmp_path / "missing.json"))
    path.write_text("[1]")
    with pytest.raises(ValueError, match="must be a JSON object"):
        schema_from_text(str(path))
