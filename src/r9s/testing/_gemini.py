"""Gemini-native API under ``/v1beta`` (what Gemini CLI calls): generateContent,
streamGenerateContent (SSE with ``alt=sse``, else a JSON array), countTokens,
embedContent and the model listing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from r9s.testing import _echo
from r9s.testing._echo import Reply as EchoReply, ToolDef, Turn
from r9s.testing._errors import ApiError, invalid
from r9s.testing._routing import Call, Reply, Route, json_response, optional, required
from r9s.testing._sse import Event, SSEReply, json_event


def _parts_text(content: Any) -> tuple[str, bool]:
    """(text, has function responses) of a Gemini ``Content``."""
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list):
        return "", False
    texts, function_response = [], False
    for part in parts:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str) and not part.get("thought"):
            texts.append(part["text"])
        elif isinstance(part.get("functionResponse"), dict):
            function_response = True
            texts.append(json.dumps(part["functionResponse"].get("response", {})))
        elif isinstance(part.get("functionCall"), dict):
            texts.append(json.dumps(part["functionCall"].get("args", {})))
    return "\n".join(texts), function_response


def gemini_turn(body: dict[str, Any]) -> Turn:
    contents = required(body, "contents", list)
    system = body.get("systemInstruction") or body.get("system_instruction")
    texts = [_parts_text(system)[0]] if system else []
    last_text, after_tool = "", False
    for content in contents:
        if not isinstance(content, dict):
            raise invalid("contents", "Each content must be an object with parts.")
        text, function_response = _parts_text(content)
        texts.append(text)
        if content.get("role", "user") in ("user", "function"):
            last_text, after_tool = text, function_response
    config = optional(body, "generationConfig", dict, default={})
    thinking = config.get("thinkingConfig") or {}
    limit = config.get("maxOutputTokens")
    return Turn(
        text=last_text,
        prompt_texts=tuple(texts),
        after_tool=after_tool,
        tools=_tools(body),
        tool_choice=_tool_choice(body),
        max_tokens=limit if isinstance(limit, int) and limit > 0 else None,
        thinking=isinstance(thinking, dict) and bool(thinking.get("includeThoughts")),
        output_schema=_output_schema(config),
    )


def _output_schema(config: dict[str, Any]) -> dict[str, Any] | None:
    if config.get("responseMimeType") != "application/json":
        return None
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    return schema if isinstance(schema, dict) else {}


def _tools(body: dict[str, Any]) -> tuple[ToolDef, ...]:
    tools = []
    for tool in optional(body, "tools", list, default=[]):
        declarations = tool.get("functionDeclarations") if isinstance(tool, dict) else None
        for declaration in declarations or []:
            if isinstance(declaration, dict) and isinstance(declaration.get("name"), str):
                schema = declaration.get("parametersJsonSchema") or declaration.get("parameters")
                tools.append(
                    ToolDef(declaration["name"], schema if isinstance(schema, dict) else {})
                )
    return tuple(tools)


def _tool_choice(body: dict[str, Any]) -> str:
    config = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    mode = str(config.get("mode", "AUTO")).upper()
    if mode == "NONE":
        return "none"
    if mode in ("ANY", "VALIDATED"):
        allowed = config.get("allowedFunctionNames") or []
        return allowed[0] if len(allowed) == 1 else "required"
    return "auto"


def _finish_reason(reply: EchoReply) -> str:
    return "MAX_TOKENS" if reply.truncated else "STOP"


def _usage(reply: EchoReply, final: bool) -> dict[str, Any]:
    if not final:
        return {"promptTokenCount": reply.prompt_tokens, "totalTokenCount": reply.prompt_tokens}
    usage = {
        "promptTokenCount": reply.prompt_tokens,
        "candidatesTokenCount": reply.completion_tokens - reply.reasoning_tokens,
        "totalTokenCount": reply.total_tokens,
    }
    if reply.reasoning_tokens:
        usage["thoughtsTokenCount"] = reply.reasoning_tokens
    return usage


def _function_parts(reply: EchoReply) -> list[dict[str, Any]]:
    return [
        {"functionCall": {"name": call.name, "args": json.loads(call.arguments)}}
        for call in reply.tool_calls
    ]


def _chunks(reply: EchoReply, model: str, response_id: str, streamed: bool) -> list[dict[str, Any]]:
    """The answer as GenerateContentResponse objects: one per piece, or one in all."""

    def chunk(parts: list[dict[str, Any]], final: bool) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if final:
            candidate["finishReason"] = _finish_reason(reply)
        return {
            "candidates": [candidate],
            "usageMetadata": _usage(reply, final),
            "modelVersion": model,
            "responseId": response_id,
        }

    thought = [{"text": reply.thinking, "thought": True}] if reply.thinking else []
    if not streamed:
        text = [{"text": reply.text}] if reply.text else []
        return [chunk(thought + text + _function_parts(reply), True)]
    if reply.tool_calls:
        return [*([chunk(thought, False)] if thought else []), chunk(_function_parts(reply), True)]
    texts = _echo.pieces(reply.text) or [""]
    chunks = [chunk(thought, False)] if thought else []
    chunks += [chunk([{"text": piece}], False) for piece in texts[:-1]]
    chunks.append(chunk([{"text": texts[-1]}], True))
    return chunks


def stream_error(sent: int) -> Event:
    message = f"The server had an error while streaming (after {sent} events)."
    return json_event({"error": {"code": 500, "message": message, "status": "INTERNAL"}})


def _model(call: Call) -> str:
    name = call.params["model"].removeprefix("models/")
    if not call.app.models.knows(name):
        raise ApiError(404, f"models/{name} is not found for API version v1beta.")
    return name


async def generate_content(call: Call) -> Reply:
    model = _model(call)
    reply = _echo.reply(gemini_turn(await call.json()))
    return json_response(_chunks(reply, model, call.new_id("resp-"), streamed=False)[0])


async def stream_generate_content(call: Call) -> Reply:
    model = _model(call)
    reply = _echo.reply(gemini_turn(await call.json()))
    chunks = _chunks(reply, model, call.new_id("resp-"), streamed=True)
    if call.query.get("alt") == "sse":
        events: Iterator[Event] = (json_event(chunk) for chunk in chunks)
        return SSEReply(events, stream_error)
    return json_response(chunks)  # without alt=sse the stream is one JSON array


async def count_tokens(call: Call) -> Reply:
    _model(call)
    body = await call.json()
    request = body.get("generateContentRequest") or body
    return json_response({"totalTokens": _echo.reply(gemini_turn(request)).prompt_tokens})


async def embed_content(call: Call) -> Reply:
    _model(call)
    body = await call.json()
    text, _ = _parts_text(required(body, "content", dict))
    dimensions = optional(body, "outputDimensionality", int, default=768)
    return json_response({"embedding": {"values": _echo.embedding(text, dimensions)}})


def _model_entry(model: str) -> dict[str, Any]:
    return {
        "name": f"models/{model}",
        "version": "001",
        "displayName": model,
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "countTokens"],
    }


async def list_models(call: Call) -> Reply:
    return json_response({"models": [_model_entry(m) for m in call.app.models.ids]})


async def get_model(call: Call) -> Reply:
    return json_response(_model_entry(_model(call)))


ROUTES = [
    Route("GET", "/v1beta/models", list_models, "google"),
    Route("POST", "/v1beta/models/{model}:generateContent", generate_content, "google"),
    Route(
        "POST", "/v1beta/models/{model}:streamGenerateContent", stream_generate_content, "google"
    ),
    Route("POST", "/v1beta/models/{model}:countTokens", count_tokens, "google"),
    Route("POST", "/v1beta/models/{model}:embedContent", embed_content, "google"),
    Route("GET", "/v1beta/models/{model}", get_model, "google"),
]
