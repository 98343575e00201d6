"""Types of ``POST /responses``: OpenAI's Responses API.

Where the r9s spec disagrees with OpenAI's wire format the wire format wins
(spec/KNOWN-DEFECTS.md): ``input`` items include ``function_call``,
``function_call_output`` and ``reasoning``; ``tool_choice`` is the flat
``{"type": "function", "name": ...}``; ``instructions``, ``max_output_tokens``,
``temperature`` and ``top_p`` may be null; ``service_tier`` and the output item types
are open; stream events carry ``item`` / ``output_index`` / ``item_id`` (the spec's
``output_item`` / ``output_item_index`` are read too).
"""

# No ``from __future__ import annotations``: with it, Python 3.11 does not see
# ``Required[...]`` in TypedDicts (``__required_keys__`` comes out empty).

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Required, TypeAlias, TypedDict

from pydantic import AliasChoices, Field, Tag, TypeAdapter, field_validator
from pydantic_core import core_schema

from r9s._options import RequestOptions
from r9s.models._base import DEFERRED, Count, Items, Lenient, ResponseModel, Text, or_else
from r9s.models._unions import by_type

# -- response objects ---------------------------------------------------------------------


class ResponseOutputText(ResponseModel):
    """Text the model wrote."""

    type: Literal["output_text"] = "output_text"
    text: Text = ""
    annotations: Items[Any] = Field(default_factory=list)
    logprobs: list[Any] | None = None


class ResponseOutputRefusal(ResponseModel):
    """The model declined to answer."""

    type: Literal["refusal"] = "refusal"
    refusal: Text = ""


class UnknownContentPart(ResponseModel):
    """A content part of a type this SDK does not know; every field is kept."""

    type: str


ResponseOutputContent: TypeAlias = Annotated[
    Annotated[ResponseOutputText, Tag("output_text")]
    | Annotated[ResponseOutputRefusal, Tag("refusal")]
    | Annotated[UnknownContentPart, Tag("unknown")],
    by_type({"output_text", "refusal"}),
]


class ResponseOutputMessage(ResponseModel):
    """An assistant message: ``content`` holds ``output_text`` and ``refusal`` parts."""

    type: Literal["message"] = "message"
    id: Text = ""
    role: Text = "assistant"
    status: str | None = None
    content: Items[ResponseOutputContent] = Field(default_factory=list)


class ResponseFunctionToolCall(ResponseModel):
    """A call of one of your functions: run ``name`` with the JSON ``arguments`` and send
    back a ``function_call_output`` item naming ``call_id``."""

    type: Literal["function_call"] = "function_call"
    id: str | None = None
    call_id: Text = ""
    name: Text = ""
    arguments: Text = ""
    status: str | None = None


class ResponseReasoningSummary(ResponseModel):
    """One part of a reasoning summary."""

    type: Text = "summary_text"
    text: Text = ""


class ResponseReasoningItem(ResponseModel):
    """The model's reasoning: a summary (when asked for) and, with
    ``include=["reasoning.encrypted_content"]``, the encrypted reasoning to send back."""

    type: Literal["reasoning"] = "reasoning"
    id: Text = ""
    summary: list[ResponseReasoningSummary] | str | None = None
    content: list[Any] | None = None
    encrypted_content: str | None = None
    status: str | None = None


class ResponseFunctionWebSearch(ResponseModel):
    """A web search the model ran (``action`` holds the query)."""

    type: Literal["web_search_call"] = "web_search_call"
    id: Text = ""
    status: str | None = None
    action: dict[str, Any] | None = None


class UnknownOutputItem(ResponseModel):
    """An output item of a type this SDK does not know; every field is kept."""

    type: str
    id: str | None = None


ResponseOutputItem: TypeAlias = Annotated[
    Annotated[ResponseOutputMessage, Tag("message")]
    | Annotated[ResponseFunctionToolCall, Tag("function_call")]
    | Annotated[ResponseReasoningItem, Tag("reasoning")]
    | Annotated[ResponseFunctionWebSearch, Tag("web_search_call")]
    | Annotated[UnknownOutputItem, Tag("unknown")],
    by_type({"message", "function_call", "reasoning", "web_search_call"}),
]
"""One item of ``Response.output``."""


