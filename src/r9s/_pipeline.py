"""The one request pipeline: build, authenticate, send, retry, map errors.

``Pipeline.prepare`` builds the request of one call; ``Pipeline.flow`` is a generator
holding the rest without doing any I/O: it yields typed actions (``Send``, ``Read``,
``Sleep``), is resumed with their results, and returns the response (with its body, or
open for a stream). ``r9s._senders`` performs the actions, sync or async, and finishes
the result; that is the only place where sync and async differ.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Collection, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypedDict, TypeVar, cast
from urllib.parse import quote, urlsplit

import httpx

from r9s import errors
from r9s._config import check_server_url
from r9s._options import OPTION_NAMES, RequestOptions, TimeoutTypes, _Unset
from r9s._retry import next_delay, should_retry_status
from r9s._version import __version__
from r9s.utils import RetryConfig

if TYPE_CHECKING:
    from r9s._streaming import StreamSpec
    from r9s._uploads import Uploads
    from r9s.httpclient import AsyncHttpClient, HttpClient

T = TypeVar("T")
S = TypeVar("S")
AS = TypeVar("AS")

USER_AGENT = f"r9s-python/{__version__}"
RETRY_COUNT = "X-R9S-Retry-Count"
"""Sent with every attempt: 0 on the first, 1 on the first retry..."""
IDEMPOTENCY_KEY = "Idempotency-Key"
"""Sent with every POST: one value per call, the same on each of its retries, so a
server can tell a retry from a new request."""
_DEADLINE_SLACK = 0.05
"""A timeout firing this close to the deadline (seconds) is the deadline's."""
DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024
"""The most bytes a response body (decompressed) or one event of a stream may take."""
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
"""Connect quickly or fail; allow 10 minutes between bytes for slow LLM answers."""


