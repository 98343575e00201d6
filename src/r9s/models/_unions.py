"""Unions of response objects tagged by a ``type`` field, with a fallback for new types.

A router passes through block, item and event types the SDK does not know yet; they
must decode (as the fallback model, keeping every field) instead of failing the call.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import Discriminator

UNKNOWN = "unknown"


def by_type(known: Collection[str], *, key: str = "type") -> Discriminator:
    """A pydantic discriminator: the value of ``key`` when it is one of ``known``, else
    ``"unknown"`` (tag the fallback member of the union ``Tag("unknown")``)."""
    known = frozenset(known)

    def pick(value: Any) -> str:
        tag = value.get(key) if type(value) is dict else getattr(value, key, None)
        return tag if tag in known else UNKNOWN

    return Discriminator(pick)
