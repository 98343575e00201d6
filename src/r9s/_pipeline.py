"""The one request pipeline: build, authenticate, send, retry, map errors, decode.

``Pipeline.flow`` is a generator holding all of it without doing any I/O: it yields
``(SEND, request)``, ``(READ, response)`` and ``(SLEEP, seconds)`` and is resumed with
the result. ``run_sync`` and ``run_async`` are the only places that differ between sync
and async: they perform those three actions.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Collection, Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypedDict, TypeVar, cast
from urllib.parse import quote

import httpx

from r9s import errors
from r9s._config import check_server_url
from r9s._retry import next_delay, should_retry_status
from r9s._streaming import AsyncEventStream, EventStream, StreamSpec
from r9s._version import __version__
from r9s.utils import RetryConfig

if TYPE_CHECKING:
    from r9s._binary import AsyncBinaryResponse, BinaryResponse
    from r9s.httpclient import AsyncHttpClient, HttpClient

T = TypeVar("T")
E = TypeVar("E")
F = TypeVar("F")

SEND: Final = 0
READ: Final = 1
SLEEP: Final = 2
Action = tuple[int, Any]
Flow = Generator[Action, Any, Any]

USER_AGENT = f"r9s-python/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
"""Connect quickly or fail; allow 10 minutes between bytes for slow LLM answers."""


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()
"""Marks an argument that was not given (as opposed to an explicit ``None``)."""

TimeoutTypes = float | httpx.Timeout | None


class RequestOptions(TypedDict, total=False):
    """Per-call options accepted by every operation."""

    retries: RetryConfig | None
    """Retry policy for this call; ``None`` disables retries."""
    timeout: TimeoutTypes
    """Seconds (or an ``httpx.Timeout``) for this call."""
    timeout_ms: int
    """The timeout in milliseconds (the r9s 0.x name)."""
    server_url: str
    """Send this call to another base URL."""
    http_headers: Mapping[str, str]
    """Extra headers for this call."""
    extra_headers: Mapping[str, str]
    """Extra headers for this call (the OpenAI SDK's name)."""
    extra_query: Mapping[str, str]
    """Extra query parameters for this call."""
    extra_body: Mapping[str, Any]
    """Extra top-level body fields (vendor options such as ``cache_control``)."""


OPTION_NAMES: Final = frozenset(RequestOptions.__annotations__)


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


@dataclass(frozen=True, slots=True)
class Operation(Generic[T, E, F]):
    """One API endpoint, as data: ``Operation[Result, StreamItem, StreamFinal]``.

    ``response`` decodes a 2xx body (a model class with ``model_validate_json``, or any
    callable taking bytes); ``None`` returns the raw bytes. ``stream`` describes the
    event stream the endpoint sends when asked to stream.
    """

    method: str
    path: str
    response: type[T] | Callable[[bytes], T] | None = None
    stream: StreamSpec[E, F] | None = None
    params: ParamCheck | None = None
    """Checks the call's keyword arguments before the request is built."""

    def decode(self, body: bytes) -> Any:
        decoder = self.response
        if decoder is None:
            return body
        validate: Callable[[bytes], Any] | None = getattr(decoder, "model_validate_json", None)
        if validate is None:
            validate = cast(Callable[[bytes], Any], decoder)
        return validate(body)


@dataclass(slots=True)
class Call:
    """One prepared call: the request to send and how to treat its response."""

    operation: Operation[Any, Any, Any]
    request: httpx.Request
    retries: RetryConfig | None
    stream: bool
    raw: bool
    secret: str
    """The API key this call sends (resolved once, also from a callable): every error
    path masks it, should a server echo it back."""


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


def _timeout_of(value: Any) -> TimeoutTypes | _Unset:
    if isinstance(value, _Unset) or value is None or isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise errors.ConfigurationError(f"timeout must be seconds or an httpx.Timeout, not {value!r}")


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
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.logger = logger
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}

    # -- build ------------------------------------------------------------------------

    def key(self) -> str:
        """The API key, checked: a clear error instead of an HTTP header crash."""
        key = self.api_key() if callable(self.api_key) else self.api_key
        return check_api_key(key)

    def prepare(
        self,
        http: HttpClient | AsyncHttpClient,
        operation: Operation[Any, Any, Any],
        params: Mapping[str, Any],
        *,
        path: Mapping[str, str] | None = None,
        json_body: bool = True,
        files: Any = None,
        stream: bool = False,
        raw: bool = False,
    ) -> Call:
        """Split options from parameters and build the request.

        ``params`` holds the operation's parameters and any ``RequestOptions``. With
        ``json_body`` the parameters are the JSON body; otherwise they are form fields
        (sent with ``files`` as multipart) or, for GET, query parameters.
        """
        check = operation.params
        if check is not None and files is None:  # multipart: checked before flattening
            check(params)
        body = {k: v for k, v in params.items() if k not in OPTION_NAMES}
        options: RequestOptions = {k: v for k, v in params.items() if k in OPTION_NAMES}  # type: ignore[assignment]
        extra_body = options.get("extra_body")
        if extra_body:
            body.update(extra_body)

        url_path = operation.path
        if path:
            url_path = url_path.format_map({k: quote(str(v), safe="") for k, v in path.items()})
        server_url = options.get("server_url")
        base = _checked_base_url(server_url) if server_url else self.base_url
        url = base.rstrip("/") + url_path

        key = self.key()
        headers = dict(self.headers)
        headers["Authorization"] = f"Bearer {key}"
        headers["Accept"] = (
            "text/event-stream" if stream and operation.stream else "application/json"
        )
        for extra in (options.get("http_headers"), options.get("extra_headers")):
            if extra:
                headers.update(extra)

        content: bytes | None = None
        data: dict[str, Any] | None = None
        query: dict[str, Any] = dict(options.get("extra_query") or {})
        if operation.method == "GET":
            query.update(body)
        elif files is not None or not json_body:
            data = body
        elif body or operation.method == "POST":
            content = encode_json(body)
            headers["Content-Type"] = "application/json"

        timeout: TimeoutTypes | _Unset = self.timeout
        if "timeout_ms" in options:
            timeout = options["timeout_ms"] / 1000
        if "timeout" in options:
            timeout = _timeout_of(options["timeout"])
        request = http.build_request(
            operation.method,
            _parsed_url(url) if isinstance(http, _HTTPX_CLIENTS) else url,  # type: ignore[arg-type]
            content=content,
            data=data,
            files=files,
            params=query or None,
            headers=headers,
            timeout=httpx.USE_CLIENT_DEFAULT if isinstance(timeout, _Unset) else timeout,
        )
        retries = options.get("retries", self.retries)
        return Call(operation, request, retries, stream, raw, key)

    # -- the flow ---------------------------------------------------------------------

    def flow(self, call: Call) -> Flow:
        """Send ``call.request`` with retries; return the decoded result or the open
        response (for streams); raise the mapped error."""
        request = call.request
        retries = call.retries
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            sent_at = time.monotonic()
            try:
                response: httpx.Response = yield SEND, request
                status = response.status_code
                if status < 400:
                    if call.stream or call.raw:
                        self._log(request, status, sent_at, attempt, None)
                        return response
                    body: bytes = yield READ, response
                    self._log(request, status, sent_at, attempt, None)
                    return self._decode(call.operation, response, body)
            except httpx.RequestError as exc:
                delay = self._retry_connection(retries, attempt, started)
                self._log(request, type(exc).__name__, sent_at, attempt, delay)
                if delay is None:
                    raise errors.wrap_transport_error(exc, secret=call.secret) from exc
                yield SLEEP, delay
                continue

            try:
                body = yield READ, response
            except httpx.RequestError:
                body = b""  # the status alone decides what to raise
            delay = None
            if should_retry_status(status, response.headers):
                delay = next_delay(
                    retries, attempt - 1, time.monotonic() - started, headers=response.headers
                )
            self._log(request, status, sent_at, attempt, delay)
            if delay is None:
                text = body.decode("utf-8", "replace")
                raise errors.error_from_response(response, text, secret=call.secret)
            yield SLEEP, delay

    def _retry_connection(
        self, retries: RetryConfig | None, attempt: int, started: float
    ) -> float | None:
        if retries is None or not retries.retry_connection_errors:
            return None
        return next_delay(retries, attempt - 1, time.monotonic() - started)

    def _decode(
        self, operation: Operation[Any, Any, Any], response: httpx.Response, body: bytes
    ) -> Any:
        try:
            return operation.decode(body)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            text = body.decode("utf-8", "replace")
            snippet = text if len(text) <= 200 else text[:200] + "..."
            raise errors.ResponseValidationError(
                f"could not decode {operation.method} {operation.path}: {snippet!r}",
                response=response,
                body=text,
                cause=exc,
            ) from exc

    def _log(
        self,
        request: httpx.Request,
        outcome: int | str,
        sent_at: float,
        attempt: int,
        delay: float | None,
    ) -> None:
        logger = self.logger
        if logger is None:
            return
        elapsed = (time.monotonic() - sent_at) * 1000
        line = (
            f"{request.method} {request.url} -> {outcome} in {elapsed:.1f} ms (attempt {attempt})"
        )
        if delay is not None:
            line += f"; retrying in {delay:.2f} s"
        logger.debug(line)

    # -- results ----------------------------------------------------------------------

    def stream(self, call: Call, response: httpx.Response) -> EventStream[Any, Any]:
        spec = call.operation.stream
        assert spec is not None
        return (spec.sync_class or EventStream)(response, spec, secret=call.secret)

    def astream(self, call: Call, response: httpx.Response) -> AsyncEventStream[Any, Any]:
        spec = call.operation.stream
        assert spec is not None
        return (spec.async_class or AsyncEventStream)(response, spec, secret=call.secret)

    @staticmethod
    def binary(call: Call, response: httpx.Response) -> BinaryResponse:
        from r9s._binary import BinaryResponse  # loaded with the media resources

        return BinaryResponse(response, secret=call.secret)

    @staticmethod
    def abinary(call: Call, response: httpx.Response) -> AsyncBinaryResponse:
        from r9s._binary import AsyncBinaryResponse

        return AsyncBinaryResponse(response, secret=call.secret)