class ParamCheck:
    """The keyword arguments one operation takes, from its ``TypedDict``, computed once:
    a call then costs two set comparisons. A required one missing, or an unknown one (a
    typo), is a ``TypeError`` before anything is sent, instead of a round trip ending in
    a 400 whose message may not even name it. Fields the SDK does not know are sent with
    ``extra_body``."""

    __slots__ = ("name", "required", "known")

    def __init__(
        self,
        name: str,
        params: Any,
        *,
        extra: Collection[str] = (),
        optional: Collection[str] = (),
    ) -> None:
        self.name = name
        """How the operation is called, for the message (``"chat.create"``)."""
        required: frozenset[str] = params.__required_keys__
        self.required = required - frozenset(optional)
        self.known = required | params.__optional_keys__ | frozenset(extra)

    def __call__(self, params: Mapping[str, Any]) -> None:
        keys = params.keys()
        if not (keys <= self.known and keys >= self.required):
            raise self._error(keys)

    def _error(self, keys: Collection[str]) -> TypeError:
        unknown = [key for key in keys if key not in self.known]
        if unknown:
            import difflib

            word = unknown[0]
            close = difflib.get_close_matches(word, sorted(self.known), n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return TypeError(
                f"{self.name}() got an unexpected keyword argument {word!r}{hint}; "
                f"to send a field the SDK does not know, pass extra_body={{{word!r}: ...}}"
            )
        missing = sorted(self.required.difference(keys))
        names = " and ".join(repr(name) for name in missing)
        plural = "s" if len(missing) > 1 else ""
        count = f"{len(missing)} " if len(missing) > 1 else ""
        return TypeError(f"{self.name}() missing {count}required keyword argument{plural}: {names}")


class Handover(Generic[S, AS]):
    """What a call asked to stream gets: the response, its body unread, wrapped for the
    caller (``S`` in sync code, ``AS`` in async code): an event stream, or binary data.

    This and the per-call classes below are plain slotted classes, not dataclasses: a
    dataclass costs about half a millisecond to define, which every program pays at
    start-up, and nothing here needs what it generates (equality, ``replace``)."""

    __slots__ = ("sync", "async_", "events")

    def __init__(
        self,
        sync: Callable[[httpx.Response, Prepared], S],
        async_: Callable[[httpx.Response, Prepared], AS],
        events: bool = True,
    ) -> None:
        self.sync = sync
        """Wraps the open response for sync code (given the response and the call)."""
        self.async_ = async_
        """Wraps the open response for async code."""
        self.events = events
        """An SSE stream: asked for with ``Accept: text/event-stream`` and ``"stream":
        true``."""


def event_stream(spec: StreamSpec[Any, Any], sync: type[S], async_: type[AS]) -> Handover[S, AS]:
    """The handover of a stream of events decoded by ``spec``, as ``sync`` (an
    ``EventStream`` class) or ``async_`` (an ``AsyncEventStream`` class)."""
    make_sync = cast(Callable[..., S], sync)
    make_async = cast(Callable[..., AS], async_)
    return Handover(
        lambda response, call: make_sync(response, spec, **call.stream_options()),
        lambda response, call: make_async(response, spec, **call.stream_options()),
    )


def lazy_event_stream(module: str, spec: str, sync: str, async_: str) -> Handover[Any, Any]:
    """``event_stream`` of the ``StreamSpec`` named ``spec`` and the classes named
    ``sync`` and ``async_`` in ``module``, imported when the first stream is asked for:
    an operation's stream code (and what it imports) loads for the calls that stream,
    never for the others."""

    @functools.cache
    def handover() -> Handover[Any, Any]:
        import importlib

        names = vars(importlib.import_module(module))
        return event_stream(names[spec], names[sync], names[async_])

    return Handover(
        lambda response, call: handover().sync(response, call),
        lambda response, call: handover().async_(response, call),
    )


@dataclass(frozen=True, slots=True)
class Endpoint(Generic[T, S, AS]):
    """One API endpoint, as data: ``Endpoint[Result, SyncStream, AsyncStream]``.

    ``response`` decodes a 2xx body into the result (a model class, or any callable
    taking bytes); ``None`` returns the raw bytes. ``stream`` says what a call asked to
    stream gets (``None``: the endpoint does not stream). ``params`` checks the call's
    keyword arguments before the request is built.
    """

    method: str
    path: str
    response: type[T] | Callable[[bytes], T] | None = None
    stream: Handover[S, AS] | None = None
    params: ParamCheck | None = None
    attach: Callable[[T, httpx.Headers], None] | None = field(
        default=None, repr=False, compare=False
    )
    """Stores the response's headers on a result (results that are ``ResponseModel``s:
    their ``request_id`` comes from them). Found by itself when ``response`` is such a
    class; give it when ``response`` is a function returning them (``parse``'s)."""
    decode: Callable[[bytes], T] = field(init=False, repr=False, compare=False)
    """``response`` as a function of the body (a model's ``model_validate_json``)."""

    def __post_init__(self) -> None:
        decoder = self.response
        validate: Callable[[bytes], Any] | None = getattr(decoder, "model_validate_json", None)
        if validate is None:
            validate = bytes if decoder is None else cast(Callable[[bytes], Any], decoder)
        object.__setattr__(self, "decode", validate)
        if self.attach is None:
            slot = getattr(decoder, "_response_headers", None)  # ResponseModel's slot
            object.__setattr__(self, "attach", getattr(slot, "__set__", None))


# -- what the flow asks its driver to do ------------------------------------------------


class DeadlineExceeded(httpx.TimeoutException):
    """The call's ``deadline`` passed: raised as an ``errors.APITimeoutError`` (which is
    also this class, and so an ``httpx.TimeoutException``)."""


class Deadline:
    """When a call must be over: ``at`` in ``time.monotonic()`` time, ``seconds`` after
    it began (as the caller gave it)."""

    __slots__ = ("at", "seconds")

    def __init__(self, at: float, seconds: float) -> None:
        self.at = at
        self.seconds = seconds

    def left(self) -> float:
        """Seconds left (negative once it has passed)."""
        return self.at - time.monotonic()

    def passed(self, request: httpx.Request | None) -> DeadlineExceeded:
        """The error to raise once it has passed."""
        return DeadlineExceeded(
            f"the deadline of {self.seconds:g} s for this call passed", request=request
        )


class Send:
    """Send ``request``; resume with the response (headers read, body not) or throw the
    ``httpx.RequestError`` (a ``DeadlineExceeded`` once ``deadline`` passes)."""

    __slots__ = ("request", "deadline")

    def __init__(self, request: httpx.Request, deadline: Deadline | None = None) -> None:
        self.request = request
        self.deadline = deadline


class Read:
    """Read ``response``'s body and release the connection; resume with the bytes (at
    most ``limit`` of them, decompressed: past that, ``errors.ResponseTooLargeError``),
    or throw the ``httpx.RequestError`` (a ``DeadlineExceeded`` once ``deadline``
    passes)."""

    __slots__ = ("response", "limit", "deadline")

    def __init__(
        self,
        response: httpx.Response,
        limit: int | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.response = response
        self.limit = limit
        self.deadline = deadline


class Sleep:
    """Wait ``seconds`` before the next attempt."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Action: TypeAlias = Send | Read | Sleep
Outcome: TypeAlias = tuple[httpx.Response, bytes | None]
"""A 2xx response and its body (``None``: not read, the call streams)."""
Flow: TypeAlias = Generator[Action, Any, Outcome]


class Directives(TypedDict, total=False):
    """The SDK's own instructions for one call, kept apart from the caller's keyword
    arguments (see ``Pipeline.prepare``)."""

    path: Mapping[str, str]
    headers: Mapping[str, str]
    body: Mapping[str, Any]
    files: Sequence[str]


class Prepared:
    """One call, ready to go: the request to send and how to treat its response."""

    __slots__ = (
        "endpoint",
        "request",
        "retries",
        "stream",
        "secret",
        "base_url",
        "uploads",
        "limit",
        "deadline",
        "whole_stream",
        "timeouts",
        "count_retries",
    )

    def __init__(
        self,
        endpoint: Endpoint[Any, Any, Any],
        request: httpx.Request,
        retries: RetryConfig | None,
        stream: bool,
        secret: str,
        base_url: str,
        uploads: Uploads | None = None,
        limit: int | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.request = request
        self.retries = retries
        self.stream = stream
        """Hand the response over with its body unread (see ``Endpoint.stream``)."""
        self.secret = secret
        """The API key this call sends (resolved once, also from a callable): every error
        path masks it, should a server echo it back."""
        self.base_url = base_url
        """The base URL the call went to (for the hint on a 404)."""
        self.uploads = uploads
        """Files opened for the request, to close once it is sent."""
        self.limit = limit
        """The most bytes a body (or one event of a stream) may take:
        ``max_response_size``."""
        self.deadline: Deadline | None = None
        """When the call must be over (``deadline=``)."""
        self.whole_stream = False
        """The deadline covers reading a stream too (``deadline_includes_stream=True``)."""
        self.timeouts: dict[str, float | None] | None = None
        """The request's own timeouts, which a deadline shortens per attempt."""
        self.count_retries = True
        """Send ``X-R9S-Retry-Count`` (a caller can turn it off by giving it as ``None``)."""

    def stream_options(self) -> dict[str, Any]:
        """What a stream made of this call's response is given."""
        return {
            "secret": self.secret,
            "limit": self.limit,
            "deadline": self.deadline if self.whole_stream else None,
        }

    def sent(self) -> None:
        """The request is sent (or failed): close the files opened for it."""
        if self.uploads is not None:
            self.uploads.close()


_HTTPX_CLIENTS = (httpx.Client, httpx.AsyncClient)
"""Clients whose ``build_request`` takes a parsed ``httpx.URL`` (the ``HttpClient``
protocol promises only ``str``)."""


@functools.lru_cache(maxsize=256)
def _parsed_url(url: str) -> httpx.URL:
    """``url`` parsed once. httpx parses a URL string in ~10 us of the ~35 us it takes to
    build a request; a parsed (immutable) ``httpx.URL`` is taken as it is."""
    return httpx.URL(url)


@functools.lru_cache(maxsize=64)
def _checked_base_url(url: str) -> str:
    """A per-call ``server_url``, checked once (``ConfigurationError`` before sending,
    rather than a transport error retried with backoff)."""
    try:
        return check_server_url(url)
    except ValueError as exc:
        raise errors.ConfigurationError(str(exc)) from None


def _json_default(value: Any) -> Any:
    if isinstance(value, type):  # a class has an unbound model_dump: say what to do instead
        raise TypeError(
            f"the class {value.__name__} cannot be sent as a value: for answers shaped by it, "
            f"call chat.parse(response_format={value.__name__}, ...) (responses.parse takes "
            "text_format=, messages.parse output_format=); to send its JSON schema, pass "
            f"{value.__name__}.model_json_schema()"
        )
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json", exclude_unset=True, by_alias=True)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode_json(body: Any) -> bytes:
    """JSON for a request body; pydantic models inside it are dumped as they were set."""
    return json.dumps(
        body, ensure_ascii=False, separators=(",", ":"), default=_json_default
    ).encode()


def timeout_of(value: Any) -> TimeoutTypes | _Unset:
    """A timeout argument checked: seconds, an ``httpx.Timeout``, ``None`` or ``UNSET``."""
    if isinstance(value, _Unset) or value is None or isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise errors.ConfigurationError(f"timeout must be seconds or an httpx.Timeout, not {value!r}")


def deadline_of(value: Any) -> float:
    """A ``deadline`` checked: positive seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    raise errors.ConfigurationError(f"deadline must be positive seconds (or None), not {value!r}")


def size_limit_of(value: Any) -> int | None:
    """A ``max_response_size`` checked: positive bytes, or ``None`` (no limit)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise errors.ConfigurationError(
        f"max_response_size must be a positive number of bytes (or None), not {value!r}"
    )


def merge_headers(into: dict[str, str | None], headers: Mapping[str, str | None]) -> None:
    """``into.update(headers)``, where names differing only in case are one header (the
    one given last wins, with its spelling); ``None`` values are kept, for the caller to
    drop."""
    for name, value in headers.items():
        if name not in into:
            lower = name.lower()
            for old in [old for old in into if old.lower() == lower]:
                del into[old]
        into[name] = value


_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "proxy-authorization"})


