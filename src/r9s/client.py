"""The ``R9S`` client: configuration, HTTP clients, and the API resources."""

from __future__ import annotations

import functools
import importlib
import logging
import os
import sys
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, Unpack, overload

import httpx

from r9s import _tls, errors
from r9s._clients import OwnedClients
from r9s._closing import AsyncClosing, Closing
from r9s._config import (
    DEFAULT_BASE_URL,
    ENV_API_KEY,
    ENV_BASE_URL,
    check_server_url,
    mask_key,
    normalize_base_url,
)
from r9s._options import UNSET, RequestOptions, TimeoutTypes, _Unset
from r9s._pipeline import (
    DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_TIMEOUT,
    Endpoint,
    ParamCheck,
    Pipeline,
    check_api_key,
    timeout_of,
)
from r9s._raw import RawResource, araw, raw
from r9s._senders import asend, send
from r9s._transports import (
    AsyncTransport,
    async_transport_of,
    make_async_client,
    make_sync_client,
)
from r9s.utils import RetryConfig, default_retry_config

if TYPE_CHECKING:
    from r9s._streaming import AsyncEventStream, EventStream
    from r9s.httpclient import AsyncHttpClient, HttpClient
    from r9s.resources.audio import Audio, AudioWithRawResponse
    from r9s.resources.chat import Chat, ChatWithRawResponse
    from r9s.resources.completions import Completions, CompletionsWithRawResponse
    from r9s.resources.edits import Edits, EditsWithRawResponse
    from r9s.resources.embeddings import Embeddings, EmbeddingsWithRawResponse
    from r9s.resources.engine_embeddings import (
        EngineEmbeddings,
        EngineEmbeddingsWithRawResponse,
    )
    from r9s.resources.images import Images, ImagesWithRawResponse
    from r9s.resources.messages import Messages, MessagesWithRawResponse
    from r9s.resources.models import Models, ModelsWithRawResponse
    from r9s.resources.moderations import Moderations, ModerationsWithRawResponse
    from r9s.resources.proxy import Proxy, ProxyWithRawResponse
    from r9s.resources.responses import Responses, ResponsesWithRawResponse
    from r9s.resources.search import Search, SearchWithRawResponse

__all__ = ["R9S", "R9SWithRawResponse"]

R = TypeVar("R")
T = TypeVar("T")

ENV_LOG = "R9S_LOG"
_LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


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
    def __get__(self, instance: object, owner: type) -> R: ...
    def __get__(self, instance: object | None, owner: type) -> _Resource[R] | R:
        if instance is None:
            return self
        cls = getattr(importlib.import_module(self.module), self.name)
        resource: R = self._make(cls, instance)
        instance.__dict__[self.attribute] = resource
        return resource

    def _make(self, cls: Any, instance: Any) -> R:
        made: R = cls(instance)
        return made


def _http_factories(
    timeout: httpx.Timeout, async_transport: AsyncTransport
) -> tuple[Callable[[], HttpClient], Callable[[], AsyncHttpClient]]:
    """How the HTTP clients r9s owns are made (the one place a transport is chosen)."""
    return (
        functools.partial(make_sync_client, timeout),
        functools.partial(make_async_client, async_transport, timeout),
    )


