"""Types of ``POST /edits``."""

from typing import Annotated, Literal, Required, TypedDict

from pydantic import BeforeValidator

from r9s.models._base import ResponseModel
from r9s.models.chat import FinishReason, Usage, none_as_empty


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


class EditChoice(ResponseModel):
    text: str = ""
    index: int = 0
    finish_reason: FinishReason | None = None


class EditResponse(ResponseModel):
    """The edited text (``Edit``)."""

    object: Literal["edit"] | str = "edit"
    created: int = 0
    choices: Annotated[list[EditChoice], BeforeValidator(none_as_empty)] = []
    usage: Usage | None = None

    @property
    def text(self) -> str:
        """The first choice's text ("" when there is none)."""
        return self.choices[0].text if self.choices else ""


Edit = EditResponse
