"""The ``R9S`` client: configuration, HTTP clients, and the API resources."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import httpx

from r9s import errors
from r9s._closing import AsyncClosing, Closing
from r9s._config import (
    DEFAULT_BASE_URL,
    ENV_API_KEY,
    ENV_BASE_URL,
    check_server_url,
    mask_key,
    normalize_base_url,
)
from r9s._pipeline import (
    DEFAULT_TIMEOUT,
    UNSET,
    Call,
    Pipeline,
    TimeoutTypes,
    _timeout_of,
    _Unset,
    run_async,
    run_sync,
)
from r9s.utils import RetryConfig, default_retry_config

if TYPE_CHECKING:
    import asyncio

    from r9s.httpclient import AsyncHttpClient, HttpClient
    from r9s.resources.audio import Audio
    from r9s.resources.chat import Chat
    from r9s.resources.completions import Completions
    from r9s.resources.edits import Edits
    from r9s.resources.embeddings import Embeddings
    from r9s.resources.engine_embeddings import EngineEmbeddings
    from r9s.resources.images import Images
    from r9s.resources.messages import Messages
    from r9s.resources.models import Models
    from r9s.resources.moderations import Moderations
    from r9s.resources.proxy import Proxy
    from r9s.resources.responses import Responses
    from r9s.resources.search import Search

__all__ = ["R9S"]

R = TypeVar("R")


class _Resource(Generic[R]):
    """A resource attribute, imported and built on first use (keeps ``import r9s`` light)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self.attribute = ""

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    @overload
    def __get__(self, instance: None, owner: type) -> _Resource[R]: ...
    @overload
    def __get__(self, instance: R9S, owner: type) -> R: ...
    def __get__(self, instance: R9S | None, owner: type) -> _Resource[R] | R:
        if instance is None:
            return self
        resource: R = getattr(importlib.import_module(self.module), self.name)(instance)
        instance.__dict__[self.attribute] = resource
        return resource


class _Owned:
    """The HTTP clients a ``R9S`` created itself (and so must close).

    An ``httpx.AsyncClient`` belongs to the event loop it first ran on (its connections
    do), so there is one per loop: ``asyncio.run()`` twice on one ``R9S`` gets a fresh
    client the second time, and threads each running a loop do not share connections.
    ``None`` keys a client made outside any loop (by reading ``async_http_client``); the
    first loop to use it adopts it.
    """

    __slots__ = ("sync", "async_")

    def __init__(self) -> None:
        self.sync: httpx.Client | None = None
        self.async_: dict[asyncio.AbstractEventLoop | None, httpx.AsyncClient] = {}


def _running_loop() -> asyncio.AbstractEventLoop | None:
    asyncio = sys.modules.get("asyncio")  # no loop runs before asyncio is imported
    return asyncio._get_running_loop() if asyncio is not None else None


_CLOSING: set[Any] = set()
"""Tasks closing async clients, kept until done (the loop holds tasks only weakly)."""


def _close_async_client(
    client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop | None, *, finalizing: bool
) -> None:
    """Close ``client``, made on ``loop``, from wherever this runs: on that loop when it
    can run the close (its connections live there), else by marking it closed; the
    connections of a loop that has ended close as they are collected."""
    import asyncio

    if loop is not None and not loop.is_closed():
        running = asyncio._get_running_loop()
        if loop is running:
            task = loop.create_task(client.aclose())
            _CLOSING.add(task)
            task.add_done_callback(_CLOSING.discard)
            return
        if not finalizing:  # not from a garbage collection, which may come at any point
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(client.aclose(), loop)
                return
            if running is None:
                loop.run_until_complete(client.aclose())
                return
    _abandon(client)


def _abandon(client: httpx.AsyncClient) -> None:
    """Mark ``client`` closed without its loop: ``aclose()`` run as far as it goes
    without one (it marks the client closed first, and drops its connections)."""
    closing = client.aclose()
    with contextlib.suppress(StopIteration, Exception):
        closing.send(None)
    with contextlib.suppress(RuntimeError):
        closing.close()