def check_api_key(key: str | None) -> str:
    """Return the key stripped, or raise ``ConfigurationError`` naming the problem."""
    if key is None or not str(key).strip():
        raise errors.ConfigurationError(
            "no API key: pass api_key=... to R9S(), or set the R9S_API_KEY environment variable"
        )
    key = str(key).strip()
    if any(ch.isspace() for ch in key) or not key.isascii() or not key.isprintable():
        raise errors.ConfigurationError(
            "the API key contains spaces or characters that cannot be sent in a header; "
            "check for a copy-paste error"
        )
    return key


def _resume(flow: Flow, result: Any, error: BaseException | None) -> tuple[bool, Any]:
    """Resume ``flow`` with a result or an error: ``(done, value or next action)``."""
    try:
        return False, flow.throw(error) if error is not None else flow.send(result)
    except StopIteration as stop:
        return True, stop.value


def run_sync(http: HttpClient, flow: Flow) -> Any:
    """Drive ``flow`` with blocking I/O."""
    done, value = _resume(flow, None, None)
    while not done:
        kind, subject = value
        result: Any = None
        error: httpx.RequestError | None = None
        try:
            if kind == SEND:
                result = http.send(subject, stream=True)
            elif kind == READ:
                try:
                    result = subject.read()
                finally:
                    subject.close()
            else:
                time.sleep(subject)
        except httpx.RequestError as exc:
            error = exc
        done, value = _resume(flow, result, error)
    return value


async def run_async(http: AsyncHttpClient, flow: Flow) -> Any:
    """Drive ``flow`` with asyncio I/O."""
    import asyncio

    done, value = _resume(flow, None, None)
    while not done:
        kind, subject = value
        result: Any = None
        error: httpx.RequestError | None = None
        try:
            if kind == SEND:
                result = await http.send(subject, stream=True)
            elif kind == READ:
                try:
                    result = await subject.aread()
                finally:
                    await subject.aclose()
            else:
                await asyncio.sleep(subject)
        except httpx.RequestError as exc:
            error = exc
        done, value = _resume(flow, result, error)
    return value
