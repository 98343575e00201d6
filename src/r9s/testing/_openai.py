"""OpenAI-format text endpoints: chat completions, completions, edits, embeddings,
moderations and search."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from r9s.testing import _echo, _structured
from r9s.testing._echo import Reply as EchoReply, ToolDef, Turn
from r9s.testing._errors import ApiError, invalid, missing, openai_stream_error
from r9s.testing._routing import (
    Call,
    Reply,
    Route,
    json_response,
    optional,
    required,
    stream_flag,
)
from r9s.testing._sse import DONE, Event, SSEReply, json_event


def content_text(content: Any) -> str:
    """The text of an OpenAI message ``content``: a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
        return "\n".join(texts)
    return ""


def usage(reply: EchoReply) -> dict[str, Any]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.total_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reply.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def finish_reason(reply: EchoReply) -> str:
    if reply.tool_calls:
        return "tool_calls"
    return "length" if reply.truncated else "stop"


def include_usage(body: dict[str, Any]) -> bool:
    options = optional(body, "stream_options", dict, default={})
    return bool(options.get("include_usage"))


def max_tokens(body: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = optional(body, name, int)
        if value is not None:
            if value < 1:
                raise ApiError(
                    400,
                    f"Invalid '{name}': integer below minimum value. Expected a value >= 1,"
                    f" but got {value} instead.",
                    code="integer_below_min_value",
                    param=name,
                )
            return int(value)
    return None


def choice_count(body: dict[str, Any]) -> int:
    n = int(optional(body, "n", int, default=1))
    if not 1 <= n <= 128:
        raise invalid("n", f"Invalid 'n': {n} is not between 1 and 128.")
    return n


# -- chat completions ----------------------------------------------------------------


def chat_turn(body: dict[str, Any]) -> Turn:
    messages = required(body, "messages", list)
    texts: list[str] = []
    last_text, after_tool, previous, user_text = "", False, "", ""
    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise invalid("messages", "Each message must be an object with a 'role'.")
        text = content_text(message.get("content"))
        texts.append(text)
        role = message["role"]
        if role in ("user", "tool", "function"):
            # the results of one round of parallel calls are answered together
            joined = role != "user" and previous in ("tool", "function")
            last_text, after_tool = (f"{last_text}\n{text}" if joined else text), role != "user"
            if role == "user":
                user_text = text
        previous = role
    model = body.get("model")
    return Turn(
        text=last_text,
        user_text=user_text,
        prompt_texts=tuple(texts),
        after_tool=after_tool,
        tools=_chat_tools(body),
        tool_choice=tool_choice(body),
        max_tokens=max_tokens(body, "max_completion_tokens", "max_tokens"),
        thinking=optional(body, "reasoning_effort", str) not in (None, "none", "minimal"),
        output_schema=_structured.requested_schema(
            str(model), output_schema(body.get("response_format")), "response_format"
        ),
    )


def _chat_tools(body: dict[str, Any]) -> tuple[ToolDef, ...]:
    tools = []
    for tool in optional(body, "tools", list, default=[]):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise invalid("tools", "Each tool must be {'type': 'function', 'function': {'name'}}.")
        parameters = function.get("parameters")
        tools.append(ToolDef(function["name"], parameters if isinstance(parameters, dict) else {}))
    return tuple(tools)


def tool_choice(body: dict[str, Any]) -> str:
    """``tool_choice`` as the echo model takes it: auto, none, required or a tool name.

    Accepts the chat shape ``{type, function: {name}}`` and the Responses API's flat
    ``{type, name}`` (the r9s spec shows both on both endpoints).
    """
    choice = body.get("tool_choice", "auto")
    if isinstance(choice, str):
        return choice
    if isinstance(choice, dict):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else choice.get("name")
        if isinstance(name, str):
            return name
        if choice.get("type") in ("auto", "none", "required"):
            return str(choice["type"])
    raise invalid("tool_choice", "Invalid 'tool_choice'.")


def output_schema(response_format: Any) -> dict[str, Any] | None:
    """The JSON schema asked for by a chat ``response_format`` or a Responses ``text.format``
    (``{}`` for plain JSON mode, None for text)."""
    if not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_object":
        return {}
    if response_format.get("type") == "json_schema":
        nested = response_format.get("json_schema")  # chat nests it, Responses does not
        holder = nested if isinstance(nested, dict) else response_format
        schema = holder.get("schema")
        return schema if isinstance(schema, dict) else {}
    return None


def _tool_call(call: _echo.ToolCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }


def _chat_message(reply: EchoReply) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": None if reply.tool_calls or reply.refusal else reply.text,
        "refusal": reply.refusal,
        "annotations": [],
    }
    if reply.thinking is not None:
        message["reasoning_content"] = reply.thinking
    if reply.tool_calls:
        message["tool_calls"] = [_tool_call(call) for call in reply.tool_calls]
    return message


