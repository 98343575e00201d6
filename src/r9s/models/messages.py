"""Types of ``POST /messages``: Anthropic's native Messages format.

Requests are ``TypedDict``s (plain dicts work; so do the response models below, so a
reply can be sent back as it came). Responses and stream events are lenient models:
unknown fields are kept, and unknown content block, delta and event types decode as
``Unknown*`` models instead of failing.

Where the r9s spec disagrees with Anthropic's wire format the wire format wins
(spec/KNOWN-DEFECTS.md): ``system`` may be text blocks, ``tool_choice`` is an object,
``tool_result`` content may be blocks and carries ``is_error``, the thinking budget has
no 10000 cap, and responses carry ``redacted_thinking`` blocks.
"""

# No ``from __future__ import annotations``: with it, Python 3.11 does not see
# ``Required[...]`` in TypedDicts (``__required_keys__`` comes out empty).

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Required, TypeAlias, TypedDict

from pydantic import Field, Tag, TypeAdapter

from r9s._options import RequestOptions
from r9s.models._base import DEFERRED, Count, Items, Lenient, ResponseModel, Text
from r9s.models._unions import by_type

# -- request content blocks -------------------------------------------------------------


class CacheControl(TypedDict, total=False):
    """Prompt-caching breakpoint: ``{"type": "ephemeral"}`` (optionally with ``ttl``)."""

    type: Required[Literal["ephemeral"] | str]
    ttl: str


class AnthropicTextContent(TypedDict, total=False):
    """A text block: ``{"type": "text", "text": "..."}``."""

    type: Required[Literal["text"]]
    text: Required[str]
    cache_control: CacheControl
    citations: Sequence[Mapping[str, Any]]


class AnthropicImageSourceBase64(TypedDict, total=False):
    """Image bytes, base64-encoded."""

    type: Required[Literal["base64"]]
    media_type: Required[Literal["image/jpeg", "image/png", "image/gif", "image/webp"] | str]
    data: Required[str]


class AnthropicImageSourceUrl(TypedDict, total=False):
    """An image the server fetches."""

    type: Required[Literal["url"]]
    url: Required[str]


AnthropicImageSource: TypeAlias = AnthropicImageSourceBase64 | AnthropicImageSourceUrl


class AnthropicImageContent(TypedDict, total=False):
    """An image block."""

    type: Required[Literal["image"]]
    source: Required[AnthropicImageSource]
    cache_control: CacheControl


class AnthropicDocumentSourceBase64(TypedDict, total=False):
    """Document bytes (PDF or plain text), base64-encoded."""

    type: Required[Literal["base64"]]
    media_type: Required[Literal["application/pdf", "text/plain"] | str]
    data: Required[str]


class AnthropicDocumentSourceUrl(TypedDict, total=False):
    """A document the server fetches."""

    type: Required[Literal["url"]]
    url: Required[str]


AnthropicDocumentSource: TypeAlias = AnthropicDocumentSourceBase64 | AnthropicDocumentSourceUrl


class AnthropicDocumentContent(TypedDict, total=False):
    """A document block (PDF, text)."""

    type: Required[Literal["document"]]
    source: Required[AnthropicDocumentSource | Mapping[str, Any]]
    title: str
    context: str
    citations: Mapping[str, Any]
    cache_control: CacheControl


class AnthropicThinkingContent(TypedDict, total=False):
    """A thinking block sent back in a later turn (keep its ``signature``)."""

    type: Required[Literal["thinking"]]
    thinking: Required[str]
    signature: str


class AnthropicRedactedThinkingContent(TypedDict, total=False):
    """A redacted thinking block sent back as it came."""

    type: Required[Literal["redacted_thinking"]]
    data: Required[str]


class AnthropicToolUseContent(TypedDict, total=False):
    """A tool call made by the assistant, sent back in the history."""

    type: Required[Literal["tool_use"]]
    id: Required[str]
    name: Required[str]
    input: Required[Mapping[str, Any]]
    cache_control: CacheControl


class AnthropicToolResultContent(TypedDict, total=False):
    """The result of a tool call: a string or text, image and document blocks (other
    block kinds, such as ``search_result``, as plain dicts); ``is_error`` marks a failed
    call."""

    type: Required[Literal["tool_result"]]
    tool_use_id: Required[str]
    content: (
        str
        | Sequence[
            AnthropicTextContent
            | AnthropicImageContent
            | AnthropicDocumentContent
            | Mapping[str, Any]
        ]
    )
    is_error: bool
    cache_control: CacheControl


