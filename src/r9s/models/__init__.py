"""Request and response types, one module per API area, loaded on first use.

``from r9s.models import ChatCompletion`` works; so does ``r9s.models.ChatCompletion``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from r9s.models._base import ResponseModel
    from r9s.models.errors import ErrorBody, ErrorDetail
    from r9s.models.model_info import Model, ModelListResponse

# name -> module that defines it (kept in step with the modules by a test)
_EXPORTS: dict[str, str] = {
    "ResponseModel": "_base",
    "ErrorBody": "errors",
    "ErrorDetail": "errors",
    "Model": "model_info",
    "ModelListResponse": "model_info",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'r9s.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"r9s.models.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
