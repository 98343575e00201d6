"""Types of ``POST /completions`` (legacy text completions), whole and streamed."""

from collections.abc import Mapping, Sequence
from typing import Literal, Required, TypedDict

from pydantic import Field

from r9s._options import RequestOptions
from r9s.models._base import Count, Items, Lenient, ResponseModel, Text
from r9s.models.chat import FinishReason, StreamOptions, Usage


class _CompletionBase(TypedDict, total=False):
    """The completion parameters except ``stream`` (a keyword of its own on ``create``)."""

    model: Required[str]
    """The model to continue the prompt, e.g. ``"gpt-3.5-turbo-instruct"``."""
    prompt: Required[str | Sequence[str] | Sequence[int] | Sequence[Sequence[int]]]
    """The text to continue: a string, several strings, or token ids."""
    best_of: int
    """Generate this many server-side and return the best ``n``."""
    echo: bool
    """Return the prompt in front of the completion."""
    frequency_penalty: float
    """-2.0 to 2.0: positive values discourage repeating the same tokens."""
    logit_bias: Mapping[str, float]
    """Token id (as a string) to a bias from -100 to 100."""
    logprobs: int
    """Return the log probabilities of this many most likely tokens (0 to 5)."""
    max_tokens: int
    """Most tokens to generate."""
    n: int
    """How many completions to generate for each prompt."""
    presence_penalty: float
    """-2.0 to 2.0: positive values encourage new topics."""
    seed: int
    """Sample deterministically where the model supports it."""
    stop: str | Sequence[str] | None
    """Up to 4 sequences where generation stops."""
    stream_options: StreamOptions
    """With ``stream=True``: ``{"include_usage": True}`` adds token usage at the end."""
    suffix: str
    """Text that comes after the completion (insert mode, where supported)."""
    temperature: float
    """0 to 2: higher is more random."""
    top_p: float
    """0 to 1: nucleus sampling; change this or ``temperature``, not both."""
    user: str
    """Your end user's id, for abuse monitoring."""


class CompletionRequest(_CompletionBase, total=False):
    """The body of ``POST /completions``."""

    stream: bool


class CompletionCreateParams(_CompletionBase, RequestOptions, total=False):
    """The keyword arguments of ``completions.create``: the request fields and the
    per-call options (``timeout``, ``retries``, ``extra_body``...)."""


class CompletionLogprobs(ResponseModel):
    """Log probabilities of the output tokens (``logprobs=N``)."""

    tokens: list[str] | None = None
    token_logprobs: list[float | None] | None = None
    top_logprobs: list[dict[str, float] | None] | None = None
    text_offset: list[int] | None = None


class CompletionChoice(ResponseModel):
    text: Text = ""
    index: Count = 0
    logprobs: CompletionLogprobs | None = None
    finish_reason: FinishReason | None = None


class CompletionResponse(ResponseModel):
    """A text completion (``Completion``). OpenAI sends ``object: "text_completion"``,
    the spec says ``"completion"``: both are accepted."""

    id: Text = ""
    object: Lenient[Literal["text_completion", "completion"] | str] = "text_completion"
    created: Count = 0
    model: Text = ""
    choices: Items[CompletionChoice] = []
    usage: Lenient[Usage] = Field(default_factory=Usage)
    """Token counts (all zeros when the server sent none)."""
    system_fingerprint: str | None = None

    @property
    def text(self) -> str:
        """The first choice's text ("" when there is none)."""
        return self.choices[0].text if self.choices else ""


Completion = CompletionResponse


class CompletionStreamChoice(ResponseModel):
    text: Text = ""
    index: Count = 0
    logprobs: CompletionLogprobs | None = None
    finish_reason: FinishReason | None = None


class CompletionStreamEvent(ResponseModel):
    """One chunk of a streamed completion (``CompletionChunk``)."""

    id: Text = ""
    object: Lenient[Literal["text_completion", "completion"] | str] = "text_completion"
    created: Count = 0
    model: Text = ""
    choices: Items[CompletionStreamChoice] = []
    usage: Usage | None = None
    system_fingerprint: str | None = None


CompletionChunk = CompletionStreamEvent