async def chat_completions(call: Call) -> Reply:
    body = await call.json()
    model = call.model(required(body, "model", str))
    turn = chat_turn(body)
    n = choice_count(body)
    reply = _echo.reply(turn)
    base = {"id": call.new_id("chatcmpl-"), "created": call.now(), "model": model}
    if stream_flag(body):
        events = _chat_chunks(base, reply, n, include_usage(body))
        return SSEReply(events, openai_stream_error)
    choices = [
        {
            "index": i,
            "message": _chat_message(reply),
            "logprobs": None,
            "finish_reason": finish_reason(reply),
        }
        for i in range(n)
    ]
    return json_response(
        {
            **base,
            "object": "chat.completion",
            "choices": choices,
            "usage": usage(reply),
            "service_tier": "default",
            "system_fingerprint": None,
        }
    )


def _chat_chunks(
    base: dict[str, Any], reply: EchoReply, n: int, with_usage: bool
) -> Iterator[Event]:
    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> Event:
        payload = {
            **base,
            "object": "chat.completion.chunk",
            "system_fingerprint": None,
            "choices": [
                {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
            ],
        }
        if with_usage:
            payload["usage"] = None
        return json_event(payload)

    for index in range(n):
        first: dict[str, Any] = {"role": "assistant", "content": "", "refusal": None}
        if reply.tool_calls or reply.refusal:
            first["content"] = None
        yield chunk(index, first)
        for piece in _echo.pieces(reply.thinking or ""):
            yield chunk(index, {"reasoning_content": piece})
        for piece in _echo.pieces(reply.text):
            yield chunk(index, {"refusal": piece} if reply.refusal else {"content": piece})
        for position, tool_call in enumerate(reply.tool_calls):
            opening = {**_tool_call(tool_call), "index": position}
            opening["function"] = {"name": tool_call.name, "arguments": ""}
            yield chunk(index, {"tool_calls": [opening]})
            for fragment in _echo.split_evenly(tool_call.arguments):
                delta = {"index": position, "function": {"arguments": fragment}}
                yield chunk(index, {"tool_calls": [delta]})
        yield chunk(index, {}, finish_reason(reply))
    if with_usage:
        yield json_event(
            {
                **base,
                "object": "chat.completion.chunk",
                "system_fingerprint": None,
                "choices": [],
                "usage": usage(reply),
            }
        )
    yield DONE


# -- legacy completions and edits -----------------------------------------------------


def _prompts(body: dict[str, Any]) -> list[str]:
    prompt = body.get("prompt")
    if prompt is None or prompt == "" or prompt == []:
        raise missing("prompt")
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and all(isinstance(p, str) for p in prompt):
        return list(prompt)
    if isinstance(prompt, list) and all(isinstance(p, int) for p in prompt):
        return [" ".join(map(str, prompt))]
    if isinstance(prompt, list) and all(isinstance(p, list) for p in prompt):
        return [" ".join(map(str, p)) for p in prompt]
    raise invalid("prompt", "'prompt' must be a string, a list of strings or token arrays.")


async def completions(call: Call) -> Reply:
    body = await call.json()
    model = call.model(required(body, "model", str))
    limit = max_tokens(body, "max_tokens")
    n = choice_count(body)
    replies = [_echo.reply(Turn(text=p, max_tokens=limit)) for p in _prompts(body)]
    choices = [(index * n + j, reply) for index, reply in enumerate(replies) for j in range(n)]
    prompt_tokens = sum(reply.prompt_tokens for reply in replies)
    completion_tokens = sum(reply.completion_tokens for _, reply in choices)
    totals = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    base = {
        "id": call.new_id("cmpl-"),
        "object": "text_completion",
        "created": call.now(),
        "model": model,
        "system_fingerprint": None,
    }
    if stream_flag(body):
        return SSEReply(
            _completion_chunks(base, choices, totals if include_usage(body) else None),
            openai_stream_error,
        )
    return json_response(
        {
            **base,
            "choices": [
                {
                    "text": reply.text,
                    "index": index,
                    "logprobs": None,
                    "finish_reason": finish_reason(reply),
                }
                for index, reply in choices
            ],
            "usage": totals,
        }
    )


def _completion_chunks(
    base: dict[str, Any], choices: list[tuple[int, EchoReply]], totals: dict[str, Any] | None
) -> Iterator[Event]:
    def chunk(index: int, text: str, finish: str | None) -> Event:
        choice = {"text": text, "index": index, "logprobs": None, "finish_reason": finish}
        return json_event({**base, "choices": [choice]})

    for index, reply in choices:
        for piece in _echo.pieces(reply.text):
            yield chunk(index, piece, None)
        yield chunk(index, "", finish_reason(reply))
    if totals is not None:
        yield json_event({**base, "choices": [], "usage": totals})
    yield DONE


async def edits(call: Call) -> Reply:
    body = await call.json()
    model = call.model(required(body, "model", str))
    required(body, "instruction", str)
    text = optional(body, "input", str, default="")
    n = choice_count(body)
    reply = _echo.reply(Turn(text=text, prompt_texts=(text, body["instruction"])))
    return json_response(
        {
            "object": "edit",
            "created": call.now(),
            "model": model,
            "choices": [{"text": reply.text, "index": i} for i in range(n)],
            "usage": {k: v for k, v in usage(reply).items() if k.endswith("_tokens")},
        }
    )


# -- embeddings -----------------------------------------------------------------------


MAX_EMBEDDING_INPUTS = 2048
"""The spec's limit on the inputs of one embeddings request."""


def _embedding_inputs(body: dict[str, Any]) -> list[tuple[str, int]]:
    """(text to embed, tokens) for each input: strings, token arrays, or lists of either."""
    value = body.get("input")
    if value is None or value == "" or value == []:
        raise missing("input")
    if isinstance(value, str):
        return [(value, _echo.count_tokens(value))]
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return [(" ".join(map(str, value)), len(value))]
    if isinstance(value, list):
        if len(value) > MAX_EMBEDDING_INPUTS:
            raise invalid(
                "input", f"'input' array must be {MAX_EMBEDDING_INPUTS} dimensions or less."
            )
        inputs = []
        for item in value:
            if isinstance(item, str) and item:
                inputs.append((item, _echo.count_tokens(item)))
            elif isinstance(item, list) and item and all(isinstance(v, int) for v in item):
                inputs.append((" ".join(map(str, item)), len(item)))
            else:
                raise invalid("input", "'input' items must be non-empty strings or token arrays.")
        return inputs
    raise invalid("input", "'input' must be a string, a list of strings or token arrays.")


def _default_dimensions(model: str) -> int:
    return 3072 if model.endswith("-large") else 1536


async def _embed(call: Call, model: str, body: dict[str, Any]) -> Reply:
    inputs = _embedding_inputs(body)
    dimensions = optional(body, "dimensions", int, default=_default_dimensions(model))
    if not 1 <= dimensions <= 8192:
        raise invalid("dimensions", f"Invalid 'dimensions': {dimensions}.")
    encoding = optional(body, "encoding_format", str, default="float")
    if encoding not in ("float", "base64"):
        raise invalid("encoding_format", "'encoding_format' must be 'float' or 'base64'.")
    data = []
    for index, (text, _tokens) in enumerate(inputs):
        vector = _echo.embedding(text, dimensions)
        encoded: Any = _echo.embedding_base64(vector) if encoding == "base64" else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(t for _, t in inputs)
    return json_response(
        {
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


async def embeddings(call: Call) -> Reply:
    body = await call.json()
    return await _embed(call, call.model(required(body, "model", str)), body)


async def engine_embeddings(call: Call) -> Reply:
    body = await call.json()
    return await _embed(call, call.model(call.params["model"]), body)


# -- moderations and search -----------------------------------------------------------

MODERATION_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
# Deterministic "classifier": the words of _structured.VIOLENT_WORDS flag a text as violent.


def _moderation_inputs(body: dict[str, Any]) -> list[str]:
    value = body.get("input")
    if value is None or value == "" or value == []:
        raise missing("input")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return [content_text([part]) or "[image]" for part in value]
    raise invalid("input", "'input' must be a string, a list of strings or content parts.")


def _moderation_result(text: str) -> dict[str, Any]:
    violent = _structured.violent(text)
    flagged = {"violence"} if violent else set()
    return {
        "flagged": violent,
        "categories": {c: c in flagged for c in MODERATION_CATEGORIES},
        "category_scores": {c: 0.91 if c in flagged else 0.0001 for c in MODERATION_CATEGORIES},
        "category_applied_input_types": {c: ["text"] for c in MODERATION_CATEGORIES},
    }


async def moderations(call: Call) -> Reply:
    body = await call.json()
    model = call.model(optional(body, "model", str, default="omni-moderation-latest"))
    results = [_moderation_result(text) for text in _moderation_inputs(body)]
    return json_response({"id": call.new_id("modr-"), "model": model, "results": results})


def _search_hits(query: str, count: int) -> list[dict[str, Any]]:
    slug = "-".join(query.lower().split())[:60] or "query"
    return [
        {
            "title": f"Result {i} for {query}",
            "url": f"https://example.com/{slug}/{i}",
            "text": f"Echo: {query} (result {i})",
            "score": round(1 - i / 100, 2),
        }
        for i in range(1, count + 1)
    ]


async def search(call: Call) -> Reply:
    body = await call.json()
    engine = optional(body, "engine", str, default="exa")
    if engine not in ("exa", "tavily", "google"):
        raise invalid("engine", "'engine' must be one of exa, tavily, google.")
    extra = required(body, "extra", dict)
    query = extra.get("query")
    if not isinstance(query, str) or not query:
        raise missing("extra.query")
    count = extra.get("num") or extra.get("max_results") or 3
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 20:
        count = 3
    hits = _search_hits(query, count)
    request_id = call.new_id("req_")
    result: dict[str, Any]
    if engine == "exa":
        result = {
            "requestId": request_id,
            "resolvedSearchType": "neural",
            "searchTime": 0.01,
            "results": [
                {"id": h["url"], "title": h["title"], "url": h["url"], "text": h["text"]}
                for h in hits
            ],
        }
    elif engine == "tavily":
        result = {
            "query": query,
            "answer": _echo.echo(query),
            "response_time": 0.01,
            "request_id": request_id,
            "results": [
                {"title": h["title"], "url": h["url"], "content": h["text"], "score": h["score"]}
                for h in hits
            ],
        }
    else:
        result = {
            "items": [{"title": h["title"], "link": h["url"], "snippet": h["text"]} for h in hits],
            "searchInformation": {"totalResults": str(len(hits)), "searchTime": 0.01},
        }
    return json_response({"engine": engine, "result": result})


ROUTES = [
    Route("POST", "/v1/chat/completions", chat_completions),
    Route("POST", "/v1/completions", completions),
    Route("POST", "/v1/edits", edits),
    Route("POST", "/v1/embeddings", embeddings),
    Route("POST", "/v1/engines/{model}/embeddings", engine_embeddings),
    Route("POST", "/v1/moderations", moderations),
    Route("POST", "/v1/search", search),
]
