"""Image streams: partial previews, then each finished image; folded into an
``ImagesResponse`` holding the finished images.

A stream may end after any finished image (``image_generation.completed`` /
``image_edit.completed``: one per image asked for) or at ``[DONE]``; spec-shaped chunk
streams end at ``[DONE]``.
"""

from __future__ import annotations

from r9s._streaming import AsyncEventStream, EventStream, StreamSpec
from r9s.models.images import (
    ImageEditCompletedEvent,
    ImageEditStreamEvent,
    ImageGenCompletedEvent,
    ImageGenerationStreamEvent,
    ImageObject,
    ImagesResponse,
    ImageStreamEvent,
    ImageUsage,
    decode_event,
)

_COMPLETED = frozenset({"image_generation.completed", "image_edit.completed"})


class ImageAccumulator:
    """Keeps the finished images of an image stream, in order."""

    __slots__ = ("_images", "_usage", "_created", "_last")

    def __init__(self) -> None:
        self._images: dict[int, ImageObject] = {}
        self._usage: ImageUsage | None = None
        self._created = 0
        self._last: ImageGenCompletedEvent | ImageEditCompletedEvent | None = None

    def add(self, event: ImageStreamEvent) -> None:
        if isinstance(event, ImageGenCompletedEvent | ImageEditCompletedEvent):
            self._images[len(self._images)] = ImageObject(b64_json=event.b64_json)
            self._created = event.created_at or self._created
            self._usage = event.usage or self._usage
            self._last = event
        elif isinstance(event, ImageGenerationStreamEvent | ImageEditStreamEvent):
            self._created = event.created or self._created
            self._usage = event.usage or self._usage
            for chunk in event.data:
                if chunk.is_final:
                    self._images[chunk.index] = ImageObject(
                        b64_json=chunk.b64_json, url=chunk.url, revised_prompt=chunk.revised_prompt
                    )

    def result(self) -> ImagesResponse:
        """The finished images so far (all of them once the stream has ended)."""
        last = self._last
        return ImagesResponse(
            created=self._created,
            data=[self._images[index] for index in sorted(self._images)],
            usage=self._usage,
            background=last.background if last else None,
            output_format=last.output_format if last else None,
            quality=last.quality if last else None,
            size=last.size if last else None,
        )

    def text(self) -> str:
        return ""


class ImageStream(EventStream[ImageStreamEvent, ImagesResponse]):
    """The events of an image stream: ``*.partial_image`` previews, then one
    ``*.completed`` per image. ``get_final()`` returns the finished images."""


class AsyncImageStream(AsyncEventStream[ImageStreamEvent, ImagesResponse]):
    """The async twin of ``ImageStream``."""


SPEC: StreamSpec[ImageStreamEvent, ImagesResponse] = StreamSpec(
    decode=decode_event,
    done_data="[DONE]",
    final_types=_COMPLETED,
    accumulator=ImageAccumulator,
    name="image stream",
)