def _logger_from_env() -> logging.Logger | None:
    """The ``r9s`` logger, logging to stderr at the level ``R9S_LOG`` names, if set."""
    value = os.environ.get(ENV_LOG, "").strip().lower()
    if value in ("", "0", "off", "false", "none"):
        return None
    level = _LOG_LEVELS.get(value)
    if level is None:
        raise errors.ConfigurationError(
            f"{ENV_LOG} must be one of {', '.join(_LOG_LEVELS)} (or unset), not {value!r}"
        )
    logger = logging.getLogger("r9s")
    logger.setLevel(level)
    if not any(getattr(handler, "_r9s_env", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        handler._r9s_env = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    return logger


_ANY_PATH = {method: ParamCheck(method.lower(), RequestOptions) for method in ("GET", "POST")}
"""A call to a path the SDK does not know takes only the per-call options as keywords."""


@functools.lru_cache(maxsize=128)
def _decoder_for(cast_to: Any) -> Any:
    """How ``get``/``post`` decode a body into ``cast_to``: a model class (or a
    ``pydantic.TypeAdapter`` for any other type), ``bytes`` as they came, ``str`` as text;
    ``None`` is the parsed JSON (``None`` for an empty body)."""
    if cast_to is None:
        return _json_or_none
    if cast_to is bytes:
        return None
    if cast_to is str:
        return _text
    if hasattr(cast_to, "model_validate_json"):
        return cast_to
    from pydantic import TypeAdapter

    return TypeAdapter(cast_to).validate_json


def _json_or_none(body: bytes) -> Any:
    import json

    return json.loads(body) if body.strip() else None


def _text(body: bytes) -> str:
    return body.decode("utf-8")


@functools.cache
def _any_stream() -> Any:
    """The handover of a stream the SDK does not know: events as parsed JSON."""
    from r9s._pipeline import event_stream
    from r9s._streaming import AsyncEventStream, EventStream, StreamSpec

    spec: StreamSpec[Any, None] = StreamSpec(decode=_same, open_ended=True, name="event stream")
    return event_stream(spec, EventStream, AsyncEventStream)


def _same(value: Any) -> Any:
    return value


def _endpoint(method: str, path: str, cast_to: Any) -> Endpoint[Any, Any, Any]:
    if not path.startswith(("http://", "https://", "/")):
        path = "/" + path
    return Endpoint(method, path, _decoder_for(cast_to), _any_stream(), _ANY_PATH[method])


class R9S(Closing, AsyncClosing):
    """Client for the r9s API.

    ``api_key`` defaults to ``R9S_API_KEY``. ``server_url`` is used exactly as given;
    without it ``R9S_BASE_URL`` is used (``https://host`` and ``https://host/v1`` both
    work), else ``https://api.r9s.ai/v1``. ``timeout`` is seconds or an ``httpx.Timeout``
    (default: 5 s to connect, 600 s between bytes); ``deadline`` bounds a whole call
    (seconds, retries included; default none). ``max_response_size`` is the most bytes
    a body (decompressed) or one event of a stream may take (default 64 MiB; ``None``:
    no limit). ``retry_config`` defaults to
    ``r9s.utils.default_retry_config()``; ``None`` disables retries. Clients passed as
    ``client`` / ``async_client`` are used as they are and never closed by r9s.
    ``async_transport`` is what the async clients r9s makes run on: ``"aiohttp"`` (the
    default, much faster) or ``"httpx"`` (httpx's own); ``R9S_ASYNC_TRANSPORT`` sets it
    too; each is an ``httpx.AsyncClient`` either way.
    ``debug_logger`` gets a line per HTTP exchange; without one, ``R9S_LOG=info`` (or
    ``debug``) logs to stderr through the ``r9s`` logger.

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

    _raw = False
    """Calls return ``RawResponse``s (a client made by ``with_raw_response``)."""
    _parent: R9S | None = None
    """The client that owns the HTTP clients this one shares (``with_options``)."""

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
        async_transport: AsyncTransport | None = None,
        debug_logger: logging.Logger | None = None,
        default_headers: Mapping[str, str | None] | None = None,
        server_idx: int | None = None,
        url_params: Mapping[str, str] | None = None,
        deadline: float | None = None,
        max_response_size: int | None = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get(ENV_API_KEY)
        if not callable(api_key):
            api_key = check_api_key(api_key)
        if server_idx not in (None, 0):
            raise errors.ConfigurationError(
                f"server_idx {server_idx} does not exist: there is one server (0)"
            )
        if server_url is not None:
            base_url = server_url.format_map(url_params) if url_params else server_url
            _check_url(base_url)
        elif os.environ.get(ENV_BASE_URL, "").strip():
            try:
                base_url = normalize_base_url(os.environ[ENV_BASE_URL])
            except ValueError as exc:
                raise errors.ConfigurationError(f"{ENV_BASE_URL}: {exc}") from None
        else:
            base_url = DEFAULT_BASE_URL
        if timeout_ms is not None and isinstance(timeout, _Unset):
            timeout = timeout_ms / 1000
        resolved_timeout = timeout_of(timeout)
        if isinstance(resolved_timeout, _Unset) and client is None and async_client is None:
            resolved_timeout = DEFAULT_TIMEOUT
        self._pipeline = Pipeline(
            api_key=api_key,
            base_url=base_url,
            timeout=resolved_timeout,
            retries=default_retry_config() if isinstance(retry_config, _Unset) else retry_config,
            logger=debug_logger if debug_logger is not None else _logger_from_env(),
            headers=default_headers,
            deadline=deadline,
            limit=max_response_size,
        )
        self._client = client
        self._async_client = async_client
        if async_client is not None and async_transport is not None:
            raise errors.ConfigurationError(
                "pass async_client or async_transport, not both: async_transport says "
                "how the clients r9s makes are built, and an async_client is used as it is"
            )
        transport = async_transport_of(async_transport)
        self._owned = OwnedClients(*_http_factories(_own_timeout(resolved_timeout), transport))
        if client is None or async_client is None:
            _tls.prepare()  # read the certificates while the first call loads its types
        self._finalizer = weakref.finalize(self, self._owned.close, finalizing=True)

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

    # -- copies -----------------------------------------------------------------------

    def with_options(
        self,
        *,
        api_key: str | Callable[[], str] | None = None,
        server_url: str | None = None,
        timeout: TimeoutTypes | _Unset = UNSET,
        retries: RetryConfig | None | _Unset = UNSET,
        headers: Mapping[str, str | None] | None = None,
        deadline: float | None | _Unset = UNSET,
        max_response_size: int | None | _Unset = UNSET,
    ) -> R9S:
        """A copy of this client with other settings, sharing its connections (cheap:
        make one per request if you like). ``timeout``, ``retries``, ``deadline`` and
        ``max_response_size`` replace this client's (``None`` turns each off);
        ``headers`` are added to its default headers (``None``: a header not to send).
        Closing the copy closes nothing: the connections are this client's."""
        old = self._pipeline
        if api_key is not None and not callable(api_key):
            api_key = check_api_key(api_key)
        if server_url is not None:
            _check_url(server_url)
        pipeline = Pipeline(
            api_key=old.api_key if api_key is None else api_key,
            base_url=old.base_url if server_url is None else server_url,
            timeout=old.timeout if isinstance(timeout, _Unset) else timeout_of(timeout),
            retries=old.retries if isinstance(retries, _Unset) else retries,
            logger=old.logger,
            headers={**old.headers, **(headers or {})},
            deadline=old.deadline if isinstance(deadline, _Unset) else deadline,
            limit=old.limit if isinstance(max_response_size, _Unset) else max_response_size,
        )
        return self._derive(pipeline, raw=self._raw)

    @property
    def with_raw_response(self) -> R9SWithRawResponse:
        """The same calls, returning a ``RawResponse`` (``.status_code``, ``.headers``,
        ``.request_id``, and ``.parse()`` for the result): ``r9s.with_raw_response.chat
        .create(...)``."""
        view = self.__dict__.get("with_raw_response")
        if view is None:
            view = self.__dict__["with_raw_response"] = R9SWithRawResponse(
                self._derive(self._pipeline, raw=True)
            )
        return view

    def _derive(self, pipeline: Pipeline, *, raw: bool) -> R9S:
        copy = object.__new__(type(self))
        copy._pipeline = pipeline
        copy._client = self._client
        copy._async_client = self._async_client
        copy._owned = self._owned
        copy._raw = raw
        copy._parent = self._parent or self  # the owner's clients live while copies do
        return copy

    # -- calls to paths the SDK does not know -----------------------------------------

    @overload
    def get(
        self,
        path: str,
        *,
        cast_to: type[T],
        query: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> T: ...
    @overload
    def get(
        self,
        path: str,
        *,
        cast_to: None = None,
        query: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any: ...
    def get(
        self,
        path: str,
        *,
        cast_to: type[T] | None = None,
        query: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> T | Any:
        """``GET path`` (relative to the base URL, or absolute) with ``query`` parameters;
        the JSON answer as ``cast_to`` (a model class, any type pydantic validates,
        ``bytes`` or ``str``), or parsed (``None``: as ``json.loads`` gives it)."""
        return send(self, _endpoint("GET", path, cast_to), options, False, {"body": query or {}})

    @overload
    async def get_async(
        self,
        path: str,
        *,
        cast_to: type[T],
        query: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> T: ...
    @overload
    async def get_async(
        self,
        path: str,
        *,
        cast_to: None = None,
        query: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any: ...
    async def get_async(
        self,
        path: str,
        *,
        cast_to: type[T] | None = None,
        query: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> T | Any:
        """``GET path`` (relative to the base URL, or absolute) with ``query`` parameters;
        the JSON answer as ``cast_to`` (a model class, any type pydantic validates,
        ``bytes`` or ``str``), or parsed (``None``: as ``json.loads`` gives it)."""
        endpoint = _endpoint("GET", path, cast_to)
        return await asend(self, endpoint, options, False, {"body": query or {}})

    @overload
    def post(
        self,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        cast_to: type[T],
        stream: Literal[False] = False,
        **options: Unpack[RequestOptions],
    ) -> T: ...
    @overload
    def post(
        self,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        cast_to: None = None,
        stream: Literal[False] = False,
        **options: Unpack[RequestOptions],
    ) -> Any: ...
    @overload
    def post(
        self,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        cast_to: None = None,
        stream: Literal[True],
        **options: Unpack[RequestOptions],
    ) -> EventStream[Any, None]: ...
    def post(
        self,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        cast_to: type[T] | None = None,
        stream: bool = False,
        **options: Unpack[RequestOptions],
    ) -> T | Any:
        """``POST path`` (relative to the base URL, or absolute) with ``body`` as JSON; the
        answer as ``cast_to`` (as for ``get``). With ``stream=True`` (``"stream": true`` is
        added to the body), an ``EventStream`` of each event's data as parsed JSON."""
        endpoint = _endpoint("POST", path, cast_to)
        return send(self, endpoint, options, stream, {"body": body or {}})

    @overload
    async def post_async(
        self,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        cast_to: type[T],
        stream: Literal[False] = False,
        **options: Unpack[RequestOptions],
    ) -> T: ...
    @overload
    async def post_async(
        self,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        cast_to: None = None,
        stream: Literal[False] = False,
        **options: Unpack[RequestOptions],
    ) -> Any: ...
    @overload
    async def post_async(
        self,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        cast_to: None = None,
        stream: Literal[True],
        **options: Unpack[RequestOptions],
    ) -> AsyncEventStream[Any, None]: ...
    async def post_async(
        self,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        cast_to: type[T] | None = None,
        stream: bool = False,
        **options: Unpack[RequestOptions],
    ) -> T | Any:
        """``POST path`` (relative to the base URL, or absolute) with ``body`` as JSON; the
        answer as ``cast_to`` (as for ``get``). With ``stream=True`` (``"stream": true`` is
        added to the body), an ``AsyncEventStream`` of each event's data as parsed JSON."""
        endpoint = _endpoint("POST", path, cast_to)
        return await asend(self, endpoint, options, stream, {"body": body or {}})

    # -- HTTP clients -----------------------------------------------------------------

    @property
    def http_client(self) -> HttpClient:
        """The synchronous HTTP client (created on first use unless one was given)."""
        client = self._client
        if client is None:
            client = self._owned.sync_client()
        return client

    @property
    def async_http_client(self) -> AsyncHttpClient:
        """The asynchronous HTTP client (created on first use unless one was given; one
        per event loop, as its connections belong to a loop)."""
        client = self._async_client
        if client is None:
            client = self._owned.async_client()
        return client

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP clients this object created (not those passed in). An async
        client is closed on its event loop when that loop is running or can be run, or
        when that loop shuts down (the end of ``asyncio.run``); the connections of a loop
        that has closed are released as they are collected. A copy made by
        ``with_options`` closes nothing (its connections are the original's)."""
        if self._parent is None:
            self._owned.close()

    async def aclose(self) -> None:
        """Close the HTTP clients this object created (not those passed in)."""
        if self._parent is None:
            await self._owned.aclose()


def _check_url(url: str) -> None:
    try:
        check_server_url(url)
    except ValueError as exc:
        raise errors.ConfigurationError(str(exc)) from None


def _own_timeout(timeout: TimeoutTypes | _Unset) -> httpx.Timeout:
    """The timeout of the HTTP clients r9s makes."""
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return DEFAULT_TIMEOUT if isinstance(timeout, _Unset) else httpx.Timeout(timeout)


class _RawTwin(_Resource[R]):
    """A resource of ``with_raw_response``: the raw twin (``ChatWithRawResponse``, in the
    module of ``Chat``) of the same resource of a client whose calls return
    ``RawResponse``s."""

    def __init__(self) -> None:
        super().__init__("", "")

    def __set_name__(self, owner: type, attribute: str) -> None:
        resource: _Resource[Any] = R9S.__dict__[attribute]
        self.module = resource.module
        self.name = resource.name + "WithRawResponse"
        self.attribute = attribute

    def _make(self, cls: Any, instance: Any) -> R:
        made: R = cls(getattr(instance._target, self.attribute))
        return made


class R9SWithRawResponse(RawResource):
    """``r9s.with_raw_response``: every call of the client, returning a ``RawResponse``."""

    __slots__ = ("__dict__",)

    models: _RawTwin[ModelsWithRawResponse] = _RawTwin()
    chat: _RawTwin[ChatWithRawResponse] = _RawTwin()
    completions: _RawTwin[CompletionsWithRawResponse] = _RawTwin()
    edits: _RawTwin[EditsWithRawResponse] = _RawTwin()
    embeddings: _RawTwin[EmbeddingsWithRawResponse] = _RawTwin()
    engine_embeddings: _RawTwin[EngineEmbeddingsWithRawResponse] = _RawTwin()
    moderations: _RawTwin[ModerationsWithRawResponse] = _RawTwin()
    proxy: _RawTwin[ProxyWithRawResponse] = _RawTwin()
    search: _RawTwin[SearchWithRawResponse] = _RawTwin()
    messages: _RawTwin[MessagesWithRawResponse] = _RawTwin()
    responses: _RawTwin[ResponsesWithRawResponse] = _RawTwin()
    images: _RawTwin[ImagesWithRawResponse] = _RawTwin()
    audio: _RawTwin[AudioWithRawResponse] = _RawTwin()

    get = raw(R9S.get)
    get_async = araw(R9S.get_async)
    post = raw(R9S.post)
    post_async = araw(R9S.post_async)
