"""Anthropic Messages API (``POST /v1/messages``), plain and streamed, plus count_tokens.

Claude Code and other Anthropic-format clients send many fields this server does not
use (betas, ``context_management``, ``metadata``...): unknown fields are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from r9s.testing import _echo, _structured
from r9s.testing._echo import Reply as EchoReply, ToolDef, Turn
from r9s.testing._errors import invalid
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


def _blocks_text(content: Any) -> tuple[str, bool]:
    """(text, has tool results) of a message ``content``: a string or a list of blocks."""
    if isinstance(content, str):
        return content, False
    if not isinstance(content, list):
        return "", False
    texts, tool_result = [], False
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_result":
            tool_result = True
            texts.append(_blocks_text(block.get("content"))[0])
        elif isinstance(block.get("text"), str):
            texts.append(block["text"])
    return "\n".join(texts), tool_result


def messages_turn(body: dict[str, Any]) -> Turn:
    messages = required(body, "messages", list)
    system = body.get("system")
    texts = [_blocks_text(system)[0]] if system else []
    last_text, after_tool, user_text = "", False, ""
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise invalid("messages", "messages: each message needs a role of user or assistant")
        text, tool_result = _blocks_text(message.get("content"))
        texts.append(text)
        if message["role"] == "user":
            last_text, after_tool = text, tool_result
            if not tool_result:
                user_text = text
    thinking = optional(body, "thinking", dict, default={})
    return Turn(
        text=last_text,
        user_text=user_text,
        prompt_texts=tuple(texts),
        after_tool=after_tool,
        tools=_tools(body),
        tool_choice=_tool_choice(body),
        max_tokens=optional(body, "max_tokens", int),
        thinking=thinking.get("type") in ("enabled", "adaptive"),
        output_schema=_structured.requested_schema(
            str(body.get("model")), _output_schema(body), "output_config.format"
        ),
    )


def _output_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    # Structured outputs: `output_format` (beta) or `output_config.format`.
    config = body.get("output_config")
    found = body.get("output_format") or (
        config.get("format") if isinstance(config, dict) else None
    )
    if isinstance(found, dict) and found.get("type") == "json_schema":
        schema = found.get("schema")
        return schema if isinstance(schema, dict) else {}
    return None


def _tools(body: dict[str, Any]) -> tuple[ToolDef, ...]:
    tools = []
    for tool in optional(body, "tools", list, default=[]):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise invalid("tools", "tools: each tool needs a name")
        schema = tool.get("input_schema")
        tools.append(ToolDef(tool["name"], schema if isinstance(schema, dict) else {}))
    return tuple(tools)


def _tool_choice(body: dict[str, Any]) -> str:
    choice = body.get("tool_choice", {"type": "auto"})
    kind = choice.get("type") if isinstance(choice, dict) else choice  # the spec's string form
    if kind == "tool" and isinstance(choice, dict) and isinstance(choice.get("name"), str):
        return str(choice["name"])
    mapping = {"auto": "auto", "any": "required", "none": "none"}
    if kind not in mapping:
        raise invalid("tool_choice", "tool_choice: type must be auto, any, tool or none")
    return mapping[kind]


def _stop_reason(reply: EchoReply) -> str:
    if reply.tool_calls:
        return "tool_use"
    if reply.refusal:
        return "refusal"
    return "max_tokens" if reply.truncated else "end_turn"


def _text(reply: EchoReply) -> str:
    if reply.tool_calls:
        # Claude says what it is about to do before a tool_use block; so does the echo model.
        return "Calling " + ", ".join(call.name for call in reply.tool_calls) + "."
    return reply.text


def _content(reply: EchoReply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.thinking is not None:
        blocks.append(
            {
                "type": "thinking",
                "thinking": reply.thinking,
                "signature": _echo.signature(reply.thinking),
            }
        )
    blocks.append({"type": "text", "text": _text(reply)})
    for call in reply.tool_calls:
        blocks.append(
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.name,
                "input": json.loads(call.arguments),
            }
        )
    return blocks


def _output_tokens(reply: EchoReply) -> int:
    return reply.completion_tokens + _echo.count_tokens(_text(reply) if reply.tool_calls else "")


def _usage(reply: EchoReply, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": reply.prompt_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def _events(message: dict[str, Any], reply: EchoReply) -> Iterator[Event]:
    def event(name: str, **payload: Any) -> Event:
        return json_event({"type": name, **payload}, name)

    start = {**message, "content": [], "stop_reason": None, "usage": _usage(reply, 1)}
    yield event("message_start", message=start)
    for index, block in enumerate(message["content"]):
        kind = block["type"]
        if kind == "thinking":
            yield event(
                "content_block_start",
                index=index,
                content_block={"type": "thinking", "thinking": "", "signature": ""},
            )
            deltas = [
                {"type": "thinking_delta", "thinking": p} for p in _echo.pieces(block["thinking"])
            ]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        elif kind == "text":
            yield event(
                "content_block_start", index=index, content_block={"type": "text", "text": ""}
            )
            deltas = [{"type": "text_delta", "text": p} for p in _echo.pieces(block["text"])]
        else:
            opening = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            yield event("content_block_start", index=index, content_block=opening)
            arguments = json.dumps(block["input"])
            deltas = [
                {"type": "input_json_delta", "partial_json": f}
                for f in _echo.split_evenly(arguments)
            ]
        if index == 0:
            yield event("ping")
        for delta in deltas:
            yield event("content_block_delta", index=index, delta=delta)
        yield event("content_block_stop", index=index)
    yield event(
        "message_delta",
        delta={"stop_reason": message["stop_reason"], "stop_sequence": None},
        usage={"output_tokens": _output_tokens(reply)},
    )
    yield event("message_stop")


def stream_error(sent: int) -> Event:
    payload = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    return json_event(payload, "error")


async def create_message(call: Call) -> Reply:
    body = await call.json()
    model = call.model(required(body, "model", str))
    reply = _echo.reply(messages_turn(body), id_prefix="toolu_")
    message = {
        "id": call.new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": _content(reply),
        "stop_reason": _stop_reason(reply),
        "stop_sequence": None,
        "usage": _usage(reply, _output_tokens(reply)),
    }
    if stream_flag(body):
        return SSEReply(_events(message, reply), stream_error)
    return json_response(message)


async def count_tokens(call: Call) -> Reply:
    body = await call.json()
    call.model(required(body, "model", str))
    return json_response({"input_tokens": _echo.reply(messages_turn(body)).prompt_tokens})


ROUTES = [
    Route("POST", "/v1/messages", create_message, "anthropic"),
    Route("POST", "/v1/messages/count_tokens", count_tokens, "anthropic"),
]
