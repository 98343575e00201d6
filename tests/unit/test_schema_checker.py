"""The spec-schema checker (tests/support/schemas.py) itself, on a small made-up spec:
a union check must reject a type that satisfies none of the union's members, and a
tagged value that decodes as the wrong type."""

from typing import Annotated, Any, Literal, TypedDict

import pytest
from pydantic import BaseModel, Tag

from r9s.models._unions import by_type
from tests.support import schemas
from tests.support.schemas import differences


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def tagged(kind: str, *required: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["kind", *required],
        "properties": {"kind": {"type": "string", "const": kind}}
        | {field: {"type": "boolean"} for field in required},
    }


SPEC = {
    "components": {
        "schemas": {
            "Pet": {
                "oneOf": [ref("Cat"), ref("Dog")],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {"cat": ref("Cat")["$ref"], "dog": ref("Dog")["$ref"]},
                },
            },
            "Cat": tagged("cat", "meows"),
            "Dog": tagged("dog", "barks"),
            # no discriminator, no tags: members told apart by their required fields
            "Shape": {"anyOf": [ref("Circle"), ref("Square")]},
            "Circle": {"type": "object", "required": ["radius"], "properties": {"radius": {}}},
            "Square": {"type": "object", "required": ["side"], "properties": {"side": {}}},
        }
    }
}


@pytest.fixture(autouse=True)
def made_up_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schemas, "_SPEC", SPEC)


class Cat(TypedDict):
    kind: Literal["cat"]
    meows: bool


class Dog(TypedDict):
    kind: Literal["dog"]
    barks: bool


class Fish(TypedDict):
    kind: Literal["fish"]
    fins: int


class Mute(TypedDict):
    """Tagged as a cat, but without the ``meows`` every cat has."""

    kind: Literal["cat"]


class Circle(TypedDict):
    radius: float


class Square(TypedDict):
    side: float


class Triangle(TypedDict):
    sides: tuple[float, float, float]


PAIRS = {"Cat": Cat, "Dog": Dog, "Circle": Circle, "Square": Square}


def test_a_union_that_matches_the_spec_has_no_differences() -> None:
    assert differences("Pet", Cat | Dog, PAIRS) == set()
    assert differences("Shape", Circle | Square, PAIRS) == set()


def test_a_member_that_matches_no_spec_member_is_rejected() -> None:
    assert differences("Pet", Cat | Dog | Fish, PAIRS) == {"unmatched:Fish"}
    assert differences("Shape", Circle | Square | Triangle, PAIRS) == {"unmatched:Triangle"}


def test_a_member_lacking_a_required_field_matches_nothing() -> None:
    assert differences("Pet", Mute | Dog, PAIRS) == {"unmatched:Mute", "uncovered:Cat"}
    assert differences("Shape", Circle | Triangle, PAIRS) == {
        "unmatched:Triangle",
        "uncovered:Square",
    }


def test_a_spec_member_none_of_ours_serves_is_reported() -> None:
    assert differences("Pet", Cat, PAIRS) == {"uncovered:Dog"}


class CatModel(BaseModel):
    kind: str = "cat"
    meows: bool = True
    barks: bool = False


class DogModel(BaseModel):
    kind: str = "dog"
    meows: bool = False
    barks: bool = True


class UnknownPet(BaseModel):
    kind: str


MODEL_PAIRS = {"Cat": CatModel, "Dog": DogModel}


def test_pydantic_tags_decode_each_value_as_its_paired_type() -> None:
    right = Annotated[
        Annotated[CatModel, Tag("cat")]
        | Annotated[DogModel, Tag("dog")]
        | Annotated[UnknownPet, Tag("unknown")],
        by_type({"cat", "dog"}, key="kind"),
    ]
    # The fallback for kinds to come is no pet of the spec's: a table lists it with a reason.
    assert differences("Pet", right, MODEL_PAIRS) == {"unmatched:UnknownPet"}


def test_swapped_tags_are_a_wrong_mapping() -> None:
    # Both models have every field of both members: only the mapping is wrong.
    swapped = Annotated[
        Annotated[CatModel, Tag("dog")] | Annotated[DogModel, Tag("cat")],
        by_type({"cat", "dog"}, key="kind"),
    ]
    assert differences("Pet", swapped, MODEL_PAIRS) == {"mapping:cat", "mapping:dog"}


def test_a_tag_the_discriminator_does_not_know_decodes_as_the_fallback() -> None:
    forgot_dogs = Annotated[
        Annotated[CatModel, Tag("cat")]
        | Annotated[DogModel, Tag("dog")]
        | Annotated[UnknownPet, Tag("unknown")],
        by_type({"cat"}, key="kind"),
    ]
    # A dog decodes as the fallback, which lacks what a dog must have.
    assert differences("Pet", forgot_dogs, MODEL_PAIRS) == {
        "unmatched:UnknownPet",
        "uncovered:Dog",
    }


def test_a_union_schema_needs_the_pairs() -> None:
    with pytest.raises(TypeError, match="union"):
        differences("Pet", Cat | Dog)
