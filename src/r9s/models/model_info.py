"""Types of ``GET /models`` and ``GET /models/{model}``."""

from __future__ import annotations

from r9s.models._base import Items, ResponseModel, Text


class Model(ResponseModel):
    """A model the router serves."""

    id: str
    object: Text = "model"
    created: int | None = None
    owned_by: str | None = None


class ModelListResponse(ResponseModel):
    """The list of models."""

    object: Text = "list"
    data: Items[Model] = []
