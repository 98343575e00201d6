"""The one place where the CLI builds its SDK client and lists models.

``connection()`` resolves the key and base URL the same way for every command (flag >
environment > ``.env`` > ``~/.r9s/config.toml`` > default); ``list_models`` is what
``set``, ``doctor``, ``login``, ``models`` and the model-name suggestions use.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from r9s.cli.common.i18n import _

if TYPE_CHECKING:
    from r9s.client import R9S


class ModelListError(Exception):
    """The model list could not be fetched; the message says why, without the key.

    ``rejected`` is true when the server refused the key (401/403), as opposed to being
    unreachable or answering something else.
    """

    def __init__(self, message: str, *, rejected: bool = False) -> None:
        super().__init__(message)
        self.rejected = rejected


class MissingKey(Exception):
    """No API key anywhere."""


@dataclass(frozen=True)
class ModelInfo:
    """One entry of ``GET /models``."""

    id: str
    owned_by: str = ""
    # Protocols the router says the model serves (e.g. "openai", "anthropic"), when it says.
    endpoint_types: tuple[str, ...] | None = field(default=None)
    created: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Connection:
    """Where and with which key the CLI talks to r9s, and where each came from."""

    base_url: str
    base_source: str
    api_key: str | None
    key_source: str


def connection(api_key: str | None = None, base_url: str | None = None) -> Connection:
    """The base URL and key every command resolves the same way (flag > environment >
    ``.env`` > ``~/.r9s/config.toml`` > default)."""
    from r9s._config import ENV_API_KEY
    from r9s.cli.common.settings import base_url as resolve_base_url, resolve

    base, base_source = resolve_base_url(base_url)
    assert base is not None
    key, key_source = resolve(api_key, ENV_API_KEY, flag_name="--api-key")
    return Connection(base, base_source, key, key_source)


def connect(args: argparse.Namespace) -> tuple[Connection, R9S]:
    """The connection a command's ``--api-key``, ``--base-url``, ``--timeout`` (and
    ``--retries``, for a command that has it) give, and a client for it."""
    conn = connection(args.api_key, args.base_url)
    return conn, client(conn, timeout=args.timeout, retries=getattr(args, "retries", None))


def client(
    conn: Connection,
    *,
    timeout: float | None = None,
    retries: int | None = None,
    notices: Any = None,
) -> R9S:
    """An SDK client for ``conn``; raises :class:`MissingKey` without a key. Each retry
    is told on stderr, or to the ``notices`` logger when given (see :func:`retry_notice`)."""
    from r9s import R9S
    from r9s.cli.common.errors import remember
    from r9s.utils import default_retry_config

    if not conn.api_key:
        raise MissingKey(_("no API key: run `r9s login`, pass --api-key, or set R9S_API_KEY"))
    key = conn.api_key
    remember(
        connection=conn,
        timeout=timeout,
        model_names=lambda: [m.id for m in list_models(conn.base_url, key, timeout=5.0)],
    )
    retry = default_retry_config()
    if retries is not None:
        retry.max_retries = max(0, retries)
    kwargs: dict[str, Any] = {}
    if timeout is not None:
        import httpx

        kwargs["timeout"] = httpx.Timeout(timeout, connect=min(timeout, 5.0))
    return R9S(
        api_key=conn.api_key,
        server_url=conn.base_url,
        retry_config=retry,
        debug_logger=notices if notices is not None else _retry_notices(),
        **kwargs,
    )


def _retry_notices() -> Any:
    """A logger for the SDK's per-request lines that tells the person, on stderr, when a
    request is retried and how long it waits (a 429's Retry-After can be long)."""
    import logging
    import sys

    logger = logging.getLogger("r9s.cli.retries")
    if not logger.handlers:

        class Notice(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                notice = retry_notice(record.getMessage())
                if notice is not None:
                    sys.stderr.write(f"r9s: {notice}\n")
                    sys.stderr.flush()

        logger.addHandler(Notice())
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    return logger


def retry_notice(line: str) -> str | None:
    """``rate limited (429); retrying in 1.00 s`` out of the SDK's line for a request
    that is retried; None for any other line."""
    if "; retrying in " not in line:
        return None
    outcome = line.split(" -> ", 1)[-1].split(" in ", 1)[0]
    wait = line.rsplit("; retrying in ", 1)[1]
    if outcome == "429":
        return _("rate limited (429); retrying in {wait}").format(wait=wait)
    if outcome.isdigit():
        return _("server error ({status}); retrying in {wait}").format(status=outcome, wait=wait)
    return _("network error; retrying in {wait}").format(wait=wait)


# The router's /models extensions: fields added with ?expand=..., and ?filter=FIELD=GLOB.
DETAIL_FIELDS = ("context_length", "modality", "endpoints")
ENDPOINTS = {
    "chat": "/v1/chat/completions",
    "messages": "/v1/messages",
    "responses": "/v1/responses",
}
# Models one cannot chat with, recognised by id when the list does not say.
NOT_CHAT = re.compile(
    r"embed|whisper|tts|speech|transcri|dall-e|image|moderation|rerank|audio|realtime|sora|veo",
    re.IGNORECASE,
)


def is_chat_model(model: ModelInfo, api: str | None = None) -> bool:
    """Whether one can chat with ``model`` (through ``api``'s endpoint, when given):
    from the endpoints or modality the router lists, else from its id."""
    endpoints = model.extra.get("endpoints")
    if isinstance(endpoints, list) and endpoints:
        paths = [str(path).rstrip("/") for path in endpoints]
        wanted = [ENDPOINTS[api]] if api in ENDPOINTS else list(ENDPOINTS.values())
        return any(path.endswith(end) for path in paths for end in wanted)
    modality = model.extra.get("modality")
    if isinstance(modality, str) and "->" in modality:
        return modality.split("->", 1)[1].split("+")[0].strip() == "text"
    return not NOT_CHAT.search(model.id)


def fetch_models(
    r9s: R9S, *, expand: Sequence[str] = (), filters: Sequence[str] = ()
) -> list[ModelInfo]:
    """``GET /models`` through the SDK (its errors propagate), with the router's
    ``expand`` fields and ``filter`` rules when given."""
    query = models_query(expand, filters)
    listing = r9s.models.list(extra_query=cast(Any, query)) if query else r9s.models.list()
    return models_of(listing)


def models_query(expand: Sequence[str] = (), filters: Sequence[str] = ()) -> dict[str, Any]:
    """The query of ``GET /models`` asking for the router's ``expand`` fields and
    ``filter`` rules."""
    query: dict[str, Any] = {}
    if expand:
        query["expand"] = ",".join(expand)
    if filters:
        query["filter"] = list(filters)  # repeated: filter=a&filter=b
    return query


def models_of(listing: Any) -> list[ModelInfo]:
    """The entries of a ``GET /models`` answer (the SDK's ``ModelListResponse``)."""
    models = []
    for item in listing.data:
        extra = dict(item.model_extra or {})
        kinds = extra.get("supported_endpoint_types")
        endpoint_types = tuple(str(k).lower() for k in kinds) if isinstance(kinds, list) else None
        models.append(ModelInfo(item.id, item.owned_by or "", endpoint_types, item.created, extra))
    return models


def list_models(
    base_url: str, api_key: str, timeout: float = 10.0, *, expand: Sequence[str] = ()
) -> list[ModelInfo]:
    """``GET {base_url}/models`` with ``api_key``; any failure is a :class:`ModelListError`."""
    from r9s import R9S, errors
    from r9s.cli.common.errors import connection_reason

    url = base_url.rstrip("/") + "/models"
    try:
        with R9S(api_key=api_key, server_url=base_url, timeout=timeout, retry_config=None) as r9s:
            return fetch_models(r9s, expand=expand)
    except errors.APITimeoutError:
        raise ModelListError(
            _("timed out after {timeout:g} s: GET {url}").format(timeout=timeout, url=url)
        ) from None
    except errors.APIConnectionError as exc:
        raise ModelListError(
            _("cannot reach {url}: {connection_reason}").format(
                url=url, connection_reason=connection_reason(exc)
            )
        ) from None
    except (errors.AuthenticationError, errors.PermissionDeniedError) as exc:
        raise ModelListError(
            _("the API key was rejected ({status_code}) by {url}").format(
                status_code=exc.status_code, url=url
            ),
            rejected=True,
        ) from None
    except errors.APIStatusError as exc:
        raise ModelListError(
            _("GET {url} answered {status_code}").format(url=url, status_code=exc.status_code)
        ) from None
    except (errors.ResponseValidationError, errors.ConfigurationError):
        raise ModelListError(_("GET {url} did not return a model list").format(url=url)) from None
