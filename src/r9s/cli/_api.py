"""The one place where the CLI talks to the r9s API (listing models).

Implemented with httpx directly for now; it may later go through ``r9s.R9S``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ModelListError(Exception):
    """The model list could not be fetched; the message says why, without the key."""


@dataclass(frozen=True)
class ModelInfo:
    """One entry of ``GET /models``."""

    id: str
    owned_by: str = ""
    # Protocols the router says the model serves (e.g. "openai", "anthropic"), when it says.
    endpoint_types: tuple[str, ...] | None = field(default=None)


def list_models(base_url: str, api_key: str, timeout: float = 10.0) -> list[ModelInfo]:
    """``GET {base_url}/models`` with ``Authorization: Bearer api_key``."""
    import httpx

    url = base_url.rstrip("/") + "/models"
    try:
        response = httpx.get(url, headers={"Authorization": f"Bearer {api_key}"}, timeout=timeout)
    except httpx.TimeoutException:
        raise ModelListError(f"timed out after {timeout:g} s: GET {url}") from None
    except httpx.HTTPError as exc:
        raise ModelListError(f"cannot reach {url}: {exc.__class__.__name__}: {exc}") from None
    if response.status_code in (401, 403):
        raise ModelListError(f"the API key was rejected ({response.status_code}) by {url}")
    if response.status_code != 200:
        raise ModelListError(f"GET {url} answered {response.status_code}")
    try:
        items = response.json()["data"]
        models = [_model_info(item) for item in items]
    except (ValueError, KeyError, TypeError):
        raise ModelListError(f"GET {url} did not return a model list") from None
    return models


def _model_info(item: dict[str, object]) -> ModelInfo:
    model_id = item["id"]
    if not isinstance(model_id, str):
        raise TypeError("model id is not a string")
    owned_by = item.get("owned_by")
    kinds = item.get("supported_endpoint_types")
    endpoint_types = tuple(str(kind).lower() for kind in kinds) if isinstance(kinds, list) else None
    return ModelInfo(model_id, owned_by if isinstance(owned_by, str) else "", endpoint_types)