class ResponseInputTokensDetails(ResponseModel):
    cached_tokens: int | None = None


class ResponseOutputTokensDetails(ResponseModel):
    reasoning_tokens: int | None = None


class ResponseUsage(ResponseModel):
    """Token counts."""

    input_tokens: Count = 0
    output_tokens: Count = 0
    total_tokens: Count = 0
    input_tokens_details: ResponseInputTokensDetails | None = None
    output_tokens_details: ResponseOutputTokensDetails | None = None


class ResponseError(ResponseModel):
    """Why a response failed."""

    code: str | None = None
    message: Text = ""


class ResponseIncompleteDetails(ResponseModel):
    """Why a response is incomplete (``max_output_tokens``, ``content_filter``)."""

    reason: str | None = None


class ResponseReasoningConfig(ResponseModel):
    effort: str | None = None
    summary: str | None = None


class ResponseTextFormat(ResponseModel):
    type: Text = "text"


class ResponseTextConfig(ResponseModel):
    format: ResponseTextFormat | None = None
    verbosity: str | None = None


class ResponseToolInfo(ResponseModel):
    """A tool the response could use (function, web search...)."""

    type: Text = "function"
    name: str | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


ResponseStatus: TypeAlias = (
    Literal["completed", "failed", "in_progress", "cancelled", "queued", "incomplete"] | str
)


class Response(ResponseModel):
    """A model response (the spec's ``ResponseObject``). ``output_text`` is all of its
    text; ``output`` holds messages, function calls, reasoning and tool items."""

    id: Text = ""
    object: Text = "response"
    created_at: Lenient[int | float] = 0
    status: ResponseStatus | None = None
    model: Text = ""
    output: Items[ResponseOutputItem] = Field(default_factory=list)
    instructions: str | list[Any] | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    error: ResponseError | None = None
    incomplete_details: ResponseIncompleteDetails | None = None
    usage: Lenient[ResponseUsage] = Field(default_factory=ResponseUsage)
    """Token counts (all zeros when the server sent none)."""
    background: bool | None = None
    billing: dict[str, Any] | None = None
    completed_at: int | float | None = None
    max_tool_calls: int | None = None
    parallel_tool_calls: bool | None = None
    previous_response_id: str | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: str | None = None
    reasoning: ResponseReasoningConfig | None = None
    safety_identifier: str | None = None
    service_tier: Literal["auto", "default", "flex", "scale", "priority"] | str | None = None
    store: bool | None = None
    text: ResponseTextConfig | None = None
    tool_choice: str | dict[str, Any] | None = None
    tools: Items[ResponseToolInfo] = Field(default_factory=list)
    top_logprobs: int | None = None
    truncation: str | None = None
    user: str | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("error", mode="before")
    @classmethod
    def _error_object(cls, value: Any) -> Any:
        return {"message": value} if isinstance(value, str) else value

    @property
    def output_text(self) -> str:
        """The text of every ``output_text`` part of every message, joined."""
        return "".join(
            part.text
            for item in self.output
            if isinstance(item, ResponseOutputMessage)
            for part in item.content
            if isinstance(part, ResponseOutputText)
        )


ResponseObject = Response

# -- stream events ------------------------------------------------------------------------


class _Event(ResponseModel):
    sequence_number: int | None = None


class _ResponseEvent(_Event):
    response: Lenient[Response] = Field(default_factory=Response)


class ResponseCreatedEvent(_ResponseEvent):
    type: Literal["response.created"] = "response.created"


class ResponseInProgressEvent(_ResponseEvent):
    type: Literal["response.in_progress"] = "response.in_progress"


class ResponseQueuedEvent(_ResponseEvent):
    type: Literal["response.queued"] = "response.queued"


class ResponseCompletedEvent(_ResponseEvent):
    """The last event of a successful stream: the whole response."""

    type: Literal["response.completed"] = "response.completed"


class ResponseFailedEvent(_ResponseEvent):
    """The last event of a failed response (``response.error`` says why)."""

    type: Literal["response.failed"] = "response.failed"


class ResponseIncompleteEvent(_ResponseEvent):
    """The last event of an incomplete response (``response.incomplete_details``)."""

    type: Literal["response.incomplete"] = "response.incomplete"


