"""Typed helpers around the SDK's models: extras a response keeps, a chat call's arguments."""

from __future__ import annotations

from typing import Any, TypedDict

from pydantic import BaseModel

from r9s.models.chat import Message


def extra(model: BaseModel, name: str) -> Any:
    """The field ``name`` that ``model`` does not declare but kept from the wire, read as a
    user reads it (attribute access, which the models support at run time and a type
    checker cannot see). Fails if the model declares the field: then use it directly."""
    assert name not in type(model).model_fields, f"{type(model).__name__}.{name} is declared"
    return getattr(model, name)


class ChatArgs(TypedDict):
    """What every chat call needs, to spread into ``create(**args, ...)`` (and the JSON
    body of a chat request)."""

    model: str
    messages: list[Message]
