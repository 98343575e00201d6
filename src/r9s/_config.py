"""Configuration values shared by the SDK and the CLI (standard library only)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

DEFAULT_BASE_URL = "https://api.r9s.ai/v1"
ENV_API_KEY = "R9S_API_KEY"
ENV_BASE_URL = "R9S_BASE_URL"
ENV_MODEL = "R9S_MODEL"


def normalize_base_url(url: str) -> str:
    """Accept ``https://host`` and ``https://host/v1`` alike: a URL with no path gets ``/v1``.

    Used for ``R9S_BASE_URL`` and the CLI's ``--base-url``; an explicit ``server_url=``
    passed to the SDK is used exactly as given (only a trailing slash is dropped).
    """
    url = url.strip()
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"base URL must use http or https, not {parts.scheme!r}: {url!r}")
    path = parts.path.rstrip("/")
    if not path:
        path = "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def check_server_url(url: str) -> str:
    """``url`` as it is, if it can be a base URL (an absolute http or https URL with a
    host); otherwise ``ValueError`` saying what is wrong. The path is not touched."""
    parts = urlsplit(url)
    if url != url.strip():
        raise ValueError(f"server_url has spaces around it: {url!r}")
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError(f"server_url has no host: {url!r}")
        return url
    if parts.scheme and parts.netloc:
        raise ValueError(f"server_url must use http or https, not {parts.scheme!r}: {url!r}")
    raise ValueError(
        f"server_url must be an absolute URL such as 'https://api.r9s.ai/v1', not {url!r}"
    )


def root_url(base_url: str) -> str:
    """The base URL without a trailing ``/v1`` (what Anthropic- and Gemini-style clients want)."""
    url = base_url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def env_base_url() -> str:
    """``R9S_BASE_URL`` normalised, or the production URL."""
    value = os.environ.get(ENV_BASE_URL, "").strip()
    return normalize_base_url(value) if value else DEFAULT_BASE_URL


def mask_key(key: str | None) -> str:
    """Show enough of a key to recognise it, never enough to use it."""
    if not key:
        return "(none)"
    if len(key) < 16:
        return "****"
    return f"{key[:3]}...{key[-4:]}"