class _ItemEvent(_Event):
    output_index: Count = Field(
        0, validation_alias=AliasChoices("output_index", "output_item_index")
    )
    item: Lenient[ResponseOutputItem] = Field(
        default_factory=lambda: UnknownOutputItem(type="unknown"),
        validation_alias=AliasChoices("item", "output_item"),
    )


class ResponseOutputItemAddedEvent(_ItemEvent):
    """Output item ``output_index`` begins."""

    type: Literal["response.output_item.added"] = "response.output_item.added"


class ResponseOutputItemDoneEvent(_ItemEvent):
    """Output item ``output_index`` is complete (``item`` is final)."""

    type: Literal["response.output_item.done"] = "response.output_item.done"


class _PartEvent(_Event):
    item_id: Text = ""
    output_index: Count = 0
    content_index: Count = 0
    part: Lenient[ResponseOutputContent] = Field(default_factory=ResponseOutputText)


class ResponseContentPartAddedEvent(_PartEvent):
    type: Literal["response.content_part.added"] = "response.content_part.added"


class ResponseContentPartDoneEvent(_PartEvent):
    type: Literal["response.content_part.done"] = "response.content_part.done"


def _delta_text(value: dict[str, Any]) -> str:
    text = value.get("text") or value.get("content") or ""
    return text if isinstance(text, str) else ""


DeltaText = Annotated[str, or_else(core_schema.dict_schema(), _delta_text)]
"""A text delta: a string (OpenAI), or the spec's delta object ``{"text": ...}``."""


class ResponseTextDeltaEvent(_Event):
    """More text of part ``content_index`` of message ``item_id``."""

    type: Literal["response.output_text.delta", "response.text.delta"] = (
        "response.output_text.delta"
    )
    item_id: Text = ""
    output_index: Count = Field(
        0, validation_alias=AliasChoices("output_index", "output_item_index")
    )
    content_index: Count = 0
    delta: Lenient[DeltaText] = ""
    logprobs: list[Any] | None = None


class ResponseTextDoneEvent(_Event):
    """Part ``content_index`` of message ``item_id`` is complete: its whole ``text``."""

    type: Literal["response.output_text.done", "response.text.done"] = "response.output_text.done"
    item_id: Text = ""
    output_index: Count = 0
    content_index: Count = 0
    text: Text = ""


class ResponseFunctionCallArgumentsDeltaEvent(_Event):
    """More of the JSON arguments of function call ``item_id``."""

    type: Literal["response.function_call_arguments.delta"] = (
        "response.function_call_arguments.delta"
    )
    item_id: Text = ""
    output_index: Count = 0
    delta: Text = ""


class ResponseFunctionCallArgumentsDoneEvent(_Event):
    """The whole JSON ``arguments`` of function call ``item_id``."""

    type: Literal["response.function_call_arguments.done"] = "response.function_call_arguments.done"
    item_id: Text = ""
    output_index: Count = 0
    arguments: Text = ""
    name: str | None = None


class ResponseReasoningSummaryTextDeltaEvent(_Event):
    """More of summary part ``summary_index`` of reasoning item ``item_id``."""

    type: Literal["response.reasoning_summary_text.delta"] = "response.reasoning_summary_text.delta"
    item_id: Text = ""
    output_index: Count = 0
    summary_index: Count = 0
    delta: Text = ""


class ResponseReasoningSummaryTextDoneEvent(_Event):
    type: Literal["response.reasoning_summary_text.done"] = "response.reasoning_summary_text.done"
    item_id: Text = ""
    output_index: Count = 0
    summary_index: Count = 0
    text: Text = ""


class UnknownResponseEvent(_Event):
    """An event this SDK has no model for (web search progress, refusal deltas, new
    types...); every field is kept."""

    type: str


