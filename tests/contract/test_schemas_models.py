"""Spec schemas of the models area against our types (see tests/support/schemas.py).

Every difference must be listed here with its reason; anything else fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from r9s.models.errors import ErrorBody
from r9s.models.model_info import Model, ModelListResponse
from tests.support.schemas import differences

LENIENT = "a router may omit it; we default it rather than fail the user's call"

COVERED: dict[str, tuple[Any, dict[str, str]]] = {
    "Model": (
        Model,
        {"optional:object": LENIENT, "optional:created": LENIENT, "optional:owned_by": LENIENT},
    ),
    "ModelListResponse": (
        ModelListResponse,
        {"optional:object": LENIENT, "optional:data": LENIENT},
    ),
}
ERROR_BODY_DIFFERENCES = {
    "optional:error": "non-JSON and empty error bodies still parse (issue: lenient errors)",
    "extra:type": "Anthropic's error envelope has a top-level type",
}
# Every error schema is the R9SError envelope with its own status (an integer on the wire, D1).
for error_schema in (
    "R9SError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "ServiceUnavailableError",
):
    COVERED[error_schema] = (ErrorBody, ERROR_BODY_DIFFERENCES)


@pytest.mark.parametrize("name", sorted(COVERED))
def test_schema_matches(name: str) -> None:
    ours, expected = COVERED[name]
    assert differences(name, ours) == set(expected)