class Pipeline:
    """What every call of one client shares: where, who, how long, how often, logging."""

    def __init__(
        self,
        *,
        api_key: str | Callable[[], str],
        base_url: str,
        timeout: TimeoutTypes | _Unset,
        retries: RetryConfig | None,
        logger: logging.Logger | None,
        headers: Mapping[str, str | None] | None = None,
        deadline: float | None = None,
        limit: int | None = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.logger = logger
        self.headers: dict[str, str | None] = {"User-Agent": USER_AGENT}
        """Sent with every request; ``None``: a header not to send (not even r9s's own)."""
        if headers:
            merge_headers(self.headers, headers)
        self.deadline = None if deadline is None else deadline_of(deadline)
        """Seconds a call may take in all (``None``: no deadline); see ``Prepared``."""
        self.limit = size_limit_of(limit)
        """The most bytes a response body, or one event of a stream, may take."""

    def key(self) -> str:
        """The API key, checked: a clear error instead of an HTTP header crash."""
        key = self.api_key() if callable(self.api_key) else self.api_key
        return check_api_key(key)

    # -- build ------------------------------------------------------------------------

    def prepare(
        self,
        http: HttpClient | AsyncHttpClient,
        endpoint: Endpoint[Any, Any, Any],
        params: Mapping[str, Any],
        stream: bool = False,
        directives: Directives | None = None,
    ) -> Prepared:
        """Split the caller's options from the request fields and build the request.

        ``params`` are what the caller passed: the endpoint's fields and any
        ``RequestOptions``. ``directives`` are the SDK's own, never mixed with them:
        ``path`` fills the path template, ``headers`` are defaults the caller's headers
        override, ``body`` is the body as it is (``params`` then hold options only), and
        ``files`` names the fields that are files: the fields are then sent as multipart
        form fields, the files streamed from disk. A GET sends its fields as query
        parameters.
        """
        check = endpoint.params
        if check is not None:
            check(params)
        path = headers = body = files = None
        if directives:
            path = directives.get("path")
            headers = directives.get("headers")
            body = directives.get("body")
            files = directives.get("files")
        options: RequestOptions = {k: v for k, v in params.items() if k in OPTION_NAMES}  # type: ignore[assignment]
        if body is None:
            fields = {k: v for k, v in params.items() if k not in OPTION_NAMES}
        else:
            fields = dict(body)
        extra_body = options.get("extra_body")
        if extra_body:
            fields.update(extra_body)
        handover = endpoint.stream
        stream = stream and handover is not None
        events = stream and handover is not None and handover.events
        if events:  # the one place a request asks for a stream
            fields["stream"] = True

        url_path = endpoint.path
        if path:
            url_path = url_path.format_map({k: quote(str(v), safe="") for k, v in path.items()})
        server_url = options.get("server_url")
        base = _checked_base_url(server_url).rstrip("/") if server_url else self.base_url
        url = url_path if url_path.startswith(("http://", "https://")) else base + url_path

        key = self.key()
        sent = dict(self.headers)
        sent["Authorization"] = f"Bearer {key}"
        sent["Accept"] = "text/event-stream" if events else "application/json"
        if headers:
            merge_headers(sent, headers)
        for extra in (options.get("http_headers"), options.get("extra_headers")):
            if extra:
                merge_headers(sent, extra)
        count_retries = self._label(sent, endpoint.method)

        content: bytes | None = None
        data: dict[str, Any] | None = None
        parts: Any = None
        uploads: Uploads | None = None
        query: dict[str, Any] = dict(options.get("extra_query") or {})
        if endpoint.method == "GET":
            query.update(fields)
        elif files is not None:
            from r9s._uploads import open_multipart

            data, parts, uploads = open_multipart(fields, files)
        elif fields or endpoint.method == "POST":
            content = encode_json(fields)
            sent["Content-Type"] = "application/json"

        timeout: TimeoutTypes | _Unset = self.timeout
        if "timeout_ms" in options:
            timeout = options["timeout_ms"] / 1000
        if "timeout" in options:
            timeout = timeout_of(options["timeout"])
        try:
            request = http.build_request(
                endpoint.method,
                _parsed_url(url) if isinstance(http, _HTTPX_CLIENTS) else url,  # type: ignore[arg-type]
                content=content,
                data=data,
                files=parts,
                params=query or None,
                headers=sent,
                timeout=httpx.USE_CLIENT_DEFAULT if isinstance(timeout, _Unset) else timeout,
            )
        except BaseException:
            if uploads is not None:
                uploads.close()
            raise
        retries = options.get("retries", self.retries)
        call = Prepared(endpoint, request, retries, stream, key, base, uploads, self.limit)
        call.count_retries = count_retries
        seconds = options.get("deadline", self.deadline)
        if seconds is not None:
            seconds = deadline_of(seconds)
            call.deadline = Deadline(time.monotonic() + seconds, seconds)
            call.whole_stream = bool(options.get("deadline_includes_stream"))
            call.timeouts = request.extensions.get("timeout")
        return call

    @staticmethod
    def _label(sent: dict[str, str | None], method: str) -> bool:
        """Add the idempotency key of a POST (unless the caller gave one, or ``None``),
        the first attempt's retry count, and drop the headers given as ``None``; whether
        to count the retries."""
        named = {name.lower(): name for name in sent}
        if method == "POST" and IDEMPOTENCY_KEY.lower() not in named:
            import uuid

            sent[IDEMPOTENCY_KEY] = str(uuid.uuid4())
        count = named.get(RETRY_COUNT.lower())
        counting = count is None or sent[count] is not None
        if counting:
            sent[count or RETRY_COUNT] = "0"
        if None in sent.values():
            for name in [name for name, value in sent.items() if value is None]:
                del sent[name]
        return counting

    # -- the flow ---------------------------------------------------------------------

    def flow(self, call: Prepared) -> Flow:
        """Send ``call.request`` with retries; return the 2xx response with its body
        (or open, for a stream); raise the mapped error."""
        request = call.request
        retries = call.retries
        deadline = call.deadline
        send = Send(request, deadline)
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1 and call.count_retries:
                request.headers[RETRY_COUNT] = str(attempt - 1)
            if deadline is not None:
                self._bound_attempt(call, deadline)
            sent_at = time.monotonic()
            try:
                response: httpx.Response = yield send
                status = response.status_code
                if status < 400:
                    if call.stream:
                        body: bytes | None = None
                        if deadline is not None and not call.whole_stream:
                            self._restore_timeouts(call)  # the stream is read with them
                    else:
                        body = yield Read(response, call.limit, deadline)
                    self._log(request, status, sent_at, attempt, None, response)
                    return response, body
            except httpx.RequestError as exc:
                error = self._deadline_error(exc, deadline)
                delay = (
                    None
                    if isinstance(error, DeadlineExceeded)
                    else self._retry_connection(call, attempt, started)
                )
                self._log(request, type(exc).__name__, sent_at, attempt, delay)
                if delay is None:
                    raise errors.wrap_transport_error(error, secret=call.secret) from exc
                yield Sleep(delay)
                continue

            try:
                body = yield Read(response, call.limit, deadline)
            except httpx.RequestError:
                body = b""  # the status alone decides what to raise
            delay = None
            if should_retry_status(status, response.headers):
                delay = next_delay(
                    retries, attempt - 1, time.monotonic() - started, headers=response.headers
                )
                if delay is not None and deadline is not None and delay >= deadline.left():
                    delay = None  # the retry could not end in time: this error is the answer
            self._log(request, status, sent_at, attempt, delay, response)
            if delay is None:
                raise self._status_error(call, response, body)
            yield Sleep(delay)

    @staticmethod
    def _bound_attempt(call: Prepared, deadline: Deadline) -> None:
        """Shorten the request's timeouts to the time left, so that no single wait (to
        connect, for a pool slot, between two reads) outlasts the deadline."""
        left = deadline.left()
        if left <= 0:
            raise errors.wrap_transport_error(deadline.passed(call.request), secret=call.secret)
        own = call.timeouts or {}
        bounded = {}
        for name in ("connect", "read", "write", "pool"):
            value = own.get(name)
            bounded[name] = left if value is None else min(value, left)
        call.request.extensions["timeout"] = bounded

    @staticmethod
    def _restore_timeouts(call: Prepared) -> None:
        if call.timeouts is None:
            call.request.extensions.pop("timeout", None)
        else:
            call.request.extensions["timeout"] = call.timeouts

    @staticmethod
    def _deadline_error(exc: httpx.RequestError, deadline: Deadline | None) -> httpx.RequestError:
        """``exc``, or the deadline's error for a timeout that fired because the deadline
        shortened it (within a few milliseconds of it)."""
        if (
            deadline is not None
            and isinstance(exc, httpx.TimeoutException)
            and not isinstance(exc, DeadlineExceeded)
            and deadline.left() < _DEADLINE_SLACK
        ):  # shortened by the deadline, it fired as the deadline passed
            return deadline.passed(getattr(exc, "_request", None))
        return exc

    def _retry_connection(self, call: Prepared, attempt: int, started: float) -> float | None:
        retries = call.retries
        if retries is None or not retries.retry_connection_errors:
            return None
        delay = next_delay(retries, attempt - 1, time.monotonic() - started)
        deadline = call.deadline
        if delay is not None and deadline is not None and delay >= deadline.left():
            return None
        return delay

    def _status_error(
        self, call: Prepared, response: httpx.Response, body: bytes
    ) -> errors.APIStatusError:
        error = errors.error_from_response(
            response, body.decode("utf-8", "replace"), secret=call.secret
        )
        if response.status_code == 404:
            hint = _missing_v1_hint(call.base_url, error)
            if hint:
                error.message += hint
        return error

    def decode(self, call: Prepared, response: httpx.Response, body: bytes) -> Any:
        """The result of a 2xx answer; a result model carries the response's headers."""
        endpoint = call.endpoint
        try:
            result = endpoint.decode(body)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            text = body.decode("utf-8", "replace")
            snippet = text if len(text) <= 200 else text[:200] + "..."
            raise errors.ResponseValidationError(
                f"could not decode {endpoint.method} {endpoint.path}: {snippet!r}",
                response=response,
                body=text,
                cause=exc,
            ) from exc
        attach = endpoint.attach
        if attach is not None:
            attach(result, response.headers)
        return result

    # -- logging ----------------------------------------------------------------------

    def _log(
        self,
        request: httpx.Request,
        outcome: int | str,
        sent_at: float,
        attempt: int,
        delay: float | None,
        response: httpx.Response | None = None,
    ) -> None:
        """One INFO line per HTTP exchange; at DEBUG also the headers (secrets masked)."""
        logger = self.logger
        if logger is None:
            return
        elapsed = (time.monotonic() - sent_at) * 1000
        request_id = errors.request_id_of(response.headers) if response is not None else None
        where = f", request id {request_id}" if request_id else ""
        line = (
            f"{request.method} {request.url} -> {outcome} in {elapsed:.1f} ms "
            f"(attempt {attempt}{where})"
        )
        if delay is not None:
            line += f"; retrying in {delay:.2f} s"
        logger.info(line)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("request headers: %s", _shown(request.headers))
            if response is not None:
                logger.debug("response headers: %s", _shown(response.headers))


def _shown(headers: httpx.Headers) -> dict[str, str]:
    return {
        name: "****" if name.lower() in _SECRET_HEADERS else value
        for name, value in headers.items()
    }


def _missing_v1_hint(base_url: str, error: errors.APIStatusError) -> str:
    """A hint for a 404 from a base URL without ``/v1``: the URL is used as given, and
    the path most likely lacks it. Not for a model the server does not know."""
    parts = urlsplit(base_url)
    if "v1" in parts.path.split("/"):
        return ""
    code = error.data.error.code
    if code == "model_not_found" or (code is None and "model" in error.message.lower()):
        return ""
    suggestion = base_url.rstrip("/") + "/v1"
    return (
        f" (the base URL {base_url} is used as given and has no /v1: "
        f"did you mean server_url={suggestion!r}?)"
    )


def check_api_key(key: str | None) -> str:
    """Return the key stripped, or raise ``ConfigurationError`` naming the problem."""
    if key is None or not str(key).strip():
        raise errors.ConfigurationError(
            "no API key: pass api_key=... to R9S(), or set the R9S_API_KEY environment "
            "variable (the key `r9s login` stores is for the r9s command only)"
        )
    key = str(key).strip()
    # ASCII and printable leaves one whitespace character to look for: the space
    if " " in key or not key.isascii() or not key.isprintable():
        raise errors.ConfigurationError(
            "the API key contains spaces or characters that cannot be sent in a header; "
            "check for a copy-paste error"
        )
    return key