_EVENTS: dict[str, type[ResponseModel]] = {
    "response.created": ResponseCreatedEvent,
    "response.in_progress": ResponseInProgressEvent,
    "response.queued": ResponseQueuedEvent,
    "response.completed": ResponseCompletedEvent,
    "response.failed": ResponseFailedEvent,
    "response.incomplete": ResponseIncompleteEvent,
    "response.output_item.added": ResponseOutputItemAddedEvent,
    "response.output_item.done": ResponseOutputItemDoneEvent,
    "response.content_part.added": ResponseContentPartAddedEvent,
    "response.content_part.done": ResponseContentPartDoneEvent,
    "response.output_text.delta": ResponseTextDeltaEvent,
    "response.text.delta": ResponseTextDeltaEvent,
    "response.output_text.done": ResponseTextDoneEvent,
    "response.text.done": ResponseTextDoneEvent,
    "response.function_call_arguments.delta": ResponseFunctionCallArgumentsDeltaEvent,
    "response.function_call_arguments.done": ResponseFunctionCallArgumentsDoneEvent,
    "response.reasoning_summary_text.delta": ResponseReasoningSummaryTextDeltaEvent,
    "response.reasoning_summary_text.done": ResponseReasoningSummaryTextDoneEvent,
}

ResponseStreamEvent: TypeAlias = (
    ResponseCreatedEvent
    | ResponseInProgressEvent
    | ResponseQueuedEvent
    | ResponseCompletedEvent
    | ResponseFailedEvent
    | ResponseIncompleteEvent
    | ResponseOutputItemAddedEvent
    | ResponseOutputItemDoneEvent
    | ResponseContentPartAddedEvent
    | ResponseContentPartDoneEvent
    | ResponseTextDeltaEvent
    | ResponseTextDoneEvent
    | ResponseFunctionCallArgumentsDeltaEvent
    | ResponseFunctionCallArgumentsDoneEvent
    | ResponseReasoningSummaryTextDeltaEvent
    | ResponseReasoningSummaryTextDoneEvent
    | UnknownResponseEvent
)
"""One event of a ``responses.create(stream=True)`` stream (``error`` events raise)."""


def decode_event(payload: Any) -> ResponseStreamEvent:
    """The typed event for one parsed stream payload (unknown types kept as they are)."""
    kind: Any = payload.get("type") if type(payload) is dict else None
    model = _EVENTS.get(kind)
    event: Any = (model or UnknownResponseEvent).model_validate(payload)
    return event  # type: ignore[no-any-return]


# -- request --------------------------------------------------------------------------------


class ResponseInputText(TypedDict, total=False):
    type: Required[Literal["input_text"]]
    text: Required[str]


class ResponseInputImage(TypedDict, total=False):
    type: Required[Literal["input_image"]]
    image_url: str
    file_id: str
    detail: Literal["auto", "low", "high"]


class ResponseInputFile(TypedDict, total=False):
    type: Required[Literal["input_file"]]
    file_id: str
    file_data: str
    file_url: str
    filename: str


class ResponseOutputTextParam(TypedDict, total=False):
    type: Required[Literal["output_text"]]
    text: Required[str]
    annotations: Sequence[Any]


ResponseInputContent: TypeAlias = (
    ResponseInputText | ResponseInputImage | ResponseInputFile | ResponseOutputTextParam
)


class ResponseInputMessage(TypedDict, total=False):
    """A message: ``{"role": "user", "content": "..."}`` (``content`` may be parts)."""

    role: Required[Literal["user", "assistant", "system", "developer"]]
    content: Required[str | Sequence[ResponseInputContent]]
    type: Literal["message"]
    id: str
    status: str


class ResponseFunctionCallParam(TypedDict, total=False):
    """A function call the model made, sent back in the history."""

    type: Required[Literal["function_call"]]
    call_id: Required[str]
    name: Required[str]
    arguments: Required[str]
    id: str
    status: str


class ResponseFunctionCallOutput(TypedDict, total=False):
    """The result of a function call: ``output`` for the call ``call_id``."""

    type: Required[Literal["function_call_output"]]
    call_id: Required[str]
    output: Required[str | Sequence[ResponseInputContent]]
    id: str
    status: str


class ResponseReasoningParam(TypedDict, total=False):
    """A reasoning item sent back (keep ``encrypted_content`` for stateless turns)."""

    type: Required[Literal["reasoning"]]
    id: Required[str]
    summary: Required[Sequence[Mapping[str, Any]]]
    encrypted_content: str


class ResponseItemReference(TypedDict, total=False):
    """An earlier item, by id."""

    type: Required[Literal["item_reference"]]
    id: Required[str]


