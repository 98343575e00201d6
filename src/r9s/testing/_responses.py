"""OpenAI Responses API (``POST /v1/responses``), plain and streamed as Codex expects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from r9s.testing import _echo, _structured
from r9s.testing._echo import Reply as EchoReply, ToolDef, Turn
from r9s.testing._errors import invalid, missing
from r9s.testing._openai import (
    content_text,
    max_tokens,
    output_schema,
    tool_choice,
)
from r9s.testing._routing import (
    Call,
    Reply,
    Route,
    json_response,
    optional,
    required,
    stream_flag,
)
from r9s.testing._sse import Event, SSEReply, json_event


def responses_turn(body: dict[str, Any]) -> Turn:
    value = body.get("input")
    if value is None or value == "" or value == []:
        raise missing("input")
    instructions = optional(body, "instructions", str, default="")
    texts = [instructions] if instructions else []
    if isinstance(value, str):
        last_text, after_tool, user_text = value, False, value
        texts.append(value)
    elif isinstance(value, list):
        last_text, after_tool, previous, user_text = "", False, "", ""
        for item in value:
            if not isinstance(item, dict):
                raise invalid("input", "Each input item must be an object.")
            kind = item.get("type", "message")
            if kind == "message" or "role" in item:
                kind = "message"
                text = content_text(item.get("content"))
                if item.get("role") == "user":
                    last_text, after_tool, user_text = text, False, text
            elif kind == "function_call_output":
                output = item.get("output")
                text = output if isinstance(output, str) else content_text(output)
                # the outputs of one round of parallel calls are answered together
                last_text = f"{last_text}\n{text}" if previous == kind else text
                after_tool = True
            elif kind == "function_call":
                text = str(item.get("arguments", ""))
            else:
                continue  # reasoning items and the like carry nothing to echo
            previous = kind
            texts.append(text)
    else:
        raise invalid("input", "'input' must be a string or a list of input items.")
    return Turn(
        text=last_text,
        user_text=user_text,
        prompt_texts=tuple(texts),
        after_tool=after_tool,
        tools=_function_tools(body),
        tool_choice=tool_choice(body),
        max_tokens=max_tokens(body, "max_output_tokens"),
        output_schema=_structured.requested_schema(
            str(body.get("model")),
            output_schema((body.get("text") or {}).get("format")),
            "text.format",
        ),
    )


def _function_tools(body: dict[str, Any]) -> tuple[ToolDef, ...]:
    tools = []
    for tool in optional(body, "tools", list, default=[]):
        # Only function tools can be called here; built-in tools (web search...) are ignored.
        if isinstance(tool, dict) and tool.get("type") == "function":
            name = tool.get("name")
            if not isinstance(name, str):
                raise invalid("tools", "A function tool needs a 'name'.")
            parameters = tool.get("parameters")
            tools.append(ToolDef(name, parameters if isinstance(parameters, dict) else {}))
    return tuple(tools)


class _Builder:
    """Builds the output items and response objects of one answer (shared by both modes)."""

    def __init__(self, call: Call, body: dict[str, Any], model: str, reply: EchoReply) -> None:
        self.reply = reply
        self.response_id = call.new_id("resp_")
        self.message_id = call.new_id("msg_")
        self.function_ids = [call.new_id("fc_") for _ in reply.tool_calls]
        self.base = {
            "id": self.response_id,
            "object": "response",
            "created_at": call.now(),
            "model": model,
            "background": False,
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "metadata": body.get("metadata") or {},
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": None, "summary": None},
            "store": body.get("store", True),
            "temperature": body.get("temperature", 1.0),
            "text": body.get("text") or {"format": {"type": "text"}},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools") or [],
            "top_p": body.get("top_p", 1.0),
            "truncation": "disabled",
            "user": None,
        }

    @property
    def status(self) -> str:
        return "incomplete" if self.reply.truncated else "completed"

    def text_part(self, text: str) -> dict[str, Any]:
        if self.reply.refusal:
            return {"type": "refusal", "refusal": text}
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

    def message_item(self, done: bool) -> dict[str, Any]:
        return {
            "id": self.message_id,
            "type": "message",
            "status": self.status if done else "in_progress",
            "role": "assistant",
            "content": [self.text_part(self.reply.text)] if done else [],
        }

    def function_item(self, index: int, done: bool) -> dict[str, Any]:
        tool_call = self.reply.tool_calls[index]
        return {
            "id": self.function_ids[index],
            "type": "function_call",
            "status": "completed" if done else "in_progress",
            "call_id": tool_call.id,
            "name": tool_call.name,
            "arguments": tool_call.arguments if done else "",
        }

    def output(self) -> list[dict[str, Any]]:
        if self.reply.tool_calls:
            return [self.function_item(i, True) for i in range(len(self.reply.tool_calls))]
        return [self.message_item(True)]

    def response(self, done: bool) -> dict[str, Any]:
        if not done:
            return {**self.base, "status": "in_progress", "output": [], "usage": None}
        reply = self.reply
        details = {"reason": "max_output_tokens"} if reply.truncated else None
        return {
            **self.base,
            "status": self.status,
            "incomplete_details": details,
            "output": self.output(),
            "usage": {
                "input_tokens": reply.prompt_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": reply.completion_tokens,
                "output_tokens_details": {"reasoning_tokens": reply.reasoning_tokens},
                "total_tokens": reply.total_tokens,
            },
        }

    def events(self) -> Iterator[Event]:
        """The Responses stream, numbered with ``sequence_number`` from 0."""
        for sequence, (name, payload) in enumerate(self._payloads()):
            yield json_event({"type": name, "sequence_number": sequence, **payload}, name)

    def _payloads(self) -> Iterator[tuple[str, dict[str, Any]]]:
        yield "response.created", {"response": self.response(False)}
        yield "response.in_progress", {"response": self.response(False)}
        if self.reply.tool_calls:
            for index in range(len(self.reply.tool_calls)):
                yield from self._function_payloads(index)
        else:
            yield from self._message_payloads()
        yield f"response.{self.status}", {"response": self.response(True)}

    def _message_payloads(self) -> Iterator[tuple[str, dict[str, Any]]]:
        at = {"item_id": self.message_id, "output_index": 0}
        part = {**at, "content_index": 0}
        yield "response.output_item.added", {"output_index": 0, "item": self.message_item(False)}
        yield "response.content_part.added", {**part, "part": self.text_part("")}
        if self.reply.refusal:
            for piece in _echo.pieces(self.reply.text):
                yield "response.refusal.delta", {**part, "delta": piece}
            yield "response.refusal.done", {**part, "refusal": self.reply.text}
        else:
            for piece in _echo.pieces(self.reply.text):
                yield "response.output_text.delta", {**part, "delta": piece, "logprobs": []}
            yield "response.output_text.done", {**part, "text": self.reply.text, "logprobs": []}
        yield "response.content_part.done", {**part, "part": self.text_part(self.reply.text)}
        yield "response.output_item.done", {"output_index": 0, "item": self.message_item(True)}

    def _function_payloads(self, index: int) -> Iterator[tuple[str, dict[str, Any]]]:
        at = {"item_id": self.function_ids[index], "output_index": index}
        tool_call = self.reply.tool_calls[index]
        item = self.function_item(index, False)
        yield "response.output_item.added", {"output_index": index, "item": item}
        for fragment in _echo.split_evenly(tool_call.arguments):
            yield "response.function_call_arguments.delta", {**at, "delta": fragment}
        done = {**at, "arguments": tool_call.arguments, "name": tool_call.name}
        yield "response.function_call_arguments.done", done
        yield (
            "response.output_item.done",
            {"output_index": index, "item": self.function_item(index, True)},
        )


def stream_error(sent: int) -> Event:
    """Responses streams report errors as an ``error`` event."""
    message = f"The server had an error while streaming (after {sent} events)."
    # "error" nested as well: it is what OpenAI-style SDKs check to raise mid-stream.
    detail = {"type": "server_error", "code": "server_error", "message": message, "param": None}
    return json_event(
        {
            "type": "error",
            "code": "server_error",
            "message": message,
            "param": None,
            "sequence_number": sent,
            "error": detail,
        },
        "error",
    )


async def create_response(call: Call) -> Reply:
    body = await call.json()
    model = call.model(required(body, "model", str))
    turn = responses_turn(body)
    builder = _Builder(call, body, model, _echo.reply(turn))
    if stream_flag(body):
        return SSEReply(builder.events(), stream_error)
    return json_response(builder.response(True))


ROUTES = [Route("POST", "/v1/responses", create_response)]
