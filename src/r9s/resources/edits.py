"""``r9s.edits``: edit text following an instruction."""

from __future__ import annotations

from typing import Never, Unpack

from r9s._pipeline import Endpoint, ParamCheck
from r9s._raw import RawResource, araw, raw
from r9s.models.edits import Edit, EditCreateParams
from r9s.resources._base import Resource

__all__ = ["EditCreateParams", "Edits", "EditsWithRawResponse"]

CREATE: Endpoint[Edit, Never, Never] = Endpoint(
    "POST", "/edits", Edit, params=ParamCheck("edits.create", EditCreateParams)
)


class Edits(Resource):
    """Edits: ``r9s.edits.create(model=..., input=..., instruction=...)``."""

    def create(self, **params: Unpack[EditCreateParams]) -> Edit:
        """Edit ``input`` following ``instruction``."""
        return self._send(CREATE, params)

    async def create_async(self, **params: Unpack[EditCreateParams]) -> Edit:
        """Edit ``input`` following ``instruction``."""
        return await self._asend(CREATE, params)


class EditsWithRawResponse(RawResource):
    """``r9s.with_raw_response.edits``: its calls, returning a ``RawResponse``."""

    create = raw(Edits.create)
    create_async = araw(Edits.create_async)