AnthropicToolContent: TypeAlias = AnthropicToolUseContent | AnthropicToolResultContent

AnthropicContent: TypeAlias = (
    AnthropicTextContent
    | AnthropicImageContent
    | AnthropicDocumentContent
    | AnthropicThinkingContent
    | AnthropicRedactedThinkingContent
    | AnthropicToolUseContent
    | AnthropicToolResultContent
)
"""A request content block."""


class AnthropicMessageMessage(TypedDict, total=False):
    """One turn of the conversation. ``content`` is a string or blocks; blocks of a
    previous reply (``message.content``) can be passed back as they are."""

    role: Required[Literal["user", "assistant"]]
    content: Required["str | Sequence[AnthropicContent | ContentBlock]"]


MessageParam = AnthropicMessageMessage


class AnthropicInputSchema(TypedDict, total=False):
    """The JSON schema of a tool's input (any other JSON Schema keyword may be added)."""

    type: Required[Literal["object"]]
    properties: Mapping[str, Any]
    required: Sequence[str]


class AnthropicTool(TypedDict, total=False):
    """A client tool the model may call."""

    name: Required[str]
    description: str
    input_schema: Required[AnthropicInputSchema | Mapping[str, Any]]
    cache_control: CacheControl


class AnthropicToolChoice(TypedDict, total=False):
    """How the model picks tools: ``{"type": "auto" | "any" | "none"}`` or
    ``{"type": "tool", "name": "..."}``."""

    type: Required[Literal["auto", "any", "tool", "none"]]
    name: str
    disable_parallel_tool_use: bool


class AnthropicThinking(TypedDict, total=False):
    """Extended thinking: ``{"type": "enabled", "budget_tokens": 2048}`` or
    ``{"type": "disabled"}``. The budget must be below ``max_tokens``; there is no other cap."""

    type: Required[Literal["enabled", "disabled"] | str]
    budget_tokens: int


class AnthropicJSONOutputFormat(TypedDict, total=False):
    """``{"type": "json_schema", "schema": {...}}``: the reply is JSON following ``schema``."""

    type: Required[Literal["json_schema"]]
    schema: Required[Mapping[str, Any]]


class AnthropicOutputConfig(TypedDict, total=False):
    """Output options: ``format`` asks for JSON following a schema (structured outputs;
    ``messages.parse`` fills it in from a type)."""

    format: AnthropicJSONOutputFormat
    effort: Literal["low", "medium", "high", "max"] | str


class _CountTokensFields(TypedDict, total=False):
    """What ``count_tokens`` and ``create`` share, except ``tools``."""

    model: Required[str]
    """The model, e.g. ``"claude-sonnet-4.5"``."""
    messages: Required[Sequence[AnthropicMessageMessage | Mapping[str, Any]]]
    """The conversation so far, starting with a user turn."""
    system: str | Sequence[AnthropicTextContent]
    """The system prompt: a string, or text blocks (for ``cache_control``)."""
    tool_choice: AnthropicToolChoice | Mapping[str, Any]
    """How the model picks tools (an object, as on Anthropic's wire)."""
    thinking: AnthropicThinking
    """Extended thinking configuration."""


class _MessageTools(TypedDict, total=False):
    tools: Sequence[AnthropicTool | Mapping[str, Any]]
    """Tools the model may call (client tools, or server tools such as web search)."""


class _MessageFields(_CountTokensFields, total=False):
    """The parameters except ``stream`` and ``tools`` (keywords of their own on
    ``create`` and ``run_tools``)."""

    max_tokens: Required[int]
    """The most tokens to generate. Anthropic requires it, so type checkers do; the SDK
    does not refuse a call without it (the router then applies its own default)."""
    stop_sequences: Sequence[str]
    """Strings that end generation; the one hit is returned as ``stop_sequence``."""
    temperature: float
    """Randomness, 0 to 1."""
    top_p: float
    """Nucleus sampling, 0 to 1."""
    top_k: int
    """Sample only from the top K tokens."""
    metadata: Mapping[str, Any]
    """Request metadata, e.g. ``{"user_id": "..."}``."""
    service_tier: Literal["auto", "standard_only"] | str
    """Capacity tier."""
    output_config: AnthropicOutputConfig
    """Output options, e.g. ``{"format": {"type": "json_schema", "schema": {...}}}``."""


