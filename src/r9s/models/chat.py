"""Types of ``POST /chat/completions``: the request, the completion, and its stream chunks.

Request pieces are ``TypedDict``s (plain dicts work; so do the response models, e.g. an
assistant message sent back in the next turn). Response models are lenient: real servers
send nulls, omit fields and add vendor extras (``reasoning_content``, ``service_tier``...),
which are kept. The spec's names (``ChatCompletionResponse``, ``ChatCompletionStreamEvent``)
and the OpenAI SDK's (``ChatCompletion``, ``ChatCompletionChunk``) both work.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Required, TypeAlias, TypedDict

from pydantic import Field

from r9s._lazy import lazy_names
from r9s._options import RequestOptions
from r9s.models._base import Count, Items, Lenient, ResponseModel, Text

# -- request ----------------------------------------------------------------------------


class ImageURL(TypedDict, total=False):
    """An image given by URL or as a ``data:image/png;base64,...`` URL."""

    url: Required[str]
    detail: Literal["auto", "low", "high"]
    """How closely the model looks: ``low`` is cheaper and faster."""


class MessageContent(TypedDict, total=False):
    """One part of a multimodal message: ``{"type": "text", "text": ...}`` or
    ``{"type": "image_url", "image_url": {"url": ...}}``."""

    type: Required[Literal["text", "image_url", "input_audio", "file"]]
    text: str
    image_url: ImageURL
    input_audio: Mapping[str, str]
    """``{"data": <base64>, "format": "wav" | "mp3"}`` for audio-capable models."""
    file: Mapping[str, str]
    """``{"file_data": <base64 data URL>, "filename": ...}`` or ``{"file_id": ...}``."""
    cache_control: Mapping[str, Any]
    """A prompt-caching breakpoint, ``{"type": "ephemeral"}``, for models that take one
    (Anthropic models through a router)."""


class FunctionCall(TypedDict, total=False):
    """The function a tool call invokes: its name and JSON-encoded arguments."""

    name: Required[str]
    arguments: str
    """The arguments as a JSON string (as the model produced them)."""


class ToolCall(TypedDict, total=False):
    """A tool call of an assistant message, sent back with the conversation."""

    id: Required[str]
    type: Required[Literal["function"]]
    function: Required[FunctionCall]


class Message(TypedDict, total=False):
    """One message of the conversation.

    ``{"role": "user", "content": "Hi"}``; an assistant turn that called tools carries
    ``tool_calls`` (``content`` may be ``None``); each tool result is
    ``{"role": "tool", "tool_call_id": ..., "content": ...}``.
    """

    role: Required[Literal["system", "developer", "user", "assistant", "tool"]]
    content: str | Sequence[MessageContent] | None
    """Text, or a list of parts (text, images...). ``None`` for an assistant turn that
    only called tools."""
    name: str
    """An optional name to tell participants of the same role apart."""
    refusal: str | None
    """The refusal of an earlier assistant turn, sent back as it came."""
    reasoning_content: str
    """Reasoning text of an earlier assistant turn (for models that want it back)."""
    tool_calls: Sequence[ToolCall]
    """The tools an assistant turn called."""
    tool_call_id: str
    """For ``role: "tool"``: the id of the call this message answers."""


class ToolFunction(TypedDict, total=False):
    """A function the model may call."""

    name: Required[str]
    description: str
    """What it does and when to call it: the model reads this."""
    parameters: Mapping[str, Any]
    """Its arguments as a JSON Schema object."""
    strict: bool
    """Ask for arguments that follow ``parameters`` exactly (where supported)."""


class Tool(TypedDict, total=False):
    """A tool: ``{"type": "function", "function": {"name": ..., "parameters": {...}}}``."""

    type: Required[Literal["function"]]
    function: Required[ToolFunction]


class ToolChoiceFunction(TypedDict):
    name: str


class ToolChoice(TypedDict):
    """Force one function: ``{"type": "function", "function": {"name": "get_weather"}}``."""

    type: Literal["function"]
    function: ToolChoiceFunction


class JsonSchema(TypedDict, total=False):
    """A JSON Schema the answer must follow (``response_format`` type ``json_schema``)."""

    name: Required[str]
    description: str
    schema: Mapping[str, Any]
    strict: bool


class ResponseFormat(TypedDict, total=False):
    """``{"type": "json_object"}``, or ``{"type": "json_schema", "json_schema": {...}}``."""

    type: Required[Literal["text", "json_object", "json_schema"]]
    json_schema: JsonSchema


class StreamOptions(TypedDict, total=False):
    include_usage: bool
    """Send a last chunk with token usage (and no choices) before ``[DONE]``."""


class ChatCompletionAudioParam(TypedDict, total=False):
    """Spoken output for audio-capable models (with ``modalities=["text", "audio"]``)."""

    voice: Required[str]
    format: Required[Literal["mp3", "opus", "aac", "flac", "wav", "pcm", "pcm16"] | str]


class _ChatFields(TypedDict, total=False):
    """The chat parameters except ``stream`` (a keyword of its own on ``create``),
    ``tools`` and ``response_format`` (keywords of their own on ``run_tools`` and
    ``parse``)."""

    model: Required[str]
    """The model to answer, e.g. ``"gpt-4o-mini"``."""
    messages: Required[Sequence["Message | ChatCompletionMessage | Mapping[str, Any]"]]
    """The conversation so far, oldest first (plain dicts work, also when typed as
    ``dict[str, str]``)."""
    frequency_penalty: float
    """-2.0 to 2.0: positive values discourage repeating the same tokens."""
    logit_bias: Mapping[str, float]
    """Token id (as a string) to a bias from -100 to 100."""
    logprobs: bool
    """Return the log probability of each output token."""
    top_logprobs: int
    """0 to 20: also return this many most likely tokens at each position."""
    max_tokens: int
    """Most tokens to generate (older name; see ``max_completion_tokens``)."""
    max_completion_tokens: int
    """Most tokens to generate, reasoning tokens included."""
    n: int
    """How many choices to generate."""
    modalities: Sequence[Literal["text", "audio"]]
    """Output kinds; ``["text", "audio"]`` with ``audio`` for spoken answers."""
    audio: ChatCompletionAudioParam
    """Voice and format of spoken output."""
    presence_penalty: float
    """-2.0 to 2.0: positive values encourage new topics."""
    seed: int
    """Sample deterministically where the model supports it."""
    service_tier: Literal["auto", "default", "flex", "priority"] | str
    """Processing tier (provider-specific)."""
    stop: str | Sequence[str] | None
    """Up to 4 sequences where generation stops."""
    stream_options: StreamOptions
    """With ``stream=True``: ``{"include_usage": True}`` adds token usage at the end."""
    temperature: float
    """0 to 2: higher is more random."""
    top_p: float
    """0 to 1: nucleus sampling; change this or ``temperature``, not both."""
    top_k: int
    """Sample from the k most likely tokens (not OpenAI; some models support it)."""
    tool_choice: Literal["none", "auto", "required"] | ToolChoice | Mapping[str, Any]
    """``"auto"`` (default with tools), ``"none"``, ``"required"``, or one function."""
    parallel_tool_calls: bool
    """Allow several tool calls in one turn."""
    user: str
    """Your end user's id, for abuse monitoring."""
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | str
    """How hard reasoning models think."""
    store: bool
    """Store the completion (for distillation or evals, where supported)."""
    metadata: Mapping[str, str]
    """Your tags for this request."""


