"""What structured outputs and tools need to know about each wire format, one class per
format: where the schema goes, where the answer, a refusal or a tool call is in a
result or in a stream, and how a tool result is sent back.

Everything here is pure (no I/O): results and events in, request pieces and parsed
results out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from r9s import errors
from r9s.models._base import ResponseModel
from r9s.tools import ToolCall, ToolResult, describe_errors

if TYPE_CHECKING:
    from r9s._structured.schema import OutputType
    from r9s.tools import Tool

M = TypeVar("M", bound=BaseModel)

Strategy = Literal["auto", "native", "tool"]
"""How a structured answer is asked for: ``"native"`` (the format's JSON-schema output),
``"tool"`` (one forced tool call whose input is the answer), or ``"auto"`` (native, and
the tool form once if the server rejects the native one)."""


def promote(cls: type[M], value: BaseModel, /, **fields: Any) -> M:
    """``value`` (an instance of a base of ``cls``) as a ``cls`` with ``fields`` added:
    no validation (the value was validated when it was decoded), its extras, the set
    of fields the server sent and the response headers (``request_id``) kept."""
    data = dict(value.__dict__)
    extra = value.__pydantic_extra__
    if extra:
        data.update(extra)
    data.update(fields)
    made = cls.model_construct(_fields_set=set(value.model_fields_set), **data)
    headers = getattr(value, "_response_headers", None)
    if headers is not None:
        ResponseModel._response_headers.__set__(made, headers)  # type: ignore[attr-defined]
    return made


def forced_tool_description(output: OutputType[Any]) -> str:
    return output.description or f"Give the answer as the input of this tool ({output.name})."


def parse_text(output: OutputType[Any], text: str, completion: Any) -> Any:
    """The answer's JSON text as the requested type, or ``ParseError``."""
    if not text.strip():
        raise errors.ParseError(
            f"the answer has no text to parse as {output.name}", text=text, completion=completion
        )
    try:
        return output.validate_json(text)
    except ValidationError as exc:
        raise _parse_error(output, text, exc, completion) from exc


def parse_value(output: OutputType[Any], value: Any, text: str, completion: Any) -> Any:
    """A tool call's decoded input as the requested type, or ``ParseError``."""
    try:
        return output.validate_python(value)
    except ValidationError as exc:
        raise _parse_error(output, text, exc, completion) from exc


def _parse_error(
    output: OutputType[Any], text: str, exc: ValidationError, completion: Any
) -> errors.ParseError:
    found = exc.errors(include_url=False)
    invalid = next((error for error in found if error.get("type") == "json_invalid"), None)
    snippet = text if len(text) <= 120 else text[:120] + "..."
    if invalid is not None:
        detail = str(invalid.get("msg", "")).removeprefix("Invalid JSON: ")
        message = f"the answer is not valid JSON ({detail}): {snippet!r}"
    else:
        message = f"the answer is not a valid {output.name}: {describe_errors(found)}"
    return errors.ParseError(
        message,
        text=text,
        errors=list(found),
        completion=completion,
        cause=exc,
    )


def no_answer(output: OutputType[Any], what: str, completion: Any) -> errors.ParseError:
    return errors.ParseError(
        f"the answer has no {what} to parse as {output.name}", completion=completion
    )


class JsonTrack:
    """The JSON text of a structured answer as a stream brings it: which tool call,
    block or item carries it, and the pieces so far."""

    __slots__ = ("pieces", "tool", "carriers")

    def __init__(self, tool: str | None) -> None:
        self.pieces: list[str] = []
        self.tool = tool
        """The forced tool's name (the tool strategy), or ``None`` (native)."""
        self.carriers: set[int] = set()
        """Indexes of the tool calls (blocks, items) that are the forced tool's."""

    @property
    def text(self) -> str:
        return "".join(self.pieces)


class Wire:
    """One wire format. Subclasses fill in the format's shapes."""

    name: ClassVar[Literal["chat", "responses", "messages"]]
    conversation_key: ClassVar[str]
    """The parameter holding the conversation (``messages`` or ``input``)."""
    format_fields: ClassVar[tuple[str, ...]]
    """Words a 400 names when the server rejects the native structured output."""

    # -- structured outputs -------------------------------------------------------------

    def native(self, params: dict[str, Any], output: OutputType[Any]) -> dict[str, Any]:
        raise NotImplementedError

    def forced_tool(self, params: dict[str, Any], output: OutputType[Any]) -> dict[str, Any]:
        raise NotImplementedError

    def parsed(self, result: Any, output: OutputType[Any], tool: str | None) -> Any:
        """``result`` with its answer parsed (``tool``: the forced tool's name)."""
        raise NotImplementedError

    def json_delta(self, track: JsonTrack, event: Any) -> str:
        """The JSON text ``event`` adds to the structured answer ("" if none)."""
        raise NotImplementedError

    def rejects_native(self, error: errors.R9SError) -> bool:
        """Whether ``error`` is the server refusing the native structured output: a 400
        (or 422) that names its field."""
        if error.status_code not in (400, 422):
            return False
        text = f"{error.message} {error.body}".lower()
        return any(field in text for field in self.format_fields)

    # -- tools --------------------------------------------------------------------------

    def conversation(self, params: Mapping[str, Any]) -> list[Any]:
        value = params.get(self.conversation_key)
        if value is None:
            return []
        if isinstance(value, str):
            return [{"role": "user", "content": value}]
        return list(value)

    def calls(self, result: Any) -> list[ToolCall]:
        raise NotImplementedError

    def assistant_turn(self, result: Any) -> list[Any]:
        """What ``result`` adds to the conversation."""
        raise NotImplementedError

    def tool_results(self, results: Sequence[ToolResult]) -> list[Any]:
        raise NotImplementedError

    def run_result(self, result: Any, conversation: list[Any], turns: int, reached: bool) -> Any:
        raise NotImplementedError

    def text_delta(self, event: Any) -> str | None:
        raise NotImplementedError

    def parsed_value(self, parsed: Any) -> Any:
        """The parsed object of a result ``parsed`` returned."""
        raise NotImplementedError

    def render(self, tool: Tool[..., Any] | Mapping[str, Any]) -> Any:
        return tool if isinstance(tool, Mapping) else tool.render(self.name)


def _extend_tools(params: dict[str, Any], definition: dict[str, Any]) -> list[Any]:
    return [*(params.get("tools") or ()), definition]


# -- chat -------------------------------------------------------------------------------


class ChatWire(Wire):
    name = "chat"
    conversation_key = "messages"
    format_fields = ("response_format", "json_schema")

    def native(self, params: dict[str, Any], output: OutputType[Any]) -> dict[str, Any]:
        json_schema: dict[str, Any] = {"schema": output.strict_schema, "name": output.name}
        if output.strict:
            json_schema["strict"] = True
        return {**params, "response_format": {"type": "json_schema", "json_schema": json_schema}}

    def forced_tool(self, params: dict[str, Any], output: OutputType[Any]) -> dict[str, Any]:
        function: dict[str, Any] = {
            "name": output.name,
            "description": forced_tool_description(output),
            "parameters": output.strict_schema,
        }
        if output.strict:
            function["strict"] = True
        return {
            **params,
            "tools": _extend_tools(params, {"type": "function", "function": function}),
            "tool_choice": {"type": "function", "function": {"name": output.name}},
        }

    def parsed(self, result: Any, output: OutputType[Any], tool: str | None) -> Any:
        from r9s.models.chat import content_text
        from r9s.models.parsed import (
            ParsedChatCompletion,
            ParsedChatCompletionMessage,
            ParsedChoice,
        )

        choices = []
        for choice in result.choices:
            _check_finish(choice.finish_reason, result)
            message = choice.message
            value = None
            if tool is not None:
                call = next((c for c in message.tool_calls or () if c.function.name == tool), None)
                if call is not None:
                    value = parse_text(output, call.function.arguments, result)
                elif not message.refusal:
                    raise no_answer(output, f"call of the tool {tool!r}", result)
            elif not message.refusal:
                value = parse_text(output, content_text(message.content), result)
            parsed_message = promote(ParsedChatCompletionMessage, message, parsed=value)
            choices.append(promote(ParsedChoice, choice, message=parsed_message))
        return promote(ParsedChatCompletion, result, choices=choices)

    def parsed_value(self, parsed: Any) -> Any:
        return parsed.choices[0].message.parsed if parsed.choices else None

    def json_delta(self, track: JsonTrack, event: Any) -> str:
        for choice in event.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            if track.tool is None:
                content = delta.content
                return content if isinstance(content, str) else ""
            found = []
            for piece in delta.tool_calls or ():
                index = piece.index if piece.index is not None else 0
                function = piece.function
                if function is not None and function.name == track.tool:
                    track.carriers.add(index)
                if index in track.carriers and function is not None and function.arguments:
                    found.append(function.arguments)
            return "".join(found)
        return ""

    def calls(self, result: Any) -> list[ToolCall]:
        if not result.choices:
            return []
        return [
            ToolCall(call.id, call.function.name, call.function.arguments)
            for call in result.choices[0].message.tool_calls or ()
        ]

    def assistant_turn(self, result: Any) -> list[Any]:
        return [result.choices[0].message] if result.choices else []

    def tool_results(self, results: Sequence[ToolResult]) -> list[Any]:
        return [
            {"role": "tool", "tool_call_id": result.call.id, "content": result.content}
            for result in results
        ]

    def run_result(self, result: Any, conversation: list[Any], turns: int, reached: bool) -> Any:
        from r9s.models.parsed import ChatToolRun

        return promote(
            ChatToolRun, result, messages=conversation, turns=turns, max_turns_reached=reached
        )

    def text_delta(self, event: Any) -> str | None:
        from r9s._streams.chat import chunk_text

        return chunk_text(event)


def _check_finish(reason: str | None, completion: Any) -> None:
    if reason == "length":
        raise errors.LengthFinishReasonError(
            "the answer was cut at the token limit (finish_reason 'length') before its JSON "
            "was complete: raise max_tokens (or max_completion_tokens) and try again",
            completion=completion,
        )
    if reason == "content_filter":
        raise errors.ContentFilterFinishReasonError(
            "the provider's content filter stopped the answer (finish_reason 'content_filter')",
            completion=completion,
        )


# -- responses --------------------------------------------------------------------------


class ResponsesWire(Wire):
    name = "responses"
    conversation_key = "input"
    format_fields = ("text.format", "json_schema", "response_format")

    def native(self, params: dict[str, Any], output: OutputType[Any]) -> dict[str, Any]:
        text_format: dict[str, Any] = {"type": "json_schema", "name": output.name}
        if output.strict:
            text_format["strict"] = True
        text_format["schema"] = output.strict_schema
        return {**params, "text": {**(params.get("text") or {}), "format": text_format}}

    def forced_tool(self, params: dict[str, Any], output: OutputType[Any]) -> dict[str, Any]:
        definition: dict[str, Any] = {
            "type": "function",
            "name": output.name,
            "description": forced_tool_description(output),
            "parameters": output.strict_schema,
        }
        if output.strict:
            definition["strict"] = True
        return {
            **params,
            "tools": _extend_tools(params, definition),
            "tool_choice": {"type": "function", "name": output.name},
        }

    def parsed(self, result: Any, output: OutputType[Any], tool: str | None) -> Any:
        from r9s.models.parsed import ParsedResponse
        from r9s.models.responses import ResponseFunctionToolCall

        if result.status == "incomplete":
            reason = result.incomplete_details.reason if result.incomplete_details else None
            if reason == "content_filter":
                raise errors.ContentFilterFinishReasonError(
                    "the provider's content filter stopped the answer (incomplete: content_filter)",
                    completion=result,
                )
            raise errors.LengthFinishReasonError(
                f"the answer is incomplete ({reason or 'no reason given'}) and its JSON "
                "unfinished: raise max_output_tokens and try again",
                completion=result,
            )
        parsed = promote(ParsedResponse, result)
        value = None
        if tool is not None:
            call = next(
                (
                    item
                    for item in result.output
                    if isinstance(item, ResponseFunctionToolCall) and item.name == tool
                ),
                None,
            )
            if call is not None:
                value = parse_text(output, call.arguments, result)
            elif parsed.refusal is None:
                raise no_answer(output, f"call of the tool {tool!r}", result)
        elif parsed.refusal is None or result.output_text:
            value = parse_text(output, result.output_text, result)
        parsed.output_parsed = value
        return parsed

    def parsed_value(self, parsed: Any) -> Any:
        return parsed.output_parsed

    def json_delta(self, track: JsonTrack, event: Any) -> str:
        kind = event.type
        if track.tool is None:
            if kind in ("response.output_text.delta", "response.text.delta"):
                return str(event.delta)
            return ""
        if kind == "response.output_item.added":
            item = event.item
            if getattr(item, "type", None) == "function_call" and item.name == track.tool:
                track.carriers.add(event.output_index)
        elif (
            kind == "response.function_call_arguments.delta"
            and event.output_index in track.carriers
        ):
            return str(event.delta)
        return ""

    def calls(self, result: Any) -> list[ToolCall]:
        from r9s.models.responses import ResponseFunctionToolCall

        return [
            ToolCall(item.call_id, item.name, item.arguments)
            for item in result.output
            if isinstance(item, ResponseFunctionToolCall)
        ]

    def assistant_turn(self, result: Any) -> list[Any]:
        return list(result.output)

    def tool_results(self, results: Sequence[ToolResult]) -> list[Any]:
        return [
            {"type": "function_call_output", "call_id": result.call.id, "output": result.content}
            for result in results
        ]

    def run_result(self, result: Any, conversation: list[Any], turns: int, reached: bool) -> Any:
        from r9s.models.parsed import ResponsesToolRun

        return promote(
            ResponsesToolRun, result, input=conversation, turns=turns, max_turns_reached=reached
        )

    def text_delta(self, event: Any) -> str | None:
        from r9s.models.responses import ResponseTextDeltaEvent

        return event.delta if isinstance(event, ResponseTextDeltaEvent) else None


# -- messages ---------------------------------------------------------------------------


class MessagesWire(Wire):
    name = "messages"
    conversation_key = "messages"
    format_fields = ("output_config", "output_format", "json_schema")

    def native(self, params: dict[str, Any], output: OutputType[Any]) -> dict[str, Any]:
        output_format = {"type": "json_schema", "schema": output.anthropic_schema}
        config = {**(params.get("output_config") or {}), "format": output_format}
        return {**params, "output_config": config}

    def forced_tool(self, params: dict[str, Any], output: OutputType[Any]) -> dict[str, Any]:
        definition = {
            "name": output.name,
            "description": forced_tool_description(output),
            "input_schema": output.anthropic_schema,
        }
        return {
            **params,
            "tools": _extend_tools(params, definition),
            "tool_choice": {"type": "tool", "name": output.name},
        }

    def parsed(self, result: Any, output: OutputType[Any], tool: str | None) -> Any:
        import json

        from r9s.models.messages import ToolUseBlock
        from r9s.models.parsed import ParsedMessage

        if result.stop_reason == "max_tokens":
            raise errors.LengthFinishReasonError(
                "the answer was cut at max_tokens (stop_reason 'max_tokens') before its JSON "
                "was complete: raise max_tokens and try again",
                completion=result,
            )
        value = None
        if result.stop_reason == "refusal":
            pass
        elif tool is not None:
            block = next(
                (b for b in result.content if isinstance(b, ToolUseBlock) and b.name == tool),
                None,
            )
            if block is None:
                raise no_answer(output, f"call of the tool {tool!r}", result)
            value = parse_value(output, block.input, json.dumps(block.input), result)
        else:
            value = parse_text(output, result.text, result)
        return promote(ParsedMessage, result, parsed_output=value)

    def parsed_value(self, parsed: Any) -> Any:
        return parsed.parsed_output

    def json_delta(self, track: JsonTrack, event: Any) -> str:
        kind = event.type
        if kind == "content_block_delta":
            delta = event.delta
            if track.tool is None:
                return delta.text if delta.type == "text_delta" else ""
            if delta.type == "input_json_delta" and event.index in track.carriers:
                return str(delta.partial_json)
        elif kind == "content_block_start" and track.tool is not None:
            block = event.content_block
            if getattr(block, "type", None) == "tool_use" and block.name == track.tool:
                track.carriers.add(event.index)
        return ""

    def calls(self, result: Any) -> list[ToolCall]:
        from r9s.models.messages import ToolUseBlock

        return [
            ToolCall(block.id, block.name, block.input)
            for block in result.content
            if isinstance(block, ToolUseBlock)
        ]

    def assistant_turn(self, result: Any) -> list[Any]:
        return [{"role": "assistant", "content": list(result.content)}]

    def tool_results(self, results: Sequence[ToolResult]) -> list[Any]:
        blocks = []
        for result in results:
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": result.call.id,
                "content": result.content,
            }
            if result.is_error:
                block["is_error"] = True
            blocks.append(block)
        return [{"role": "user", "content": blocks}] if blocks else []

    def run_result(self, result: Any, conversation: list[Any], turns: int, reached: bool) -> Any:
        from r9s.models.parsed import MessagesToolRun

        return promote(
            MessagesToolRun, result, messages=conversation, turns=turns, max_turns_reached=reached
        )

    def text_delta(self, event: Any) -> str | None:
        from r9s._streams.messages import _text

        return _text(event)


CHAT = ChatWire()
RESPONSES = ResponsesWire()
MESSAGES = MessagesWire()