class _MessageBase(_MessageFields, _MessageTools, total=False):
    pass


class _CountTokensBase(_CountTokensFields, _MessageTools, total=False):
    pass


class AnthropicMessageRequest(_MessageBase, total=False):
    """The body of ``POST /messages`` (the spec's shape, ``stream`` included)."""

    stream: bool


class MessageCreateParams(_MessageBase, RequestOptions, total=False):
    """Keyword arguments of ``messages.create``."""


class MessageParseParams(_MessageBase, RequestOptions, total=False):
    """Keyword arguments of ``messages.parse`` (besides ``output_format``)."""


class MessageRunToolsParams(_MessageFields, RequestOptions, total=False):
    """Keyword arguments of ``messages.run_tools`` (besides ``tools``)."""


class MessageCountTokensRequest(_CountTokensBase, total=False):
    """The body of ``POST /messages/count_tokens``."""


class MessageCountTokensParams(_CountTokensBase, RequestOptions, total=False):
    """Keyword arguments of ``messages.count_tokens``."""


class MessageTokensCount(ResponseModel):
    """What ``messages.count_tokens`` answers: the tokens the messages would take as input
    (system prompt and tools included)."""

    input_tokens: Count = 0


# -- response content blocks ------------------------------------------------------------


class TextBlock(ResponseModel):
    """Text from the model."""

    type: Literal["text"] = "text"
    text: Text = ""
    citations: list[Any] | None = None


class ThinkingBlock(ResponseModel):
    """The model's visible reasoning; send it back with its ``signature``."""

    type: Literal["thinking"] = "thinking"
    thinking: Text = ""
    signature: str | None = None


class RedactedThinkingBlock(ResponseModel):
    """Reasoning the provider encrypted; send it back as it came."""

    type: Literal["redacted_thinking"] = "redacted_thinking"
    data: Text = ""


class ToolUseBlock(ResponseModel):
    """A tool call: run tool ``name`` with ``input`` and answer with a ``tool_result``
    block naming ``id``."""

    type: Literal["tool_use"] = "tool_use"
    id: Text = ""
    name: Text = ""
    input: Lenient[dict[str, Any]] = Field(default_factory=dict)


class UnknownBlock(ResponseModel):
    """A block of a type this SDK does not know (server tools, citations...); every
    field is kept (``model_extra``)."""

    type: str


ContentBlock: TypeAlias = Annotated[
    Annotated[TextBlock, Tag("text")]
    | Annotated[ThinkingBlock, Tag("thinking")]
    | Annotated[RedactedThinkingBlock, Tag("redacted_thinking")]
    | Annotated[ToolUseBlock, Tag("tool_use")]
    | Annotated[UnknownBlock, Tag("unknown")],
    by_type({"text", "thinking", "redacted_thinking", "tool_use"}),
]
"""A response content block."""

StopReason: TypeAlias = (
    Literal["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"] | str
)


class AnthropicUsage(ResponseModel):
    """Token counts. The total input is ``input_tokens`` plus the two cache counts."""

    input_tokens: Count = 0
    output_tokens: Count = 0
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    service_tier: str | None = None


class AnthropicMessage(ResponseModel):
    """The model's reply (``anthropic``'s ``Message``)."""

    id: Text = ""
    type: Text = "message"
    role: Text = "assistant"
    content: Items[ContentBlock] = Field(default_factory=list)
    model: Text = ""
    stop_reason: StopReason | None = None
    stop_sequence: str | None = None
    usage: Lenient[AnthropicUsage] = Field(default_factory=AnthropicUsage)

    @property
    def text(self) -> str:
        """The text blocks joined (no thinking, no tool calls)."""
        return "".join(block.text for block in self.content if isinstance(block, TextBlock))


AnthropicMessageResponse = AnthropicMessage

# -- stream events ----------------------------------------------------------------------


class TextDelta(ResponseModel):
    type: Literal["text_delta"] = "text_delta"
    text: Text = ""


class InputJSONDelta(ResponseModel):
    """A piece of a tool call's input JSON; the pieces joined are the whole input."""

    type: Literal["input_json_delta"] = "input_json_delta"
    partial_json: Text = ""


class ThinkingDelta(ResponseModel):
    type: Literal["thinking_delta"] = "thinking_delta"
    thinking: Text = ""