class _ChatTools(TypedDict, total=False):
    tools: Sequence[Tool | Mapping[str, Any]]
    """Functions the model may call."""


class _ChatResponseFormat(TypedDict, total=False):
    response_format: ResponseFormat
    """Ask for JSON (``json_object``) or JSON following a schema (``json_schema``)."""


class _ChatBase(_ChatFields, _ChatTools, _ChatResponseFormat, total=False):
    """The chat parameters except ``stream`` (a keyword of its own on ``create``)."""


class ChatCompletionRequest(_ChatBase, total=False):
    """The body of ``POST /chat/completions``."""

    stream: bool


class ChatCompletionCreateParams(_ChatBase, RequestOptions, total=False):
    """The keyword arguments of ``chat.create``: the request fields and the per-call
    options (``timeout``, ``retries``, ``extra_body``...)."""


class ChatParseParams(_ChatFields, _ChatTools, RequestOptions, total=False):
    """The keyword arguments of ``chat.parse`` besides ``response_format``."""


class ChatRunToolsParams(_ChatFields, _ChatResponseFormat, RequestOptions, total=False):
    """The keyword arguments of ``chat.run_tools`` besides ``tools``."""


# -- response ---------------------------------------------------------------------------

FinishReason: TypeAlias = (
    Literal["stop", "length", "tool_calls", "content_filter", "function_call"] | str
)
"""Why generation stopped; values beyond OpenAI's are kept as strings."""


