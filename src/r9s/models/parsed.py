"""Results of ``parse`` and ``run_tools``: the response types of ``create``, plus what the
helper adds (the parsed object; the conversation of a tool run).

Each is a subclass of the type ``create`` returns, so code written for that type works
unchanged. The added fields are left out of ``model_dump()`` and ``to_dict()``: a message
sent back in the next turn carries what the server sent, nothing more.

``ParsedChatCompletion[Person]`` types ``choices[0].message.parsed`` as ``Person | None``
(``None`` when the model refused: ``message.refusal`` says why).
"""

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import Field

from r9s.models._base import Count, Items, Lenient
from r9s.models.chat import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionMessage,
    Message,
)
from r9s.models.messages import AnthropicMessage, AnthropicMessageMessage
from r9s.models.responses import (
    Response,
    ResponseInputItem,
    ResponseOutputMessage,
    ResponseOutputRefusal,
)

T = TypeVar("T")

# -- parse ------------------------------------------------------------------------------


class ParsedChatCompletionMessage(ChatCompletionMessage, Generic[T]):
    """A message whose answer was parsed: ``parsed`` is the object (``None`` when the
    model refused; ``refusal`` then says why)."""

    parsed: T | None = Field(default=None, exclude=True)


class ParsedChoice(ChatCompletionChoice, Generic[T]):
    """A choice whose message was parsed."""

    message: Lenient[ParsedChatCompletionMessage[T]] = Field(
        default_factory=ParsedChatCompletionMessage
    )


class ParsedChatCompletion(ChatCompletion, Generic[T]):
    """What ``chat.parse`` returns: a ``ChatCompletion`` whose choices carry the parsed
    object in ``choices[i].message.parsed``."""

    choices: Items[ParsedChoice[T]] = []  # type: ignore[assignment]

    @property
    def parsed(self) -> T | None:
        """The first choice's parsed object (``None`` if it refused or there is none)."""
        return self.choices[0].message.parsed if self.choices else None


class ParsedResponse(Response, Generic[T]):
    """What ``responses.parse`` returns: a ``Response`` with ``output_parsed``."""

    output_parsed: T | None = Field(default=None, exclude=True)
    """The parsed object (``None`` when the model refused: see ``refusal``)."""

    @property
    def refusal(self) -> str | None:
        """The model's refusal, if it declined to answer."""
        parts = [
            part.refusal
            for item in self.output
            if isinstance(item, ResponseOutputMessage)
            for part in item.content
            if isinstance(part, ResponseOutputRefusal)
        ]
        return "".join(parts) if parts else None


class ParsedMessage(AnthropicMessage, Generic[T]):
    """What ``messages.parse`` returns: an ``AnthropicMessage`` with ``parsed_output``."""

    parsed_output: T | None = Field(default=None, exclude=True)
    """The parsed object (``None`` when the model refused: see ``refusal``)."""

    @property
    def refusal(self) -> str | None:
        """The reply's text when the model refused (``stop_reason == "refusal"``)."""
        return self.text if self.stop_reason == "refusal" else None


# -- run_tools --------------------------------------------------------------------------


class ChatToolRun(ChatCompletion):
    """What ``chat.run_tools`` returns: the last ``ChatCompletion`` of the run, and the
    whole exchange in ``messages`` (pass it as ``messages`` to go on)."""

    if TYPE_CHECKING:
        messages: list[Message | ChatCompletionMessage]
    else:  # request TypedDicts cannot be validated: the list is kept as it is
        messages: Items[Any] = Field(default_factory=list, exclude=True)
    """The conversation: the messages given, every assistant turn and tool result, and
    the final answer."""
    turns: Count = Field(default=0, exclude=True)
    """How many requests the run made."""
    max_turns_reached: Lenient[bool] = Field(default=False, exclude=True)
    """The run stopped at ``max_turns`` with the model still calling tools (those calls
    were run and their results are the last items of ``messages``)."""


class ResponsesToolRun(Response):
    """What ``responses.run_tools`` returns: the last ``Response`` of the run, and the
    whole exchange in ``input`` (pass it as ``input`` to go on)."""

    if TYPE_CHECKING:
        input: list[ResponseInputItem]
    else:
        input: Items[Any] = Field(default_factory=list, exclude=True)
    """The input items given, every output item and function-call output of the run."""
    turns: Count = Field(default=0, exclude=True)
    max_turns_reached: Lenient[bool] = Field(default=False, exclude=True)


class MessagesToolRun(AnthropicMessage):
    """What ``messages.run_tools`` returns: the last ``AnthropicMessage`` of the run, and
    the whole exchange in ``messages`` (pass it as ``messages`` to go on)."""

    if TYPE_CHECKING:
        messages: list[AnthropicMessageMessage]
    else:
        messages: Items[Any] = Field(default_factory=list, exclude=True)
    """The conversation: the messages given, every reply and tool result."""
    turns: Count = Field(default=0, exclude=True)
    max_turns_reached: Lenient[bool] = Field(default=False, exclude=True)
