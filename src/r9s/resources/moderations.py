"""``r9s.moderations``: check texts (and images) for harmful content."""

from __future__ import annotations

from typing import Never, Unpack

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s.models.moderations import ModerationRequest, ModerationResponse
from r9s.resources._base import Resource

__all__ = ["ModerationCreateParams", "Moderations"]


class ModerationCreateParams(ModerationRequest, RequestOptions, total=False):
    """The keyword arguments of ``moderations.create``."""


CREATE: Operation[ModerationResponse, Never, Never] = Operation(
    "POST",
    "/moderations",
    ModerationResponse,
    params=ParamCheck("moderations.create", ModerationCreateParams),
)


class Moderations(Resource):
    """Moderations: ``r9s.moderations.create(input=...)``."""

    def create(self, **params: Unpack[ModerationCreateParams]) -> ModerationResponse:
        """Classify ``input``: one result per input, with flags and scores per category."""
        return self._call(CREATE, params)

    async def create_async(self, **params: Unpack[ModerationCreateParams]) -> ModerationResponse:
        """Classify ``input``: one result per input, with flags and scores per category."""
        return await self._call_async(CREATE, params)
