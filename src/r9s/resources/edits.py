"""``r9s.edits``: edit text following an instruction."""

from __future__ import annotations

from typing import Never, Unpack

from r9s._pipeline import Operation, ParamCheck, RequestOptions
from r9s.models.edits import Edit, EditRequest
from r9s.resources._base import Resource

__all__ = ["EditCreateParams", "Edits"]


class EditCreateParams(EditRequest, RequestOptions, total=False):
    """The keyword arguments of ``edits.create``: the request fields and the per-call
    options."""


CREATE: Operation[Edit, Never, Never] = Operation(
    "POST", "/edits", Edit, params=ParamCheck("edits.create", EditCreateParams)
)


class Edits(Resource):
    """Edits: ``r9s.edits.create(model=..., input=..., instruction=...)``."""

    def create(self, **params: Unpack[EditCreateParams]) -> Edit:
        """Edit ``input`` following ``instruction``."""
        return self._call(CREATE, params)

    async def create_async(self, **params: Unpack[EditCreateParams]) -> Edit:
        """Edit ``input`` following ``instruction``."""
        return await self._call_async(CREATE, params)
