"""A chat as the CLI keeps it: settings and messages (kept in the log, see
:mod:`r9s.cli.chat.history`).

Messages are kept in one neutral form (role, text, images as data or URLs) and turned
into the wire form of the API in use (chat completions, Anthropic messages, Responses)
at each request, so a chat can be resumed with another ``--api``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from r9s.cli.common.files import KEY_FILE_MODE, write_atomic

APIS = ("chat", "messages", "responses")
# Anthropic requires max_tokens; the CLI sends this unless --max-tokens says otherwise.
MESSAGES_MAX_TOKENS = 4096


@dataclass
class Message:
    role: str  # "user" | "assistant"
    content: str
    images: list[str] = field(default_factory=list)  # data: or http(s) URLs
    interrupted: bool = False  # an answer cut short by Ctrl-C


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class Conversation:
    model: str
    api: str = "chat"
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    messages: list[Message] = field(default_factory=list)
    id: str = field(default_factory=lambda: new_id())
    created: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    usage: Usage = field(default_factory=Usage)

    @property
    def options(self) -> dict[str, Any]:
        """The request options set for this chat (none: the API's defaults)."""
        values = {"temperature": self.temperature, "max_tokens": self.max_tokens}
        return {key: value for key, value in values.items() if value is not None}

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["version"] = 1
        body["updated"] = datetime.now().isoformat(timespec="seconds")
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Conversation:
        messages = [Message(**m) for m in data.get("messages", [])]
        usage = Usage(**data.get("usage", {}))
        return cls(
            model=str(data["model"]),
            api=str(data.get("api", "chat")),
            system=data.get("system"),
            temperature=data.get("temperature"),
            max_tokens=data.get("max_tokens"),
            messages=messages,
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
        lines += [message.content, ""]
    return "\n".join(lines)


def _short_url(url: str) -> str:
    return url if not url.startswith("data:") else url.split(",", 1)[0] + ",..."


def write_export(conversation: Conversation, target: Path) -> None:
    """``/save FILE``: JSON for ``.json``, Markdown otherwise; mode 0600 like the chats."""
    if target.suffix.lower() == ".json":
        text = json.dumps(conversation.to_json(), ensure_ascii=False, indent=1) + "\n"
    else:
        text = export_markdown(conversation)
    write_atomic(target, text.encode("utf-8"), KEY_FILE_MODE)


# ------------------------------------------------------------------ wire forms


def _split_data_url(url: str) -> tuple[str, str]:
    head, _, data = url.partition(",")
    mime = head[len("data:") :].split(";")[0] or "image/png"
    return mime, data


def request_params(conversation: Conversation) -> dict[str, Any]:
    """The keyword arguments of ``create`` for the conversation's API."""
    api = conversation.api
    messages = [m for m in conversation.messages if m.content or m.images]
    params: dict[str, Any] = {"model": conversation.model}
    if conversation.temperature is not None:
        params["temperature"] = conversation.temperature
    if api == "chat":
        wire: list[dict[str, Any]] = []
        if conversation.system:
            wire.append({"role": "system", "content": conversation.system})
        wire += [_chat_message(m) for m in messages]
        params["messages"] = wire
        if conversation.max_tokens is not None:
            params["max_tokens"] = conversation.max_tokens
    elif api == "messages":
        if conversation.system:
            params["system"] = conversation.system
        params["messages"] = [_anthropic_message(m) for m in messages]
        params["max_tokens"] = conversation.max_tokens or MESSAGES_MAX_TOKENS
    elif api == "responses":
        if conversation.system:
            params["instructions"] = conversation.system
        params["input"] = [_responses_message(m) for m in messages]
        if conversation.max_tokens is not None:
            params["max_output_tokens"] = conversation.max_tokens
    else:
        raise ValueError(f"unknown API {api!r}: choose one of {', '.join(APIS)}")
    return params


def _chat_message(message: Message) -> dict[str, Any]:
    if not message.images or message.role != "user":
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = (
        [{"type": "text", "text": message.content}] if message.content else []
    )
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in message.images]
    return {"role": "user", "content": parts}


def _anthropic_message(message: Message) -> dict[str, Any]:
    if not message.images or message.role != "user":
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = []
    for url in message.images:
        if url.startswith("data:"):
            mime, data = _split_data_url(url)
            source = {"type": "base64", "media_type": mime, "data": data}
        else:
            source = {"type": "url", "url": url}
        parts.append({"type": "image", "source": source})
    if message.content:
        parts.append({"type": "text", "text": message.content})
    return {"role": "user", "content": parts}


def _responses_message(message: Message) -> dict[str, Any]:
    if not message.images or message.role != "user":
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = []
    if message.content:
        parts.append({"type": "input_text", "text": message.content})
    parts += [{"type": "input_image", "image_url": url} for url in message.images]
    return {"role": "user", "content": parts}


def usage_of(final: Any) -> Usage | None:
    """Tokens in and out of a final result of any of the three APIs."""
    usage = getattr(final, "usage", None)
    if usage is None:
        return None
    tokens_in = getattr(usage, "prompt_tokens", None)
    if tokens_in is None:
        tokens_in = getattr(usage, "input_tokens", None)
    tokens_out = getattr(usage, "completion_tokens", None)
    if tokens_out is None:
        tokens_out = getattr(usage, "output_tokens", None)
    if tokens_in is None and tokens_out is None:
        return None
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


def dump(final: Any) -> str:
    """A final result as indented JSON (``--json``)."""
    to_dict = getattr(final, "to_dict", None)
    body = to_dict() if callable(to_dict) else final
    return json.dumps(body, ensure_ascii=False, indent=2)


def outcome_of(final: Any) -> dict[str, Any]:
    """What a final result of any of the three APIs says beyond its text, for the log:
    ``finish_reason``, ``response_id``, ``usage`` (as sent), ``cost`` (``usage.cost``,
    when the router reports it), ``tool_calls`` and ``parsed`` (structured output)."""
    to_dict = getattr(final, "to_dict", None)
    body: dict[str, Any] = to_dict() if callable(to_dict) else {}
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else None
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
