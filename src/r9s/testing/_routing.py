"""Routes, the per-request ``Call`` handed to handlers, and request-body helpers."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from r9s.testing._errors import JSON_HEADERS, ApiError, Family, invalid, missing
from r9s.testing._http import Request, Response
from r9s.testing._sse import SSEReply, dumps

if TYPE_CHECKING:
    from r9s.testing._app import App

Reply = Response | SSEReply
HandlerFn = Callable[["Call"], Awaitable[Reply]]


@dataclass(frozen=True)
class Route:
    """``pattern`` segments: ``{name}`` is one path segment, ``{name*}`` the rest of the path."""

    method: str
    pattern: str
    handler: HandlerFn
    family: Family = "openai"
    auth: bool = True
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.escape(self.pattern)
        regex = re.sub(r"\\\{(\w+)\\\*\\\}", r"(?P<\1>.+)", regex)
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        object.__setattr__(self, "_regex", re.compile(f"^{regex}$"))

    def match(self, path: str) -> dict[str, str] | None:
        """Percent-decoded path parameters if ``path`` (still encoded) matches."""
        found = self._regex.match(path)
        if found is None:
            return None
        return {name: unquote(value) for name, value in found.groupdict().items()}


@dataclass
class Call:
    """One request as a handler sees it: path parameters, parsed query, body helpers."""

    request: Request
    params: dict[str, str]
    app: App
    family: Family = "openai"
    _json: Any = None

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.request.query_string, keep_blank_values=True))

    async def json(self) -> dict[str, Any]:
        """The body as a JSON object, or a 400 in this API's style."""
        if self._json is None:
            raw = await self.request.body.read_all()
            if not raw.strip():
                raise ApiError(400, "The request body is empty; a JSON object is required.")
            try:
                parsed = json.loads(raw)
            except (UnicodeDecodeError, ValueError):
                raise ApiError(
                    400,
                    "We could not parse the JSON body of your request. (HINT: This likely means"
                    " you aren't using your HTTP library correctly.)",
                ) from None
            if not isinstance(parsed, dict):
                raise ApiError(400, "The request body must be a JSON object.")
            self._json = parsed
        result: dict[str, Any] = self._json
        return result

    def model(self, name: str) -> str:
        """``name`` if the server knows that model, else a 404 ``model_not_found``."""
        if not self.app.models.knows(name):
            raise ApiError(
                404,
                f"The model `{name}` does not exist or you do not have access to it.",
                code="model_not_found",
                param="model",
            )
        return name

    def new_id(self, prefix: str) -> str:
        return self.app.new_id(prefix)

    @property
    def root_url(self) -> str:
        """``http://host:port`` as the client addressed this server."""
        host = self.request.header("host")
        return f"http://{host}" if host else self.app.root_url

    @staticmethod
    def now() -> int:
        return int(time.time())


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(status, list(JSON_HEADERS), dumps(payload).encode())


def text_response(text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(200, [("content-type", content_type)], text.encode())


_KIND_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
}


def _is_kind(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def required(body: dict[str, Any], name: str, *kinds: type) -> Any:
    """``body[name]``, which must be present, non-empty and of one of ``kinds``."""
    value = body.get(name)
    if value is None or value == "" or value == []:
        raise missing(name)
    return _checked(name, value, kinds)


def optional(body: dict[str, Any], name: str, *kinds: type, default: Any = None) -> Any:
    """``body[name]`` if present (and of one of ``kinds``), else ``default``."""
    value = body.get(name)
    if value is None:
        return default
    return _checked(name, value, kinds)


def _checked(name: str, value: Any, kinds: tuple[type, ...]) -> Any:
    if kinds and not any(_is_kind(value, kind) for kind in kinds):
        expected = " or ".join(_KIND_NAMES.get(kind, kind.__name__) for kind in kinds)
        raise invalid(name, f"Invalid type for '{name}': expected {expected}.")
    return value


def stream_flag(body: dict[str, Any]) -> bool:
    """Whether the request asked for a stream (``"stream": true``)."""
    return bool(optional(body, "stream", bool, default=False))