def _close_owned(
    owned: _Owned, *, finalizing: bool = False, keep: asyncio.AbstractEventLoop | None = None
) -> list[httpx.AsyncClient]:
    """Close every client in ``owned`` (the one path for ``close()``, ``aclose()`` and
    the finalizer). The async clients of loop ``keep`` (and unused ones made outside a
    loop) are returned instead, for ``aclose()`` to await."""
    if owned.sync is not None:
        client, owned.sync = owned.sync, None
        client.close()
    clients, owned.async_ = owned.async_, {}
    kept = []
    for loop, async_client in clients.items():
        if keep is not None and loop in (keep, None):
            kept.append(async_client)
        else:
            _close_async_client(async_client, loop, finalizing=finalizing)
    return kept


class R9S(Closing, AsyncClosing):
    """Client for the r9s API.

    ``api_key`` defaults to ``R9S_API_KEY``. ``server_url`` is used exactly as given;
    without it ``R9S_BASE_URL`` is used (``https://host`` and ``https://host/v1`` both
    work), else ``https://api.r9s.ai/v1``. ``timeout`` is seconds or an ``httpx.Timeout``
    (default: 5 s to connect, 600 s between bytes). ``retry_config`` defaults to
    ``r9s.utils.default_retry_config()``; ``None`` disables retries. Clients passed as
    ``client`` / ``async_client`` are used as they are and never closed by r9s.

    Use it as a context manager (``with`` or ``async with``), or call ``close()``.
    """

    models: _Resource[Models] = _Resource("r9s.resources.models", "Models")
    chat: _Resource[Chat] = _Resource("r9s.resources.chat", "Chat")
    completions: _Resource[Completions] = _Resource("r9s.resources.completions", "Completions")
    edits: _Resource[Edits] = _Resource("r9s.resources.edits", "Edits")
    embeddings: _Resource[Embeddings] = _Resource("r9s.resources.embeddings", "Embeddings")
    engine_embeddings: _Resource[EngineEmbeddings] = _Resource(
        "r9s.resources.engine_embeddings", "EngineEmbeddings"
    )
    moderations: _Resource[Moderations] = _Resource("r9s.resources.moderations", "Moderations")
    proxy: _Resource[Proxy] = _Resource("r9s.resources.proxy", "Proxy")
    search: _Resource[Search] = _Resource("r9s.resources.search", "Search")
    messages: _Resource[Messages] = _Resource("r9s.resources.messages", "Messages")
    responses: _Resource[Responses] = _Resource("r9s.resources.responses", "Responses")
    images: _Resource[Images] = _Resource("r9s.resources.images", "Images")
    audio: _Resource[Audio] = _Resource("r9s.resources.audio", "Audio")

    def __init__(
        self,
        api_key: str | Callable[[], str] | None = None,
        *,
        server_url: str | None = None,
        timeout: TimeoutTypes | _Unset = UNSET,
        timeout_ms: int | None = None,
        retry_config: RetryConfig | None | _Unset = UNSET,
        client: HttpClient | None = None,
        async_client: AsyncHttpClient | None = None,
        debug_logger: logging.Logger | None = None,
        default_headers: Mapping[str, str] | None = None,
        server_idx: int | None = None,
        url_params: Mapping[str, str] | None = None,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get(ENV_API_KEY)
        if not callable(api_key):
            from r9s._pipeline import check_api_key

            api_key = check_api_key(api_key)
        if server_idx not in (None, 0):
            raise errors.ConfigurationError(
                f"server_idx {server_idx} does not exist: there is one server (0)"
            )
        if server_url is not None:
            base_url = server_url.format_map(url_params) if url_params else server_url
            try:
                check_server_url(base_url)
            except ValueError as exc:
                raise errors.ConfigurationError(str(exc)) from None
        elif os.environ.get(ENV_BASE_URL, "").strip():
            try:
                base_url = normalize_base_url(os.environ[ENV_BASE_URL])
            except ValueError as exc:
                raise errors.ConfigurationError(f"{ENV_BASE_URL}: {exc}") from None
        else:
            base_url = DEFAULT_BASE_URL
        if timeout_ms is not None and isinstance(timeout, _Unset):
            timeout = timeout_ms / 1000
        resolved_timeout = _timeout_of(timeout)
        if isinstance(resolved_timeout, _Unset) and client is None and async_client is None:
            resolved_timeout = DEFAULT_TIMEOUT
        self._pipeline = Pipeline(
            api_key=api_key,
            base_url=base_url,
            timeout=resolved_timeout,
            retries=default_retry_config() if isinstance(retry_config, _Unset) else retry_config,
            logger=debug_logger,
            headers=default_headers,
        )
        self._client = client
        self._given_client = client
        self._async_client = async_client
        self._owned = _Owned()
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _close_owned, self._owned, finalizing=True)

    @classmethod
    def from_env(cls, **kwargs: Any) -> R9S:
        """A client configured from ``R9S_API_KEY`` and ``R9S_BASE_URL`` (keyword
        arguments override them)."""
        return cls(**kwargs)

    @property
    def base_url(self) -> str:
        return self._pipeline.base_url

    def __repr__(self) -> str:
        key = self._pipeline.api_key
        shown = "<callable>" if callable(key) else mask_key(key)
        return f"R9S(base_url={self.base_url!r}, api_key={shown!r})"

    # -- HTTP clients -----------------------------------------------------------------

    def _timeout_for_own_client(self) -> httpx.Timeout:
        timeout = self._pipeline.timeout
        if isinstance(timeout, httpx.Timeout):
            return timeout
        return DEFAULT_TIMEOUT if isinstance(timeout, _Unset) else httpx.Timeout(timeout)

    @property
    def http_client(self) -> HttpClient:
        """The synchronous HTTP client (created on first use unless one was given)."""
        client = self._client
        if client is None:
            with self._lock:  # threads sharing this object make one client, not one each
                client = self._client
                if client is None:
                    client = self._owned.sync = httpx.Client(
                        timeout=self._timeout_for_own_client(), follow_redirects=True
                    )
                    self._client = client
        return client

    @property
    def async_http_client(self) -> AsyncHttpClient:
        """The asynchronous HTTP client (created on first use unless one was given; one
        per event loop, as its connections belong to a loop)."""
        client = self._async_client
        if client is None:
            loop = _running_loop()
            client = self._owned.async_.get(loop)
            if client is None:
                client = self._new_async_client(loop)
        return client

    def _new_async_client(self, loop: asyncio.AbstractEventLoop | None) -> httpx.AsyncClient:
        with self._lock:
            clients = self._owned.async_
            client = clients.get(loop)
            if client is not None:
                return client
            client = clients.pop(None, None) if loop is not None else None
            if client is None:
                client = httpx.AsyncClient(
                    timeout=self._timeout_for_own_client(), follow_redirects=True
                )
            clients[loop] = client
            ended = [(old, clients.pop(old)) for old in list(clients) if old and old.is_closed()]
        for old, stale in ended:  # the clients of loops that have ended (asyncio.run)
            _close_async_client(stale, old, finalizing=False)
        return client

    # -- the two edges of the pipeline ------------------------------------------------

    def _request(self, operation: Any, params: Mapping[str, Any], **how: Any) -> Any:
        http = self.http_client
        call: Call = self._pipeline.prepare(http, operation, params, **how)
        result = run_sync(http, self._pipeline.flow(call))
        if call.raw:
            return self._pipeline.binary(call, result)
        if call.stream:
            return self._pipeline.stream(call, result)
        return result

    async def _request_async(self, operation: Any, params: Mapping[str, Any], **how: Any) -> Any:
        http = self.async_http_client
        call: Call = self._pipeline.prepare(http, operation, params, **how)
        result = await run_async(http, self._pipeline.flow(call))
        if call.raw:
            return self._pipeline.abinary(call, result)
        if call.stream:
            return self._pipeline.astream(call, result)
        return result

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP clients this object created (not those passed in). An async
        client is closed on its event loop when that loop is running or can be run;
        otherwise it is marked closed (the connections of an ended loop close as they
        are collected)."""
        _close_owned(self._owned)
        self._client = self._given_client

    async def aclose(self) -> None:
        """Close the HTTP clients this object created (not those passed in)."""
        for client in _close_owned(self._owned, keep=_running_loop()):
            await client.aclose()
        self._client = self._given_client
