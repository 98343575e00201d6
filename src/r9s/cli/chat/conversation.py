"""A chat as the CLI keeps it: settings and messages (kept in the log, see
:mod:`r9s.cli.chat.history`).

Messages are kept in one neutral form (role, text, images as data or URLs, other
attachments, the tool calls an answer made) and turned into the wire form of the API in
use (chat completions, Anthropic messages, Responses) at each request, so a chat can be
resumed with another ``--api``. The same goes for answers: ``deltas_of``, ``text_of``,
``reasoning_of``, ``usage_of`` and ``problem_of`` read any of the three.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from r9s.cli.chat import attachments
from r9s.cli.chat.attachments import Attachment
from r9s.cli.common import options as chat_options
from r9s.cli.common.files import KEY_FILE_MODE, write_atomic
from r9s.cli.common.i18n import _

APIS = ("chat", "messages", "responses")
# Anthropic requires max_tokens; the CLI sends this unless --max-tokens says otherwise.
MESSAGES_MAX_TOKENS = 4096


@dataclass
class ToolUse:
    """One tool call an answer made, and what running it gave."""

    id: str
    name: str
    arguments: str  # JSON text
    result: str = ""
    is_error: bool = False


@dataclass
class ToolRound:
    """The calls the model made at once, and the text it wrote before them."""

    calls: list[ToolUse] = field(default_factory=list)
    text: str = ""


@dataclass
class Message:
    role: str  # "user" | "assistant"
    content: str
    images: list[str] = field(default_factory=list)  # data: or http(s) URLs
    interrupted: bool = False  # an answer cut short by Ctrl-C
    files: list[Attachment] = field(default_factory=list)  # PDFs, audio, text files
    tool_rounds: list[ToolRound] = field(default_factory=list)  # before this answer

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        rounds = [
            ToolRound([ToolUse(**call) for call in item.get("calls", [])], item.get("text", ""))
            for item in data.get("tool_rounds", [])
        ]
        files = [Attachment.from_json(item) for item in data.get("files", [])]
        return cls(
            role=str(data["role"]),
            content=str(data.get("content", "")),
            images=list(data.get("images", [])),
            interrupted=bool(data.get("interrupted", False)),
            files=files,
            tool_rounds=rounds,
        )


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class Conversation:
    model: str
    api: str = "chat"
    system: str | None = None
    messages: list[Message] = field(default_factory=list)
    # the request options by their -o names (temperature, max_tokens, reasoning_effort...;
    # checked for the API) and --extra JSON, sent as it is
    options: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: new_id())
    created: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    usage: Usage = field(default_factory=Usage)

    @property
    def max_tokens(self) -> int | None:
        value = self.options.get("max_tokens")
        return None if value is None else int(value)

    def to_json(self) -> dict[str, Any]:
        """The chat as one JSON document (``/save FILE.json``; the form of r9s 1.0's chat
        files, temperature and max_tokens at the top, with the other options beside)."""
        body = asdict(self)
        options = body.pop("options")
        body["temperature"] = options.pop("temperature", None)
        body["max_tokens"] = options.pop("max_tokens", None)
        body["options"] = options
        body["version"] = 1
        body["updated"] = datetime.now().isoformat(timespec="seconds")
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Conversation:
        messages = [Message.from_json(m) for m in data.get("messages", [])]
        usage = Usage(**data.get("usage", {}))
        options = {
            key: data[key] for key in ("temperature", "max_tokens") if data.get(key) is not None
        }
        return cls(
            model=str(data["model"]),
            api=str(data.get("api", "chat")),
            system=data.get("system"),
            messages=messages,
            options={**options, **(data.get("options") or {})},
            extra=dict(data.get("extra") or {}),
            id=str(data["id"]),
            created=str(data.get("created", "")),
            usage=usage,
        )


def new_id() -> str:
    return f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def export_markdown(conversation: Conversation) -> str:
    """The chat as Markdown (``/save FILE``)."""
    lines = [f"# Chat with {conversation.model}", ""]
    if conversation.system:
        lines += ["**System:**", "", conversation.system, ""]
    for message in conversation.messages:
        who = "You" if message.role == "user" else conversation.model
        note = " (interrupted)" if message.interrupted else ""
        lines += [f"## {who}{note}", ""]
        lines += [f"![image {n}]({_short_url(url)})" for n, url in enumerate(message.images, 1)]
        lines += [f"*{file.name}* ({file.mime})" for file in message.files]
        for tool_round in message.tool_rounds:
            if tool_round.text:
                lines += [tool_round.text, ""]
            for call in tool_round.calls:
                lines += [
                    f"> {describe_call(call.name, call.arguments)}",
                    f"> {describe_result(call.result, call.is_error)}",
                    "",
                ]
        lines += [message.content, ""]
    return "\n".join(lines)


def _short_url(url: str) -> str:
    return url if not url.startswith("data:") else url.split(",", 1)[0] + ",..."


def write_export(conversation: Conversation, target: Path) -> None:
    """``/save FILE``: JSON for ``.json``, Markdown otherwise; mode 0600 like the log."""
    if target.suffix.lower() == ".json":
        text = json.dumps(conversation.to_json(), ensure_ascii=False, indent=1) + "\n"
    else:
        text = export_markdown(conversation)
    write_atomic(target, text.encode("utf-8"), KEY_FILE_MODE)


# ------------------------------------------------------------------ wire forms


def _split_data_url(url: str) -> tuple[str, str]:
    head, _sep, data = url.partition(",")
    mime = head[len("data:") :].split(";")[0] or "image/png"
    return mime, data


def request_params(
    conversation: Conversation, *, with_tools: bool = False, show_reasoning: bool = True
) -> dict[str, Any]:
    """The keyword arguments of ``create`` for the conversation's API. With
    ``with_tools`` earlier tool calls go in the API's own form (tools are sent with this
    request); otherwise they are told as text, which every request may carry."""
    api = conversation.api
    messages = [
        m for m in conversation.messages if m.content or m.images or m.files or m.tool_rounds
    ]
    params: dict[str, Any] = {"model": conversation.model}
    if api not in APIS:
        raise ValueError(
            _("unknown API {api!r}: choose one of {join}").format(api=api, join=", ".join(APIS))
        )
    wire = [item for message in messages for item in _wire_messages(message, api, with_tools)]
    if api == "chat":
        if conversation.system:
            wire.insert(0, {"role": "system", "content": conversation.system})
        params["messages"] = wire
    elif api == "messages":
        if conversation.system:
            params["system"] = conversation.system
        params["messages"] = wire
    else:
        if conversation.system:
            params["instructions"] = conversation.system
        params["input"] = wire
    chat_options.apply(api, conversation.options, params)
    if api == "messages":
        params["max_tokens"] = _messages_max_tokens(conversation)
    if api == "responses" and show_reasoning and isinstance(params.get("reasoning"), dict):
        effort = params["reasoning"].get("effort")
        if effort not in (None, "none"):
            params["reasoning"].setdefault("summary", "auto")  # the text to show
    chat_options.merge_extra(params, conversation.extra)
    return params


def _messages_max_tokens(conversation: Conversation) -> int:
    """Anthropic requires max_tokens, and above the thinking budget when thinking."""
    budget = chat_options.thinking_budget(conversation.options)
    if conversation.max_tokens is not None:
        if budget is not None and conversation.max_tokens <= budget:
            raise chat_options.OptionError(
                _(
                    "--max-tokens {tokens} must be above the thinking budget ({budget} tokens) "
                    "on the messages API"
                ).format(tokens=conversation.max_tokens, budget=budget)
            )
        return conversation.max_tokens
    return MESSAGES_MAX_TOKENS + (budget or 0)


def _user_parts(message: Message, api: str) -> list[dict[str, Any]]:
    for number, url in enumerate(message.images, 1):
        attachments.check_image(url, api, number)
    if api == "chat":
        parts: list[dict[str, Any]] = (
            [{"type": "text", "text": message.content}] if message.content else []
        )
        parts += [attachments.chat_part(file) for file in message.files]
        parts += [{"type": "image_url", "image_url": {"url": url}} for url in message.images]
        return parts
    if api == "responses":
        parts = [{"type": "input_text", "text": message.content}] if message.content else []
        parts += [attachments.responses_part(file) for file in message.files]
        parts += [{"type": "input_image", "image_url": url} for url in message.images]
        return parts
    parts = []
    for url in message.images:
        if url.startswith("data:"):
            mime, data = _split_data_url(url)
            source = {"type": "base64", "media_type": mime, "data": data}
        else:
            source = {"type": "url", "url": url}
        parts.append({"type": "image", "source": source})
    parts += [attachments.messages_part(file) for file in message.files]
    if message.content:
        parts.append({"type": "text", "text": message.content})
    return parts


def _told(message: Message) -> str:
    """An answer with its tool calls told as text (for a request without tools)."""
    lines = []
    for tool_round in message.tool_rounds:
        if tool_round.text:
            lines.append(tool_round.text)
        for call in tool_round.calls:
            lines.append(describe_call(call.name, call.arguments))
            lines.append(describe_result(call.result, call.is_error))
    if message.content:
        lines.append(message.content)
    return "\n\n".join(lines)


def _wire_messages(message: Message, api: str, with_tools: bool) -> list[dict[str, Any]]:
    """One message in the wire form of ``api``: a user's with its parts; an answer with
    its tool rounds (in the API's own form with tools, else told as text)."""
    if message.role == "user":
        if not message.images and not message.files:
            return [{"role": "user", "content": message.content}]
        return [{"role": "user", "content": _user_parts(message, api)}]
    if not with_tools:
        return [{"role": message.role, "content": _told(message)}]
    wire = [item for tool_round in message.tool_rounds for item in _ROUNDS[api](tool_round)]
    wire.append({"role": message.role, "content": message.content})
    return wire


def _chat_round(tool_round: ToolRound) -> list[dict[str, Any]]:
    calls = [
        {"id": call.id, "type": "function",
         "function": {"name": call.name, "arguments": call.arguments}}
        for call in tool_round.calls
    ]  # fmt: skip
    results = [
        {"role": "tool", "tool_call_id": call.id, "content": call.result}
        for call in tool_round.calls
    ]
    return [{"role": "assistant", "content": tool_round.text or None, "tool_calls": calls},
            *results]  # fmt: skip


def _messages_round(tool_round: ToolRound) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = (
        [{"type": "text", "text": tool_round.text}] if tool_round.text else []
    )
    blocks += [
        {"type": "tool_use", "id": call.id, "name": call.name,
         "input": _arguments(call.arguments)}
        for call in tool_round.calls
    ]  # fmt: skip
    results = [
        {"type": "tool_result", "tool_use_id": call.id, "content": call.result,
         "is_error": call.is_error}
        for call in tool_round.calls
    ]  # fmt: skip
    return [{"role": "assistant", "content": blocks}, {"role": "user", "content": results}]


def _responses_round(tool_round: ToolRound) -> list[dict[str, Any]]:
    said = [{"role": "assistant", "content": tool_round.text}] if tool_round.text else []
    calls = [
        {"type": "function_call", "call_id": call.id, "name": call.name,
         "arguments": call.arguments}
        for call in tool_round.calls
    ]  # fmt: skip
    outputs = [
        {"type": "function_call_output", "call_id": call.id, "output": call.result}
        for call in tool_round.calls
    ]
    return [*said, *calls, *outputs]


_ROUNDS = {"chat": _chat_round, "messages": _messages_round, "responses": _responses_round}


def _arguments(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError:
        return {}


def describe_call(name: str, arguments: Any) -> str:
    """``-> get_weather({"city": "Oslo"})``: a tool call on one line."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    return _("-> {name}({arguments})").format(name=name, arguments=_clip(text.strip()))


def describe_result(content: str, is_error: bool) -> str:
    """``<- {...}`` (or ``<- error: ...``): a tool's result on one line."""
    if is_error:
        return _("<- error: {content}").format(content=_clip(content.removeprefix("Error: ")))
    return _("<- {content}").format(content=_clip(content))


def _clip(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def usage_of(final: Any) -> Usage | None:
    """Tokens in and out of a final result of any of the three APIs; None when the
    server reported none (all zeros)."""
    usage = getattr(final, "usage", None)
    if usage is None:
        return None
    tokens_in = getattr(usage, "prompt_tokens", None)
    if tokens_in is None:
        tokens_in = getattr(usage, "input_tokens", None)
    tokens_out = getattr(usage, "completion_tokens", None)
    if tokens_out is None:
        tokens_out = getattr(usage, "output_tokens", None)
    if not tokens_in and not tokens_out:
        return None  # none sent (the SDK then reads zeros)
    return Usage(int(tokens_in or 0), int(tokens_out or 0))


def text_of(final: Any) -> str:
    """The answer's text in a final (non-streamed) result of any of the three APIs."""
    choices = getattr(final, "choices", None)
    if choices is not None:
        for choice in choices:
            if getattr(choice, "index", 0) == 0:
                from r9s.models.chat import content_text  # content may be a list of parts

                return content_text(choice.message.content)
        return ""
    for name in ("output_text", "text"):
        value = getattr(final, name, None)
        if isinstance(value, str):
            return value
    return ""


def deltas_of(event: Any) -> tuple[str | None, str | None]:
    """``(text, reasoning)`` added by one stream event of any of the three APIs."""
    kind = getattr(event, "type", None)
    choices = getattr(event, "choices", None)
    if choices is not None:  # a chat completion chunk
        from r9s._streams.chat import chunk_text

        for choice in choices:
            if choice.index == 0:
                delta = choice.delta
                reasoning = delta.reasoning_content
                if reasoning is None:  # some routers call it "reasoning"
                    extra = delta.__pydantic_extra__ or {}
                    value = extra.get("reasoning")
                    reasoning = value if isinstance(value, str) else None
                return chunk_text(event), reasoning
        return None, None
    if kind == "content_block_delta":  # messages
        delta = event.delta
        kind = getattr(delta, "type", None)
        if kind == "text_delta":
            return delta.text, None
        if kind == "thinking_delta":
            return None, delta.thinking
        return None, None
    if kind in ("response.output_text.delta", "response.text.delta"):
        return event.delta, None
    if kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
        delta = getattr(event, "delta", None)
        if delta is None:
            delta = (event.__pydantic_extra__ or {}).get("delta")
        return None, delta if isinstance(delta, str) else None
    if kind == "response.reasoning_summary_part.added":
        index = getattr(event, "summary_index", None)
        if index is None:
            index = (event.__pydantic_extra__ or {}).get("summary_index")
        return None, "\n\n" if index else None  # between the parts of a summary
    return None, None


def reasoning_of(final: Any) -> str:
    """The reasoning text of a final (non-streamed) result of any of the three APIs."""
    choices = getattr(final, "choices", None)
    if choices is not None:
        for choice in choices:
            if getattr(choice, "index", 0) == 0:
                message = choice.message
                text = message.reasoning_content
                if text is None:
                    from r9s.models.chat import content_thinking

                    text = content_thinking(message.content) or (
                        (message.__pydantic_extra__ or {}).get("reasoning")
                    )
                return text if isinstance(text, str) else ""
        return ""
    pieces: list[str] = []
    for item in getattr(final, "output", None) or []:
        if getattr(item, "type", None) == "reasoning":
            summary = item.summary
            if isinstance(summary, str):
                pieces.append(summary)
            else:
                pieces += [part.text for part in summary or []]
    for block in getattr(final, "content", None) or []:
        if getattr(block, "type", None) == "thinking":
            pieces.append(block.thinking)
    return "\n\n".join(piece for piece in pieces if piece)


def problem_of(final: Any) -> str | None:
    """Why a final result of any of the three APIs is not a whole answer (a failed or
    incomplete response, a cut or filtered answer), or None."""
    if final is None:
        return None
    choices = getattr(final, "choices", None)
    if choices is not None:
        reason = next((c.finish_reason for c in choices if getattr(c, "index", 0) == 0), None)
        return _stopped_by(reason)
    status = getattr(final, "status", None)
    if status == "failed":
        error = final.error
        code = getattr(error, "code", None)
        message = getattr(error, "message", "") or _("no reason given")
        if code:
            return _("the response failed ({code}): {message}").format(code=code, message=message)
        return _("the response failed: {message}").format(message=message)
    if status == "incomplete":
        reason = getattr(final.incomplete_details, "reason", None)
        return _stopped_by(
            {"max_output_tokens": "length", "content_filter": "content_filter"}.get(
                reason or "", reason
            ),
            incomplete=True,
        )
    if status == "cancelled":
        return _("the response was cancelled")
    stop = getattr(final, "stop_reason", None)
    if stop is not None:
        return _stopped_by({"max_tokens": "length", "refusal": "refusal"}.get(stop))
    return None


def _stopped_by(reason: str | None, *, incomplete: bool = False) -> str | None:
    if reason == "length":
        return _("the answer is incomplete: it reached the token limit; raise --max-tokens")
    if reason == "content_filter":
        return _("the answer is incomplete: the provider's content filter stopped it")
    if reason == "refusal":
        return _("the model refused to answer")
    if incomplete:
        return _("the response is incomplete ({reason})").format(
            reason=reason or _("no reason given")
        )
    return None


def dump(final: Any) -> str:
    """A final result as indented JSON (``--json``)."""
    to_dict = getattr(final, "to_dict", None)
    body = to_dict() if callable(to_dict) else final
    return json.dumps(body, ensure_ascii=False, indent=2)


def outcome_of(final: Any) -> dict[str, Any]:
    """What a final result of any of the three APIs says beyond its text, for the log:
    ``finish_reason``, ``response_id``, ``usage`` (as sent; None when none was),
    ``cost`` (``usage.cost``, when the router reports it), ``tool_calls`` and ``parsed``
    (structured output)."""
    to_dict = getattr(final, "to_dict", None)
    body: dict[str, Any] = to_dict() if callable(to_dict) else {}
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else None
    if usage is not None and usage_of(final) is None:
        usage = None  # the server sent none: the SDK's zeros are no usage
    cost = usage.get("cost") if usage else None
    outcome: dict[str, Any] = {
        "response_id": body.get("id") or None,
        "usage": usage,
        "cost": float(cost)
        if isinstance(cost, int | float) and not isinstance(cost, bool)
        else None,
    }
    calls: list[dict[str, Any]] = []
    parsed: Any = None
    if isinstance(body.get("choices"), list):  # chat completions
        choice: dict[str, Any] = next((c for c in body["choices"] if c.get("index", 0) == 0), {})
        outcome["finish_reason"] = choice.get("finish_reason")
        for call in (choice.get("message") or {}).get("tool_calls") or []:
            function = call.get("function") or {}
            calls.append(
                {
                    "id": call.get("id"),
                    "name": function.get("name"),
                    "arguments": function.get("arguments"),
                }
            )
        choices = getattr(final, "choices", None) or []
        parsed = getattr(getattr(choices[0], "message", None), "parsed", None) if choices else None
    elif isinstance(body.get("output"), list):  # responses
        details = body.get("incomplete_details") or {}
        outcome["finish_reason"] = details.get("reason") or body.get("status")
        for item in body["output"]:
            if item.get("type") == "function_call":
                calls.append(
                    {
                        "id": item.get("call_id"),
                        "name": item.get("name"),
                        "arguments": item.get("arguments"),
                    }
                )
        parsed = getattr(final, "output_parsed", None)
    elif isinstance(body.get("content"), list):  # messages
        outcome["finish_reason"] = body.get("stop_reason")
        for block in body["content"]:
            if block.get("type") == "tool_use":
                calls.append(
                    {
                        "id": block.get("id"),
                        "name": block.get("name"),
                        "arguments": json.dumps(block.get("input")),
                    }
                )
    outcome["tool_calls"] = calls or None
    dump = getattr(parsed, "model_dump", None)
    outcome["parsed"] = dump(mode="json") if callable(dump) else parsed
    return outcome
