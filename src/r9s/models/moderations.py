"""Types of ``POST /moderations``.

The wire's category names hold ``/`` and ``-`` (``"self-harm/intent"``); the models give
them Python names (``self_harm_intent``) and keep the wire names as aliases, so both
``result.categories.self_harm_intent`` and ``ModerationCategories.model_validate(wire)``
work, and ``to_dict()`` gives the wire names back.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Required, TypedDict

from pydantic import Field

from r9s._options import RequestOptions
from r9s.models._base import Items, Lenient, ResponseModel, Text


class ModerationRequest(TypedDict, total=False):
    """The body of ``POST /moderations``."""

    input: Required[str | Sequence[str] | Sequence[Mapping[str, Any]]]
    """A text, several texts, or (omni-moderation models) a list of ``{"type": "text",
    "text": ...}`` / ``{"type": "image_url", "image_url": {"url": ...}}`` parts."""
    model: str
    """The moderation model (the server picks one when omitted)."""


class ModerationCreateParams(ModerationRequest, RequestOptions, total=False):
    """The keyword arguments of ``moderations.create``."""


class ModerationCategories(ResponseModel):
    """Whether each category was flagged (``None`` when the model does not judge it)."""

    hate: bool | None = None
    hate_threatening: bool | None = Field(None, alias="hate/threatening")
    harassment: bool | None = None
    harassment_threatening: bool | None = Field(None, alias="harassment/threatening")
    self_harm: bool | None = Field(None, alias="self-harm")
    self_harm_intent: bool | None = Field(None, alias="self-harm/intent")
    self_harm_instructions: bool | None = Field(None, alias="self-harm/instructions")
    sexual: bool | None = None
    sexual_minors: bool | None = Field(None, alias="sexual/minors")
    violence: bool | None = None
    violence_graphic: bool | None = Field(None, alias="violence/graphic")
    illicit: bool | None = None
    illicit_violent: bool | None = Field(None, alias="illicit/violent")


class ModerationCategoryScores(ResponseModel):
    """The model's confidence, 0 to 1, for each category."""

    hate: float | None = None
    hate_threatening: float | None = Field(None, alias="hate/threatening")
    harassment: float | None = None
    harassment_threatening: float | None = Field(None, alias="harassment/threatening")
    self_harm: float | None = Field(None, alias="self-harm")
    self_harm_intent: float | None = Field(None, alias="self-harm/intent")
    self_harm_instructions: float | None = Field(None, alias="self-harm/instructions")
    sexual: float | None = None
    sexual_minors: float | None = Field(None, alias="sexual/minors")
    violence: float | None = None
    violence_graphic: float | None = Field(None, alias="violence/graphic")
    illicit: float | None = None
    illicit_violent: float | None = Field(None, alias="illicit/violent")


class ModerationResult(ResponseModel):
    """The verdict on one input."""

    flagged: Lenient[bool] = False
    categories: Lenient[ModerationCategories] = ModerationCategories.model_construct()
    category_scores: Lenient[ModerationCategoryScores] = ModerationCategoryScores.model_construct()
    category_applied_input_types: dict[str, list[str]] | None = None
    """For omni-moderation: which input kinds (``text``, ``image``) each category was
    judged on, by wire name."""


class ModerationResponse(ResponseModel):
    """Moderation results, one per input (``ModerationCreateResponse``)."""

    id: Text = ""
    model: Text = ""
    results: Items[ModerationResult] = []


ModerationCreateResponse = ModerationResponse
