"""Types of ``POST /images/generations`` and ``POST /images/edits``.

Stream events come in two shapes and both decode: OpenAI's
(``image_generation.partial_image`` ... ``image_generation.completed``, and
``image_edit.*`` for edits) and the r9s spec's chunks (``object:
"image.generation.chunk"`` with a ``data`` list). Other event types pass through as
``UnknownImageStreamEvent``.
"""

# No ``from __future__ import annotations``: with it, Python 3.11 does not see
# ``Required[...]`` in TypedDicts (``__required_keys__`` comes out empty).

import base64
from collections.abc import Sequence
from typing import Any, Literal, Required, TypeAlias, TypedDict

from pydantic import Field

from r9s._options import RequestOptions
from r9s._uploads import FileInput
from r9s.models._base import Count, Items, ResponseModel, Text

# -- request --------------------------------------------------------------------------------

ImageSize: TypeAlias = (
    Literal["auto", "1024x1024", "1536x1024", "1024x1536", "256x256", "512x512"]
    | Literal["1792x1024", "1024x1792"]
    | str
)


class _ImageOptions(TypedDict, total=False):
    model: str
    """``dall-e-2``, ``dall-e-3``, a GPT image model (``gpt-image-1``...) or another
    image model the router serves."""
    background: Literal["transparent", "opaque", "auto"] | None
    """Background transparency (GPT image models)."""
    moderation: Literal["low", "auto"] | None
    """Moderation strictness (GPT image models)."""
    n: int | None
    """How many images, 1 to 10."""
    output_compression: int | None
    """Compression 0-100 for ``webp``/``jpeg`` output."""
    output_format: Literal["png", "jpeg", "webp"] | None
    """Image format (GPT image models)."""
    partial_images: int
    """Partial images to stream before the final one, 0 to 3."""
    quality: Literal["auto", "high", "medium", "low", "hd", "standard"] | None
    """Quality; which values apply depends on the model."""
    response_format: Literal["url", "b64_json"] | None
    """``url`` or ``b64_json`` (GPT image models always return base64)."""
    size: ImageSize | None
    """``1024x1024``, ``1536x1024``, ``auto``... depending on the model."""
    style: Literal["vivid", "natural"] | None
    """``dall-e-3`` only."""
    user: str
    """Your end user's id."""


class _GenerationBase(_ImageOptions, total=False):
    prompt: Required[str]
    """What to draw."""


class ImageGenerationRequest(_GenerationBase, total=False):
    """The body of ``POST /images/generations`` (the spec's shape)."""

    stream: bool | None


class ImageGenerateParams(_GenerationBase, RequestOptions, total=False):
    """Keyword arguments of ``images.create`` / ``images.generate``."""


class _EditBase(_ImageOptions, total=False):
    image: Required[FileInput | Sequence[FileInput]]
    """The image to edit, or several (GPT image models take up to 16): paths, bytes,
    open binary files, ``(name, content[, content_type])`` tuples or
    ``{"file_name": ..., "content": ...}``. Several are sent as ``image[]`` parts."""
    prompt: Required[str]
    """What to change."""
    mask: FileInput
    """A PNG whose transparent areas mark where to edit (applies to the first image)."""
    input_fidelity: Literal["high", "low"]
    """How closely to keep the input's features (``gpt-image-1``)."""


class ImageEditRequest(_EditBase, total=False):
    """The multipart body of ``POST /images/edits`` (the spec's shape)."""

    stream: bool | None


class ImageEditParams(_EditBase, RequestOptions, total=False):
    """Keyword arguments of ``images.edit``."""


# -- response -------------------------------------------------------------------------------


class ImageObject(ResponseModel):
    """One image: a ``url`` (valid for a limited time) or ``b64_json``."""

    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None

    def data(self) -> bytes:
        """The image bytes decoded from ``b64_json`` (``ValueError`` if there are none)."""
        if not self.b64_json:
            raise ValueError("this image has no b64_json (ask for response_format='b64_json')")
        return base64.b64decode(self.b64_json)


Image = ImageObject


