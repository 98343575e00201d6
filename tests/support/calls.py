"""``Prism(client, mode)``: a ``Twin`` of a client of Prism whose calls fail the test with
Prism's ``sl-violations`` when Prism finds a request invalid (for the Prism contract
tests, whose ``prism`` fixtures give one per mode)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from r9s import R9S, errors
from tests.support.twins import Twin, _Call, collect

__all__ = ["Prism", "collect", "prism_client"]


class _CheckedCall(_Call):
    __slots__ = ()

    def __call__(
        self, *args: Any, consume: Callable[[Any], Any] | None = None, **kwargs: Any
    ) -> Any:
        try:
            return super().__call__(*args, consume=consume, **kwargs)
        except errors.APIStatusError as exc:
            violations = exc.headers.get("sl-violations") if exc.headers is not None else None
            if violations and not kwargs.get("http_headers", {}).get("Prefer"):
                raise AssertionError(f"Prism rejected the request: {violations}") from exc
            raise


class Prism(Twin):
    """A client of Prism, used sync or async (see ``Twin``). A request Prism finds invalid
    fails the test with Prism's ``sl-violations`` (unless the test asked for an error
    with ``Prefer``)."""

    __slots__ = ()
    _call = _CheckedCall


def prism_client(url: str) -> R9S:
    """A client of the Prism server at ``url`` (no retries: an answer is Prism's first)."""
    return R9S(api_key="sk-test", server_url=url, retry_config=None)
