"""``r9s.moderations``: check texts (and images) for harmful content."""

from __future__ import annotations

from typing import Never, Unpack

from r9s._pipeline import Endpoint, ParamCheck
from r9s._raw import RawResource, araw, raw
from r9s.models.moderations import ModerationCreateParams, ModerationResponse
from r9s.resources._base import Resource

__all__ = ["ModerationCreateParams", "Moderations", "ModerationsWithRawResponse"]

CREATE: Endpoint[ModerationResponse, Never, Never] = Endpoint(
    "POST",
    "/moderations",
    ModerationResponse,
    params=ParamCheck("moderations.create", ModerationCreateParams),
)


class Moderations(Resource):
    """Moderations: ``r9s.moderations.create(input=...)``."""

    def create(self, **params: Unpack[ModerationCreateParams]) -> ModerationResponse:
        """Classify ``input``: one result per input, with flags and scores per category."""
        return self._send(CREATE, params)

    async def create_async(self, **params: Unpack[ModerationCreateParams]) -> ModerationResponse:
        """Classify ``input``: one result per input, with flags and scores per category."""
        return await self._asend(CREATE, params)


class ModerationsWithRawResponse(RawResource):
    """``r9s.with_raw_response.moderations``: its calls, returning a ``RawResponse``."""

    create = raw(Moderations.create)
    create_async = araw(Moderations.create_async)
