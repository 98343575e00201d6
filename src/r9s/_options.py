"""The per-call options every operation takes, and the ``UNSET`` marker.

Standard library only (``httpx`` is named in annotations, never imported): the request
types in ``r9s.models`` extend ``RequestOptions``, and importing them must not load the
HTTP stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypedDict

if TYPE_CHECKING:
    import httpx

    from r9s.utils import RetryConfig


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()
"""Marks an argument that was not given (as opposed to an explicit ``None``)."""

TimeoutTypes: TypeAlias = "float | httpx.Timeout | None"


class RequestOptions(TypedDict, total=False):
    """Per-call options accepted by every operation."""

    retries: RetryConfig | None
    """Retry policy for this call; ``None`` disables retries."""
    timeout: TimeoutTypes
    """Seconds (or an ``httpx.Timeout``) for this call."""
    timeout_ms: int
    """The timeout in milliseconds (the r9s 0.x name)."""
    server_url: str
    """Send this call to another base URL."""
    http_headers: Mapping[str, str]
    """Extra headers for this call."""
    extra_headers: Mapping[str, str]
    """Extra headers for this call (the OpenAI SDK's name)."""
    extra_query: Mapping[str, str]
    """Extra query parameters for this call."""
    extra_body: Mapping[str, Any]
    """Extra top-level body fields (vendor options such as ``cache_control``)."""


OPTION_NAMES: Final = frozenset(RequestOptions.__annotations__)
"""The keyword arguments that are options, not request fields."""
