"""``r9s.images``: image generation (``POST /images/generations``) and edits
(``POST /images/edits``, multipart)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Unpack, overload

from r9s._lazy import lazy_names
from r9s._pipeline import Endpoint, ParamCheck, lazy_event_stream
from r9s._raw import RawResource, araw, raw
from r9s.models.images import ImageEditParams, ImageGenerateParams, ImagesResponse
from r9s.resources._base import Resource

if TYPE_CHECKING:
    from r9s._streams.images import AsyncImageStream, ImageStream

__all__ = ["Images", "ImagesWithRawResponse"]

STREAM = lazy_event_stream("r9s._streams.images", "SPEC", "ImageStream", "AsyncImageStream")
GENERATE: Endpoint[ImagesResponse, ImageStream, AsyncImageStream] = Endpoint(
    "POST",
    "/images/generations",
    ImagesResponse,
    STREAM,
    ParamCheck("images.create", ImageGenerateParams),
)
EDIT: Endpoint[ImagesResponse, ImageStream, AsyncImageStream] = Endpoint(
    "POST", "/images/edits", ImagesResponse, STREAM, ParamCheck("images.edit", ImageEditParams)
)
EDIT_FILES = ("image", "mask")


class Images(Resource):
    """Images: ``r9s.images.create(prompt=...)`` (also ``generate``) and
    ``r9s.images.edit(image=..., prompt=...)``."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ImageGenerateParams]
    ) -> ImagesResponse: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[ImageGenerateParams]
    ) -> ImageStream: ...
    @overload
    def create(
        self, *, stream: bool, **params: Unpack[ImageGenerateParams]
    ) -> ImagesResponse | ImageStream: ...
    def create(
        self, *, stream: bool = False, **params: Unpack[ImageGenerateParams]
    ) -> ImagesResponse | ImageStream:
        """Generate images from a prompt; with ``stream=True``, an ``ImageStream`` of
        partial previews and finished images."""
        return self._send(GENERATE, params, stream=stream)

    @overload
    async def create_async(
        self, *, stream: Literal[False] = False, **params: Unpack[ImageGenerateParams]
    ) -> ImagesResponse: ...
    @overload
    async def create_async(
        self, *, stream: Literal[True], **params: Unpack[ImageGenerateParams]
    ) -> AsyncImageStream: ...
    @overload
    async def create_async(
        self, *, stream: bool, **params: Unpack[ImageGenerateParams]
    ) -> ImagesResponse | AsyncImageStream: ...
    async def create_async(
        self, *, stream: bool = False, **params: Unpack[ImageGenerateParams]
    ) -> ImagesResponse | AsyncImageStream:
        """Generate images from a prompt; with ``stream=True``, an ``AsyncImageStream``."""
        return await self._asend(GENERATE, params, stream=stream)

    generate = create
    generate_async = create_async

    @overload
    def edit(
        self, *, stream: Literal[False] = False, **params: Unpack[ImageEditParams]
    ) -> ImagesResponse: ...
    @overload
    def edit(self, *, stream: Literal[True], **params: Unpack[ImageEditParams]) -> ImageStream: ...
    @overload
    def edit(
        self, *, stream: bool, **params: Unpack[ImageEditParams]
    ) -> ImagesResponse | ImageStream: ...
    def edit(
        self, *, stream: bool = False, **params: Unpack[ImageEditParams]
    ) -> ImagesResponse | ImageStream:
        """Edit one or several images (multipart upload, streamed from disk); with
        ``stream=True``, an ``ImageStream``."""
        return self._send(EDIT, params, stream=stream, files=EDIT_FILES)

    @overload
    async def edit_async(
        self, *, stream: Literal[False] = False, **params: Unpack[ImageEditParams]
    ) -> ImagesResponse: ...
    @overload
    async def edit_async(
        self, *, stream: Literal[True], **params: Unpack[ImageEditParams]
    ) -> AsyncImageStream: ...
    @overload
    async def edit_async(
        self, *, stream: bool, **params: Unpack[ImageEditParams]
    ) -> ImagesResponse | AsyncImageStream: ...
    async def edit_async(
        self, *, stream: bool = False, **params: Unpack[ImageEditParams]
    ) -> ImagesResponse | AsyncImageStream:
        """Edit one or several images (multipart upload, streamed from disk); with
        ``stream=True``, an ``AsyncImageStream``."""
        return await self._asend(EDIT, params, stream=stream, files=EDIT_FILES)


class ImagesWithRawResponse(RawResource):
    """``r9s.with_raw_response.images``: its calls, returning a ``RawResponse``."""

    create = raw(Images.create)
    create_async = araw(Images.create_async)
    generate = raw(Images.generate)
    generate_async = araw(Images.generate_async)
    edit = raw(Images.edit)
    edit_async = araw(Images.edit_async)


if not TYPE_CHECKING:  # see lazy_names
    __getattr__ = lazy_names(globals(), "r9s._streams.images", "ImageStream", "AsyncImageStream")
