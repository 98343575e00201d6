"""Types of ``POST /edits``."""

from typing import Literal, Required, TypedDict

from pydantic import Field

from r9s._options import RequestOptions
from r9s.models._base import Count, Items, Lenient, ResponseModel, Text
from r9s.models.chat import FinishReason, Usage


class EditRequest(TypedDict, total=False):
    """The body of ``POST /edits``."""

    model: Required[str]
    """The model to edit with."""
    instruction: Required[str]
    """What to do to ``input``, e.g. ``"Fix the spelling mistakes"``."""
    input: str
    """The text to edit (default: empty)."""
    n: int
    """How many edits to generate."""
    temperature: float
    """0 to 2: higher is more random."""
    top_p: float
    """0 to 1: nucleus sampling; change this or ``temperature``, not both."""


class EditCreateParams(EditRequest, RequestOptions, total=False):
    """The keyword arguments of ``edits.create``: the request fields and the per-call
    options."""


class EditChoice(ResponseModel):
    text: Text = ""
    index: Count = 0
    finish_reason: FinishReason | None = None


class EditResponse(ResponseModel):
    """The edited text (``Edit``)."""

    object: Lenient[Literal["edit"] | str] = "edit"
    created: Count = 0
    choices: Items[EditChoice] = []
    usage: Lenient[Usage] = Field(default_factory=Usage)
    """Token counts (all zeros when the server sent none)."""

    @property
    def text(self) -> str:
        """The first choice's text ("" when there is none)."""
        return self.choices[0].text if self.choices else ""


Edit = EditResponse
