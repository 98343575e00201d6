"""``r9s.responses``: OpenAI's Responses API (``POST /responses``): responses whole or
streamed, structured answers and tool runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Unpack, overload

from r9s._lazy import lazy_names
from r9s._pipeline import Endpoint, ParamCheck, lazy_event_stream
from r9s._raw import RawResource, araw, raw
from r9s.models.responses import (
    Response,
    ResponseCreateParams,
    ResponseParseParams,
    ResponseRunToolsParams,
)
from r9s.resources._base import Resource

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from r9s._streams.responses import AsyncResponseStream, ResponseStream
    from r9s._structured.runner import AsyncToolRunStream, ToolRunStream
    from r9s._structured.stream import AsyncParsedResponseStream, ParsedResponseStream
    from r9s._structured.wire import Strategy
    from r9s.models.parsed import ParsedResponse, ResponsesToolRun
    from r9s.tools import ToolLike

__all__ = ["Responses", "ResponsesWithRawResponse"]

T = TypeVar("T")

CREATE: Endpoint[Response, ResponseStream, AsyncResponseStream] = Endpoint(
    "POST",
    "/responses",
    Response,
    lazy_event_stream("r9s._streams.responses", "SPEC", "ResponseStream", "AsyncResponseStream"),
    ParamCheck("responses.create", ResponseCreateParams),
)
PARSE = replace(CREATE, params=ParamCheck("responses.parse", ResponseParseParams))
"""What ``parse`` sends (made into each call's endpoint: its result parsed)."""
RUN_TOOLS = replace(
    CREATE, params=ParamCheck("responses.run_tools", ResponseRunToolsParams, extra={"tools"})
)


class Responses(Resource):
    """Model responses: ``r9s.responses.create(model=..., input=...)``."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ResponseCreateParams]
    ) -> Response: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[ResponseCreateParams]
    ) -> ResponseStream: ...
    @overload
    def create(
        self, *, stream: bool, **params: Unpack[ResponseCreateParams]
    ) -> Response | ResponseStream: ...
    def create(
        self, *, stream: bool = False, **params: Unpack[ResponseCreateParams]
    ) -> Response | ResponseStream:
        """Create a response; with ``stream=True``, a ``ResponseStream`` of its events."""
        return self._send(CREATE, params, stream=stream)

    @overload
    async def create_async(
        self, *, stream: Literal[False] = False, **params: Unpack[ResponseCreateParams]
    ) -> Response: ...
    @overload
    async def create_async(
        self, *, stream: Literal[True], **params: Unpack[ResponseCreateParams]
    ) -> AsyncResponseStream: ...
    @overload
    async def create_async(
        self, *, stream: bool, **params: Unpack[ResponseCreateParams]
    ) -> Response | AsyncResponseStream: ...
    async def create_async(
        self, *, stream: bool = False, **params: Unpack[ResponseCreateParams]
    ) -> Response | AsyncResponseStream:
        """Create a response; with ``stream=True``, an ``AsyncResponseStream`` of its events."""
        return await self._asend(CREATE, params, stream=stream)

    # -- structured outputs ---------------------------------------------------------------

    @overload
    def parse(
        self,
        *,
        text_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[ResponseParseParams],
    ) -> ParsedResponse[T]: ...
    @overload
    def parse(
        self,
        *,
        text_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[ResponseParseParams],
    ) -> ParsedResponseStream[T]: ...
    @overload
    def parse(
        self,
        *,
        text_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[ResponseParseParams],
    ) -> ParsedResponse[Any]: ...
    @overload
    def parse(
        self,
        *,
        text_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[ResponseParseParams],
    ) -> ParsedResponseStream[Any]: ...
    def parse(
        self,
        *,
        text_format: Any,
        strategy: Strategy = "auto",
        stream: bool = False,
        **params: Unpack[ResponseParseParams],
    ) -> Any:
        """A response whose answer is parsed into ``text_format`` (a pydantic model,
        any type ``pydantic.TypeAdapter`` takes, or a JSON schema dict): ``output_parsed``.
        ``strategy`` is ``"auto"`` (JSON-schema output, a forced tool call if the server
        rejects it), ``"native"`` or ``"tool"``; with ``stream=True``, a
        ``ParsedResponseStream`` of partial objects."""
        from r9s._structured.parse import parse_sync
        from r9s._structured.wire import RESPONSES

        return parse_sync(RESPONSES, self, PARSE, text_format, strategy, stream, params)

    @overload
    async def parse_async(
        self,
        *,
        text_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[ResponseParseParams],
    ) -> ParsedResponse[T]: ...
    @overload
    async def parse_async(
        self,
        *,
        text_format: type[T] | TypeAdapter[T],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[ResponseParseParams],
    ) -> AsyncParsedResponseStream[T]: ...
    @overload
    async def parse_async(
        self,
        *,
        text_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[False] = False,
        **params: Unpack[ResponseParseParams],
    ) -> ParsedResponse[Any]: ...
    @overload
    async def parse_async(
        self,
        *,
        text_format: Mapping[str, Any],
        strategy: Strategy = "auto",
        stream: Literal[True],
        **params: Unpack[ResponseParseParams],
    ) -> AsyncParsedResponseStream[Any]: ...
    async def parse_async(
        self,
        *,
        text_format: Any,
        strategy: Strategy = "auto",
        stream: bool = False,
        **params: Unpack[ResponseParseParams],
    ) -> Any:
        """A response whose answer is parsed into ``text_format``; see ``parse``."""
        from r9s._structured.parse import parse_async
        from r9s._structured.wire import RESPONSES

        return await parse_async(RESPONSES, self, PARSE, text_format, strategy, stream, params)

    # -- tools ------------------------------------------------------------------------------

    @overload
    def run_tools(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[False] = False,
        **params: Unpack[ResponseRunToolsParams],
    ) -> ResponsesToolRun: ...
    @overload
    def run_tools(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[True],
        **params: Unpack[ResponseRunToolsParams],
    ) -> ToolRunStream[ResponsesToolRun]: ...
    def run_tools(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: bool = False,
        **params: Unpack[ResponseRunToolsParams],
    ) -> Any:
        """Send, run every function the model calls (several at once when it asks
        for several), send the outputs, and repeat until it answers without a call or
        ``max_turns`` requests were made. Returns the last ``Response`` with the whole
        exchange in ``.input``; ``stream=True`` yields text deltas and tool call/result
        events as they happen. A tool that raises becomes an error result for the model
        unless ``raise_on_tool_error``."""
        from r9s._structured.runner import run_tools_sync
        from r9s._structured.wire import RESPONSES

        return run_tools_sync(
            RESPONSES, self, RUN_TOOLS, tools, params, max_turns, raise_on_tool_error, stream
        )

    @overload
    async def run_tools_async(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[False] = False,
        **params: Unpack[ResponseRunToolsParams],
    ) -> ResponsesToolRun: ...
    @overload
    async def run_tools_async(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: Literal[True],
        **params: Unpack[ResponseRunToolsParams],
    ) -> AsyncToolRunStream[ResponsesToolRun]: ...
    async def run_tools_async(
        self,
        *,
        tools: Sequence[ToolLike],
        max_turns: int = 10,
        raise_on_tool_error: bool = False,
        stream: bool = False,
        **params: Unpack[ResponseRunToolsParams],
    ) -> Any:
        """Run the tool loop; see ``run_tools``. Async tools are awaited, sync ones run
        in threads."""
        from r9s._structured.runner import run_tools_async
        from r9s._structured.wire import RESPONSES

        return await run_tools_async(
            RESPONSES, self, RUN_TOOLS, tools, params, max_turns, raise_on_tool_error, stream
        )


class ResponsesWithRawResponse(RawResource):
    """``r9s.with_raw_response.responses``: its calls, returning a ``RawResponse``
    (``parse``'s parses its answer on ``parse()``). ``run_tools`` has no twin: a run is
    several HTTP exchanges and local tool calls, not one response."""

    create = raw(Responses.create)
    create_async = araw(Responses.create_async)
    parse = raw(Responses.parse)
    parse_async = araw(Responses.parse_async)


if not TYPE_CHECKING:  # see lazy_names
    __getattr__ = lazy_names(
        globals(), "r9s._streams.responses", "ResponseStream", "AsyncResponseStream"
    )
