"""Base classes for the response models: lenient, keeping what they do not know."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ResponseModel(BaseModel):
    """A response object. Unknown fields are kept (``model_extra``), as a router passes
    vendor extras through; attribute access works for them too."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    def to_dict(self) -> dict[str, object]:
        """The object as plain JSON-compatible data, with wire names, without unset fields."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)
