"""The chunks of a streamed chat completion, loaded with the first stream (or the first
use of one of these names): a plain ``chat.create`` never builds them. Import them from
``r9s.models.chat`` (or ``r9s.models``), where they have always been."""

from typing import Literal

from r9s.models._base import Count, Items, Lenient, ResponseModel, Text
from r9s.models.chat import ChoiceLogprobs, FinishReason, MessageContentValue, Usage


class ChoiceDeltaToolCallFunction(ResponseModel):
    name: str | None = None
    arguments: str | None = None
    """The next piece of the arguments' JSON text."""


class ChoiceDeltaToolCall(ResponseModel):
    """A piece of a tool call: the first piece of each call has ``id`` and the name; the
    rest add to ``function.arguments``. ``index`` says which call it belongs to."""

    index: int | None = None
    id: str | None = None
    type: str | None = None
    function: ChoiceDeltaToolCallFunction | None = None


class ChatCompletionStreamDelta(ResponseModel):
    """What one chunk adds to a choice."""

    role: str | None = None
    content: MessageContentValue = None
    """The next piece of text (or of content parts; see ``ChatCompletionMessage``)."""
    refusal: str | None = None
    tool_calls: list[ChoiceDeltaToolCall] | None = None
    reasoning_content: str | None = None


class ChatCompletionStreamChoice(ResponseModel):
    index: Count = 0
    delta: Lenient[ChatCompletionStreamDelta] = ChatCompletionStreamDelta.model_construct()
    finish_reason: FinishReason | None = None
    logprobs: ChoiceLogprobs | None = None


class ChatCompletionStreamEvent(ResponseModel):
    """One chunk of a streamed chat completion (``ChatCompletionChunk``). With
    ``stream_options={"include_usage": True}`` the last chunk has ``usage`` and no choices."""

    id: Text = ""
    object: Lenient[Literal["chat.completion.chunk"] | str] = "chat.completion.chunk"
    created: Count = 0
    model: Text = ""
    choices: Items[ChatCompletionStreamChoice] = []
    usage: Usage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None


ChatCompletionChunk = ChatCompletionStreamEvent
ChoiceDelta = ChatCompletionStreamDelta