ResponseInputItem: TypeAlias = (
    ResponseInputMessage
    | ResponseFunctionCallParam
    | ResponseFunctionCallOutput
    | ResponseReasoningParam
    | ResponseItemReference
    | ResponseOutputMessage
    | ResponseFunctionToolCall
    | ResponseReasoningItem
    | ResponseFunctionWebSearch
    | UnknownOutputItem
    | Mapping[str, Any]
)
"""An item of ``input``; items of an earlier ``response.output`` can be sent back as
they are."""


class ResponseTool(TypedDict, total=False):
    """A function tool (the flat shape): ``{"type": "function", "name": ..., "parameters":
    {...}}``."""

    type: Required[Literal["function"]]
    name: Required[str]
    description: str
    parameters: Mapping[str, Any]
    strict: bool


class ResponseToolChoice(TypedDict, total=False):
    """Force one function: ``{"type": "function", "name": "..."}`` (the flat shape)."""

    type: Required[Literal["function"] | str]
    name: str


class ResponseTextFormatParam(TypedDict, total=False):
    """``{"type": "text"}``, ``{"type": "json_object"}`` or ``{"type": "json_schema",
    "name": ..., "schema": {...}, "strict": True}``."""

    type: Required[Literal["text", "json_object", "json_schema"]]
    name: str
    schema: Mapping[str, Any]
    description: str
    strict: bool


class ResponseTextParam(TypedDict, total=False):
    format: ResponseTextFormatParam
    verbosity: Literal["low", "medium", "high"]


class ResponseReasoningParams(TypedDict, total=False):
    effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"]
    summary: Literal["auto", "concise", "detailed"] | str


class _ResponseFields(TypedDict, total=False):
    """The parameters except ``stream`` and ``tools`` (keywords of their own on
    ``create`` and ``run_tools``)."""

    model: Required[str]
    """The model, e.g. ``"gpt-4o-mini"``."""
    input: Required[str | Sequence[ResponseInputItem]]
    """A string, or items: messages, function calls and their outputs, reasoning."""
    instructions: str
    """A system (developer) message placed before the input."""
    temperature: float
    """Randomness, 0 to 2."""
    top_p: float
    """Nucleus sampling, 0 to 1."""
    max_output_tokens: int
    """The most tokens to generate, reasoning included."""
    modalities: Sequence[Literal["text", "audio"]]
    """Output modalities."""
    tool_choice: Literal["none", "auto", "required"] | ResponseToolChoice
    """How the model picks tools."""
    parallel_tool_calls: bool
    """Allow several tool calls in one turn."""
    text: ResponseTextParam
    """Text output options: ``{"format": {...}, "verbosity": ...}``."""
    previous_response_id: str
    """Continue from a stored response."""
    store: bool
    """Store the response for later retrieval (default true)."""
    background: bool
    """Run in the background."""
    reasoning: ResponseReasoningParams
    """Reasoning options: ``{"effort": "low", "summary": "auto"}``."""
    truncation: Literal["auto", "disabled"]
    """What to do when the input is too long."""
    stop: str | Sequence[str] | None
    """Stop sequences."""
    metadata: Mapping[str, Any]
    """Your key-value pairs."""
    include: Sequence[str]
    """Extra output, e.g. ``["reasoning.encrypted_content"]``."""
    user: str
    """Your end user's id."""
    service_tier: str
    """Processing tier."""


class _ResponseTools(TypedDict, total=False):
    tools: Sequence[ResponseTool | Mapping[str, Any]]
    """Function tools (flat shape) and built-in tools (``{"type": "web_search"}``...)."""


class _ResponseBase(_ResponseFields, _ResponseTools, total=False):
    pass


class ResponseRequest(_ResponseBase, total=False):
    """The body of ``POST /responses`` (the spec's shape, ``stream`` included)."""

    stream: bool


class ResponseCreateParams(_ResponseBase, RequestOptions, total=False):
    """Keyword arguments of ``responses.create``."""


class ResponseParseParams(_ResponseBase, RequestOptions, total=False):
    """Keyword arguments of ``responses.parse`` (besides ``text_format``)."""


class ResponseRunToolsParams(_ResponseFields, RequestOptions, total=False):
    """Keyword arguments of ``responses.run_tools`` (besides ``tools``)."""


RESPONSE_OUTPUT_ITEM: TypeAdapter[ResponseOutputItem] = TypeAdapter(
    ResponseOutputItem, config=DEFERRED
)
"""Built on first use."""