class ImageUsage(ResponseModel):
    """Token and image counts; which fields appear depends on the provider."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    input_tokens_details: dict[str, Any] | None = None
    prompt_tokens: int | None = None
    image_tokens: int | None = None
    input_text_tokens: int | None = None
    output_image_tokens: int | None = None
    width: int | None = None
    height: int | None = None
    image_count: int | None = None


class ImagesResponse(ResponseModel):
    """Generated or edited images (the spec's ``ImageGenerationResponse``)."""

    created: Count = 0
    data: Items[ImageObject] = Field(default_factory=list)
    usage: ImageUsage | None = None
    background: str | None = None
    output_format: str | None = None
    quality: str | None = None
    size: str | None = None


ImageGenerationResponse = ImagesResponse

# -- stream events --------------------------------------------------------------------------


class _ImageEvent(ResponseModel):
    b64_json: Text = ""
    created_at: int | None = None
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None


class ImageGenPartialImageEvent(_ImageEvent):
    """A preview of the image being generated (``partial_image_index`` from 0)."""

    type: Literal["image_generation.partial_image"] = "image_generation.partial_image"
    partial_image_index: Count = 0


class ImageGenCompletedEvent(_ImageEvent):
    """A finished image (one per image asked for)."""

    type: Literal["image_generation.completed"] = "image_generation.completed"
    usage: ImageUsage | None = None


class ImageEditPartialImageEvent(_ImageEvent):
    """A preview of the image being edited."""

    type: Literal["image_edit.partial_image"] = "image_edit.partial_image"
    partial_image_index: Count = 0


class ImageEditCompletedEvent(_ImageEvent):
    """A finished edited image."""

    type: Literal["image_edit.completed"] = "image_edit.completed"
    usage: ImageUsage | None = None


class ImageGenerationStreamData(ResponseModel):
    """One image of a spec-shaped chunk (partial, or final when ``is_final``)."""

    index: Count = 0
    b64_json: str | None = None
    url: str | None = None
    progress: float | None = None
    is_final: bool | None = None
    revised_prompt: str | None = None


ImageEditStreamData = ImageGenerationStreamData


class ImageGenerationStreamEvent(ResponseModel):
    """A spec-shaped chunk of a generation stream."""

    id: Text = ""
    created: Count = 0
    model: Text = ""
    object: Literal["image.generation.chunk"] = "image.generation.chunk"
    data: Items[ImageGenerationStreamData] = Field(default_factory=list)
    usage: ImageUsage | None = None


class ImageEditStreamEvent(ResponseModel):
    """A spec-shaped chunk of an edit stream."""

    id: Text = ""
    created: Count = 0
    model: Text = ""
    object: Literal["image.edit.chunk"] = "image.edit.chunk"
    data: Items[ImageEditStreamData] = Field(default_factory=list)
    usage: ImageUsage | None = None


class UnknownImageStreamEvent(ResponseModel):
    """An event this SDK has no model for; every field is kept."""

    type: str | None = None


ImageStreamEvent: TypeAlias = (
    ImageGenPartialImageEvent
    | ImageGenCompletedEvent
    | ImageEditPartialImageEvent
    | ImageEditCompletedEvent
    | ImageGenerationStreamEvent
    | ImageEditStreamEvent
    | UnknownImageStreamEvent
)
"""One event of an image stream (``error`` events raise)."""

_EVENTS: dict[str, type[ResponseModel]] = {
    "image_generation.partial_image": ImageGenPartialImageEvent,
    "image_generation.completed": ImageGenCompletedEvent,
    "image_edit.partial_image": ImageEditPartialImageEvent,
    "image_edit.completed": ImageEditCompletedEvent,
    "image.generation.chunk": ImageGenerationStreamEvent,
    "image.edit.chunk": ImageEditStreamEvent,
}


def decode_event(payload: Any) -> ImageStreamEvent:
    """The typed event for one parsed stream payload (by ``type``, else ``object``)."""
    model: type[ResponseModel] = UnknownImageStreamEvent
    if type(payload) is dict:
        kind: Any = payload.get("type") or payload.get("object")
        model = _EVENTS.get(kind, model)
    event: Any = model.model_validate(payload)
    return event  # type: ignore[no-any-return]