class PromptTokensDetails(ResponseModel):
    cached_tokens: int | None = None
    """Prompt tokens read from the provider's cache."""
    audio_tokens: int | None = None


class CompletionTokensDetails(ResponseModel):
    reasoning_tokens: int | None = None
    """Tokens spent thinking (not shown in the answer, but billed)."""
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


class Usage(ResponseModel):
    """Token counts of a request."""

    prompt_tokens: Count = 0
    completion_tokens: Count = 0
    total_tokens: Count = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


class ChatCompletionFunctionCall(ResponseModel):
    """The function a tool call invokes; ``arguments`` is a JSON string."""

    name: Text = ""
    arguments: Text = ""


class ChatCompletionMessageToolCall(ResponseModel):
    """A tool call the model made."""

    id: Text = ""
    type: Lenient[Literal["function"] | str] = "function"
    function: Lenient[ChatCompletionFunctionCall] = ChatCompletionFunctionCall.model_construct()


class ChatCompletionURLCitation(ResponseModel):
    url: Text = ""
    title: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class ChatCompletionAnnotation(ResponseModel):
    """A citation in the answer (web search models)."""

    type: Lenient[Literal["url_citation"] | str] = "url_citation"
    url_citation: ChatCompletionURLCitation | None = None


class ChatCompletionAudio(ResponseModel):
    """Spoken output: base64 ``data`` in the requested format, and its ``transcript``."""

    id: Text = ""
    data: Text = ""
    transcript: str | None = None
    expires_at: int | None = None


class ChatCompletionContentPart(ResponseModel):
    """One part of a message's content, when a server sends parts instead of a string.

    Mistral's reasoning models (Magistral) answer ``[{"type": "thinking", "thinking":
    [{"type": "text", "text": ...}]}, {"type": "text", "text": ...}]``; other types are
    kept as they came. ``content_text()`` / ``content_thinking()`` read them."""

    type: Text = "text"
    text: str | None = None
    thinking: "str | list[ChatCompletionContentPart] | None" = None


MessageContentValue: TypeAlias = str | list[ChatCompletionContentPart] | None
"""A message's (or a delta's) content: a string, or a list of parts."""


