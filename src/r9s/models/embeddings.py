"""Types of ``POST /embeddings`` and ``POST /engines/{model}/embeddings``.

Vectors always arrive as ``list[float]``: with ``encoding_format="base64"`` (a smaller,
faster wire format) the server's base64 strings are decoded as little-endian float32.
Ask for ``keep_base64=True`` to get the strings instead (``Base64Embedding``).
"""

import base64
import sys
from array import array
from collections.abc import Iterable, Sequence
from typing import Annotated, Literal, Required, TypedDict

from pydantic import Field
from pydantic_core import core_schema

from r9s._options import RequestOptions
from r9s.models._base import Count, Items, Lenient, ResponseModel, Text, or_else

EmbeddingInput = str | Sequence[str] | Sequence[int] | Sequence[Sequence[int]]
"""A text, several texts, or token ids (one list, or one list per input)."""

_SWAP = sys.byteorder == "big"


def floats_from_base64(data: str | bytes) -> list[float]:
    """Decode an embedding sent as base64 little-endian float32."""
    values = array("f")
    values.frombytes(base64.b64decode(data))
    if _SWAP:
        values.byteswap()
    return values.tolist()


def base64_from_floats(vector: Iterable[float]) -> str:
    """Encode a vector as base64 little-endian float32 (the wire's base64 format)."""
    values = array("f", vector)
    if _SWAP:
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def _decode(value: str) -> list[float]:
    try:
        return floats_from_base64(value)
    except ValueError as exc:  # binascii.Error, or not a whole number of floats
        raise ValueError(f"the embedding is not base64 float32 data: {exc}") from None


_FLOATS_OR_BASE64 = or_else(core_schema.str_schema(), _decode)
_BASE64_OR_FLOATS = or_else(core_schema.list_schema(core_schema.float_schema()), base64_from_floats)


# -- request ----------------------------------------------------------------------------


class EngineEmbeddingRequest(TypedDict, total=False):
    """The body of ``POST /engines/{model}/embeddings``."""

    input: Required[EmbeddingInput]
    """What to embed: a string, a list of strings, or token ids."""
    encoding_format: Literal["float", "base64"]
    """The wire format. ``"base64"`` is smaller and faster to parse; you still get
    floats back unless you ask for ``keep_base64=True``."""
    dimensions: int
    """Shorten the vectors to this many dimensions (text-embedding-3 and later)."""
    user: str
    """Your end user's id, for abuse monitoring."""


class EmbeddingRequest(EngineEmbeddingRequest, total=False):
    """The body of ``POST /embeddings``."""

    model: Required[str]
    """The embedding model, e.g. ``"text-embedding-3-small"``."""


class EmbeddingCreateParams(EmbeddingRequest, RequestOptions, total=False):
    """The keyword arguments of ``embeddings.create``: the request fields and the per-call
    options."""


class EngineEmbeddingCreateParams(EngineEmbeddingRequest, RequestOptions, total=False):
    """The keyword arguments of ``engine_embeddings.create`` besides ``model``."""


# -- response ---------------------------------------------------------------------------


class EmbeddingObject(ResponseModel):
    """One vector (``Embedding``); ``index`` is the position of its input."""

    object: Lenient[Literal["embedding"] | str] = "embedding"
    embedding: Lenient[Annotated[list[float], _FLOATS_OR_BASE64]] = []
    index: Count = 0


Embedding = EmbeddingObject


class Base64Embedding(ResponseModel):
    """One vector as the base64 string the server sent (``keep_base64=True``)."""

    object: Lenient[Literal["embedding"] | str] = "embedding"
    embedding: Lenient[Annotated[str, _BASE64_OR_FLOATS]] = ""
    """Little-endian float32 values, base64-encoded (e.g. for
    ``numpy.frombuffer(base64.b64decode(s), dtype="<f4")``)."""
    index: Count = 0

    def floats(self) -> list[float]:
        """The vector decoded."""
        return floats_from_base64(self.embedding)


class EmbeddingUsage(ResponseModel):
    prompt_tokens: Count = 0
    total_tokens: Count = 0


class EmbeddingResponse(ResponseModel):
    """The vectors, one per input, in input order (``CreateEmbeddingResponse``)."""

    object: Lenient[Literal["list"] | str] = "list"
    data: Items[EmbeddingObject] = []
    model: Text = ""
    usage: Lenient[EmbeddingUsage] = Field(default_factory=EmbeddingUsage)
    """Token counts (all zeros when the server sent none)."""

    @property
    def vectors(self) -> list[list[float]]:
        """The vectors in input order."""
        return [item.embedding for item in sorted(self.data, key=lambda item: item.index)]


CreateEmbeddingResponse = EmbeddingResponse


class Base64EmbeddingResponse(ResponseModel):
    """The vectors as base64 strings (``keep_base64=True``)."""

    object: Lenient[Literal["list"] | str] = "list"
    data: Items[Base64Embedding] = []
    model: Text = ""
    usage: Lenient[EmbeddingUsage] = Field(default_factory=EmbeddingUsage)
    """Token counts (all zeros when the server sent none)."""