class SignatureDelta(ResponseModel):
    type: Literal["signature_delta"] = "signature_delta"
    signature: Text = ""


class CitationsDelta(ResponseModel):
    type: Literal["citations_delta"] = "citations_delta"
    citation: Any = None


class UnknownDelta(ResponseModel):
    """A delta of a type this SDK does not know; every field is kept."""

    type: str


ContentDelta: TypeAlias = Annotated[
    Annotated[TextDelta, Tag("text_delta")]
    | Annotated[InputJSONDelta, Tag("input_json_delta")]
    | Annotated[ThinkingDelta, Tag("thinking_delta")]
    | Annotated[SignatureDelta, Tag("signature_delta")]
    | Annotated[CitationsDelta, Tag("citations_delta")]
    | Annotated[UnknownDelta, Tag("unknown")],
    by_type(
        {"text_delta", "input_json_delta", "thinking_delta", "signature_delta", "citations_delta"}
    ),
]


class MessageStartEvent(ResponseModel):
    """The reply begins: its id, model and input token count (content comes later)."""

    type: Literal["message_start"] = "message_start"
    message: Lenient[AnthropicMessage] = Field(default_factory=AnthropicMessage)


class ContentBlockStartEvent(ResponseModel):
    """Block ``index`` begins (text, thinking, tool_use with empty input...)."""

    type: Literal["content_block_start"] = "content_block_start"
    index: Count = 0
    content_block: Lenient[ContentBlock] = Field(default_factory=TextBlock)


class ContentBlockDeltaEvent(ResponseModel):
    """More of block ``index``."""

    type: Literal["content_block_delta"] = "content_block_delta"
    index: Count = 0
    delta: ContentDelta


class ContentBlockStopEvent(ResponseModel):
    """Block ``index`` is complete."""

    type: Literal["content_block_stop"] = "content_block_stop"
    index: Count = 0


class MessageDelta(ResponseModel):
    stop_reason: StopReason | None = None
    stop_sequence: str | None = None


class MessageDeltaUsage(ResponseModel):
    """Cumulative counts; ``input_tokens`` and the cache counts may be absent."""

    output_tokens: Count = 0
    input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None


class MessageDeltaEvent(ResponseModel):
    """The reply's stop reason and output token count."""

    type: Literal["message_delta"] = "message_delta"
    delta: Lenient[MessageDelta] = Field(default_factory=MessageDelta)
    usage: Lenient[MessageDeltaUsage] = Field(default_factory=MessageDeltaUsage)


class MessageStopEvent(ResponseModel):
    """The reply is complete (the last event)."""

    type: Literal["message_stop"] = "message_stop"


class PingEvent(ResponseModel):
    """A keep-alive (streams skip it)."""

    type: Literal["ping"] = "ping"


class UnknownMessageEvent(ResponseModel):
    """An event of a type this SDK does not know; every field is kept."""

    type: str


MessageStreamEvent: TypeAlias = Annotated[
    Annotated[MessageStartEvent, Tag("message_start")]
    | Annotated[ContentBlockStartEvent, Tag("content_block_start")]
    | Annotated[ContentBlockDeltaEvent, Tag("content_block_delta")]
    | Annotated[ContentBlockStopEvent, Tag("content_block_stop")]
    | Annotated[MessageDeltaEvent, Tag("message_delta")]
    | Annotated[MessageStopEvent, Tag("message_stop")]
    | Annotated[PingEvent, Tag("ping")]
    | Annotated[UnknownMessageEvent, Tag("unknown")],
    by_type(
        {
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
            "ping",
        }
    ),
]
"""One event of a ``messages.create(stream=True)`` stream (``error`` events raise)."""

AnthropicStreamEvent = MessageStreamEvent
AnthropicMessageStart = MessageStartEvent
AnthropicContentBlockStart = ContentBlockStartEvent
AnthropicContentBlockDelta = ContentBlockDeltaEvent
AnthropicContentBlockStop = ContentBlockStopEvent
AnthropicMessageDelta = MessageDeltaEvent
AnthropicStreamMessageStop = MessageStopEvent
AnthropicPing = PingEvent

MESSAGE_STREAM_EVENT: TypeAdapter[MessageStreamEvent] = TypeAdapter(
    MessageStreamEvent, config=DEFERRED
)
"""Built on first use (a call that does not stream never needs it)."""