def content_text(content: MessageContentValue) -> str:
    """The text of a message's content: the string itself, or its ``text`` parts joined
    (``thinking`` parts left out)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.text or "" for part in content if part.type == "text")


def content_thinking(content: MessageContentValue) -> str:
    """The reasoning in a message's content parts: the ``thinking`` parts' text joined
    ("" for string content)."""
    if content is None or isinstance(content, str):
        return ""
    pieces: list[str] = []
    for part in content:
        thinking = part.thinking
        if part.type == "thinking" and thinking:
            pieces.append(thinking if isinstance(thinking, str) else content_text(thinking))
    return "".join(pieces)


class ChatCompletionMessage(ResponseModel):
    """The message a choice produced. Send it back as is in the next turn's ``messages``."""

    role: Lenient[Literal["assistant"] | str] = "assistant"
    content: MessageContentValue = None
    """The answer: a string, or (some servers, e.g. Mistral's reasoning models) a list of
    parts; ``content_text(content)`` gives the text either way."""
    refusal: str | None = None
    """The model's refusal message, when it declined to answer."""
    tool_calls: list[ChatCompletionMessageToolCall] | None = None
    reasoning_content: str | None = None
    """Reasoning text some models (DeepSeek, Qwen, Grok...) return beside the answer."""
    annotations: list[ChatCompletionAnnotation] | None = None
    audio: ChatCompletionAudio | None = None
    name: str | None = None
    tool_call_id: str | None = None


class ChatCompletionTopLogprob(ResponseModel):
    token: Text = ""
    logprob: Lenient[float] = 0.0
    bytes: list[int] | None = None


class ChatCompletionTokenLogprob(ResponseModel):
    token: Text = ""
    logprob: Lenient[float] = 0.0
    bytes: list[int] | None = None
    top_logprobs: Items[ChatCompletionTopLogprob] = []


class ChoiceLogprobs(ResponseModel):
    """Log probabilities of the output tokens (``logprobs=True``)."""

    content: list[ChatCompletionTokenLogprob] | None = None
    refusal: list[ChatCompletionTokenLogprob] | None = None


class ChatCompletionChoice(ResponseModel):
    """One answer; ``n`` > 1 gives several."""

    index: Count = 0
    message: Lenient[ChatCompletionMessage] = ChatCompletionMessage.model_construct()
    finish_reason: FinishReason | None = None
    logprobs: ChoiceLogprobs | None = None


class ChatCompletionResponse(ResponseModel):
    """A chat completion (``ChatCompletion``)."""

    id: Text = ""
    object: Lenient[Literal["chat.completion"] | str] = "chat.completion"
    created: Count = 0
    model: Text = ""
    choices: Items[ChatCompletionChoice] = []
    usage: Lenient[Usage] = Field(default_factory=Usage)
    """Token counts (all zeros when the server sent none)."""
    system_fingerprint: str | None = None
    service_tier: str | None = None

    @property
    def text(self) -> str:
        """The first choice's text ("" when there is none)."""
        if not self.choices:
            return ""
        return content_text(self.choices[0].message.content)


ChatCompletion = ChatCompletionResponse


# -- stream -----------------------------------------------------------------------------
# The chunk models live in ``_chat_stream`` and load on first use of one of their names
# (the stream code asks for them), so a plain completion does not build them.

if TYPE_CHECKING:
    from r9s.models._chat_stream import (
        ChatCompletionChunk as ChatCompletionChunk,
        ChatCompletionStreamChoice as ChatCompletionStreamChoice,
        ChatCompletionStreamDelta as ChatCompletionStreamDelta,
        ChatCompletionStreamEvent as ChatCompletionStreamEvent,
        ChoiceDelta as ChoiceDelta,
        ChoiceDeltaToolCall as ChoiceDeltaToolCall,
        ChoiceDeltaToolCallFunction as ChoiceDeltaToolCallFunction,
    )

_STREAM_TYPES = frozenset(
    {
        "ChatCompletionChunk",
        "ChatCompletionStreamChoice",
        "ChatCompletionStreamDelta",
        "ChatCompletionStreamEvent",
        "ChoiceDelta",
        "ChoiceDeltaToolCall",
        "ChoiceDeltaToolCallFunction",
    }
)
"""The names of this module defined in ``_chat_stream``, loaded on first use."""


if not TYPE_CHECKING:  # hidden from type checkers: a misspelt name stays an error there
    __getattr__ = lazy_names(globals(), "r9s.models._chat_stream", *_STREAM_TYPES)


def __dir__() -> list[str]:
    return sorted({*globals(), *_STREAM_TYPES})
