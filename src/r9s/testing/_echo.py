"""The echo model: a deterministic stand-in for an LLM, shared by every API family.

The answer to a turn is ``Echo: <last user input>``, streamed as word-sized pieces.
Tokens are whitespace-separated words. Tools are called when the request forces it or
when the user text says ``call <tool name>`` (a tool result: on a line that starts
with it); arguments are derived
from the tool's schema. (Merely naming a tool is not enough: coding tools send tools
such as ``Bash`` with every request, and a prompt that mentions one must not make them
run it.) When structured output is requested, the answer is JSON built from the schema
the same way (or ``{"echo": <text>}`` for plain JSON mode); ``_structured`` holds those
rules.
Each API module only translates its wire format to a ``Turn`` and a ``Reply`` back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from dataclasses import dataclass, field
from typing import Any

from r9s.testing import _structured

ECHO_PREFIX = "Echo:"


def count_tokens(*texts: str) -> int:
    """Whitespace tokens, the unit of every ``usage`` this server reports."""
    return sum(len(text.split()) for text in texts)


def pieces(text: str) -> list[str]:
    """Split ``text`` into word-sized deltas whose concatenation is exactly ``text``."""
    parts = re.findall(r"\s*\S+", text)
    tail = text[len("".join(parts)) :]
    if tail:
        if parts:
            parts[-1] += tail
        else:
            parts = [tail]
    return parts


def split_evenly(text: str, count: int = 3) -> list[str]:
    """Cut ``text`` into at most ``count`` non-empty fragments (for streamed tool arguments)."""
    if not text:
        return []
    size = max(1, -(-len(text) // count))
    return [text[i : i + size] for i in range(0, len(text), size)]


def truncate(text: str, max_tokens: int | None) -> tuple[str, bool]:
    """Keep the first ``max_tokens`` words of ``text``; True if something was cut."""
    if max_tokens is None:
        return text, False
    kept = pieces(text)
    if len(kept) <= max_tokens:
        return text, False
    return "".join(kept[:max_tokens]).rstrip(), True


def short_hash(*parts: str, length: int = 24) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return digest[:length]


def signature(text: str) -> str:
    """A stable stand-in for a thinking block's signature."""
    return base64.b64encode(hashlib.sha256(("sig:" + text).encode()).digest()).decode()


def embedding(text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector for ``text``, with float32-exact components."""
    raw = hashlib.shake_256(text.encode()).digest(2 * dimensions)
    values = [(int.from_bytes(raw[i : i + 2], "little") - 32767.5) for i in range(0, len(raw), 2)]
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    packed = struct.pack(f"<{dimensions}f", *(v / norm for v in values))
    return list(struct.unpack(f"<{dimensions}f", packed))


def embedding_base64(vector: list[float]) -> str:
    """Little-endian float32 bytes, base64-encoded: OpenAI's ``encoding_format=base64``."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


@dataclass(frozen=True)
class ToolDef:
    """A callable tool as the request declared it (JSON schema of its arguments)."""

    name: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as every wire format carries it


@dataclass(frozen=True)
class Turn:
    """What a request asks of the model, independent of its wire format.

    ``text`` is the last user input (or the last tool result when ``after_tool`` is
    set); ``prompt_texts`` is every text of the request, for usage counting.
    ``tool_choice`` is ``"auto"``, ``"none"``, ``"required"`` or a tool name.
    ``output_schema`` asks for JSON matching that schema; ``{}`` for any JSON object.
    """

    text: str
    prompt_texts: tuple[str, ...] = ()
    after_tool: bool = False
    tools: tuple[ToolDef, ...] = ()
    tool_choice: str = "auto"
    max_tokens: int | None = None
    thinking: bool = False
    output_schema: dict[str, Any] | None = None
    user_text: str = ""
    """The last user input (when ``text`` is a tool result): a tool result that repeats
    it does not ask for calls by doing so."""


@dataclass(frozen=True)
class Reply:
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    thinking: str | None = None
    truncated: bool = False
    prompt_tokens: int = 0
    refusal: str | None = None
    """The model declined (a structured request about violence); ``text`` says it too."""

    @property
    def completion_tokens(self) -> int:
        arguments = [call.arguments for call in self.tool_calls]
        return count_tokens(self.text, self.thinking or "", *arguments)

    @property
    def reasoning_tokens(self) -> int:
        return count_tokens(self.thinking or "")

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def echo(text: str) -> str:
    """``Echo: <text>`` (surrounding whitespace of ``text`` dropped)."""
    return f"{ECHO_PREFIX} {text.strip()}" if text.strip() else ECHO_PREFIX


def thinking_for(text: str) -> str:
    """The reasoning shown when thinking is requested: ``Thinking about: <text>``."""
    return f"Thinking about: {text.strip()}" if text.strip() else "Thinking about: nothing"


def reply(turn: Turn, id_prefix: str = "call_") -> Reply:
    """The echo model's answer to ``turn``."""
    prompt_tokens = (
        count_tokens(*turn.prompt_texts) if turn.prompt_texts else count_tokens(turn.text)
    )
    thinking = thinking_for(turn.text) if turn.thinking else None
    tools = _tools_to_call(turn)
    if tools:
        calls = tuple(
            ToolCall(
                f"{id_prefix}{short_hash(turn.text, tool.name, str(index))}",
                tool.name,
                json.dumps(
                    arguments
                    if arguments is not None
                    else arguments_for(tool.parameters, turn.text)
                ),
            )
            for index, (tool, arguments) in enumerate(tools)
        )
        return Reply("", calls, thinking, prompt_tokens=prompt_tokens)
    if turn.output_schema is not None:
        if not turn.after_tool and _structured.violent(turn.text):
            refusal = _structured.REFUSAL
            return Reply(refusal, (), thinking, prompt_tokens=prompt_tokens, refusal=refusal)
        value = _structured.instance(turn.output_schema, turn.text)
        structured = value if turn.output_schema else {"echo": turn.text.strip()}
        text, truncated = truncate(json.dumps(structured), turn.max_tokens)
        return Reply(text, (), thinking, truncated, prompt_tokens)
    text, truncated = truncate(echo(turn.text), turn.max_tokens)
    return Reply(text, (), thinking, truncated, prompt_tokens)


def _tools_to_call(turn: Turn) -> list[tuple[ToolDef, dict[str, Any] | None]]:
    """The tools to call and their explicit arguments (``None``: made from the schema).
    After a tool result only what the result asks for is called, so that a run of tool
    rounds ends."""
    if not turn.tools or turn.tool_choice == "none":
        return []
    by_name = {tool.name: tool for tool in turn.tools}
    text = turn.text
    if turn.after_tool:
        # A tool result asks for more calls on lines of its own that start with them; a
        # result that merely repeats the request (or quotes it in JSON) asks for nothing.
        if turn.user_text.strip():
            text = text.replace(turn.user_text, "")
        text = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("call "))
    asked = [
        (by_name[name], arguments)
        for name, arguments in _structured.requested_calls(text, list(by_name))
    ]
    if turn.after_tool or asked:
        return asked
    if turn.tool_choice not in ("auto", "required"):
        named = [tool for tool in turn.tools if tool.name == turn.tool_choice]
        return [((named[:1] or [ToolDef(turn.tool_choice)])[0], None)]
    return [(turn.tools[0], None)] if turn.tool_choice == "required" else []


def arguments_for(schema: dict[str, Any], text: str) -> dict[str, Any]:
    """Arguments matching ``schema``: the required properties (or all), filled from ``text``."""
    value = _structured.instance(schema, text) if schema else {}
    return value if isinstance(value, dict) else {}
