"""Base classes for the response models, and the shared ways they are lenient.

Response models keep what they do not know and accept what real servers send: a router
passes vendor extras through, and many servers send ``null`` for a field they mean to
leave out (``"id": null``, ``"index": null``, ``"usage": {"input_tokens": null}``,
``"data": null``...). One unexpected null must not fail a whole call, nor kill a stream
half-way after its tokens are paid for. So every field with a default is declared
``Lenient[...]``: ``null`` takes the default. Every model module uses these helpers; a
test walks all response models to hold them to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, GetPydanticSchema
from pydantic_core import PydanticUseDefault, core_schema

from r9s.errors import request_id_of

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")


DEFERRED = ConfigDict(defer_build=True)
"""For a ``TypeAdapter`` made at import: its validator is built on first use."""


class ResponseModel(BaseModel):
    """A response object. Unknown fields are kept (``model_extra``), as a router passes
    vendor extras through; attribute access works for them too."""

    # defer_build: a model's validator is built on its first use, so a call pays only for
    # the models of its answer (not for its stream's events, nor other operations').
    model_config = ConfigDict(
        extra="allow", populate_by_name=True, protected_namespaces=(), defer_build=True
    )
    __slots__ = ("_response_headers",)
    # A slot, not a field or a private attribute: set only on the object a call returns
    # (by the pipeline), it costs the many objects a response or a stream holds nothing.
    # Copies and pickles leave it out.
    if TYPE_CHECKING:
        _response_headers: httpx.Headers

    @property
    def request_id(self) -> str | None:
        """The id the server gave the request that returned this object (``x-request-id``,
        ``request-id`` or a router's own header), for support tickets; ``None`` on objects
        a call did not return (parts of a result, stream events, objects you built). A
        ``request_id`` field in the body (some vendors send one) comes first."""
        extra = self.__pydantic_extra__
        if extra:
            sent = extra.get("request_id")
            if sent is not None:
                return sent if isinstance(sent, str) else str(sent)
        try:
            headers = self._response_headers
        except AttributeError:
            return None
        return request_id_of(headers)

    def to_dict(self) -> dict[str, object]:
        """The object as plain JSON-compatible data, with wire names, without unset fields."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


def or_else(other: core_schema.CoreSchema, convert: Any) -> GetPydanticSchema:
    """An ``Annotated`` marker: the declared type, else a value matching ``other``,
    passed through ``convert``. The declared type is tried first, in pydantic-core: a
    value of that type costs what the type alone costs (a ``BeforeValidator`` would call
    Python for every value); only the other kind of value reaches Python."""
    return GetPydanticSchema(
        lambda source, handler: core_schema.union_schema(
            [handler(source), core_schema.no_info_after_validator_function(convert, other)],
            mode="left_to_right",
        )
    )


def _use_default(_: None) -> Any:
    raise PydanticUseDefault()


Lenient = Annotated[T, or_else(core_schema.none_schema(), _use_default)]
"""A field of type ``T`` that takes its default when the server sends ``null``.
(Give it a default: without one, ``null`` is reported as a missing field.)"""

Count = Lenient[int]
"""A token count, index or timestamp: ``null`` is its default (0)."""

Text = Lenient[str]
"""A string field (an id, a name, some text): ``null`` is its default (usually "")."""

Items = Lenient[list[T]]
"""A list field: ``null`` is its default (an empty list)."""


def none_as_empty(value: Any) -> Any:
    """``None`` as an empty list (for a ``BeforeValidator``; prefer ``Items``)."""
    return [] if value is None else value


def none_as_zero(value: Any) -> Any:
    """``None`` as 0 (for a ``BeforeValidator``; prefer ``Count``)."""
    return 0 if value is None else value


def none_as_text(value: Any) -> Any:
    """``None`` as "" (for a ``BeforeValidator``; prefer ``Text``)."""
    return "" if value is None else value
