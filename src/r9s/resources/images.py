"""``r9s.images``: image generation (``POST /images/generations``) and edits
(``POST /images/edits``, multipart)."""

from __future__ import annotations

from typing import Literal, Unpack, cast, overload

from r9s._pipeline import Operation, ParamCheck
from r9s._streams.images import SPEC, AsyncImageStream, ImageStream
from r9s.models.images import ImageEditParams, ImageGenerateParams, ImagesResponse, ImageStreamEvent
from r9s.resources._multipart import UploadingResource

GENERATE: Operation[ImagesResponse, ImageStreamEvent, ImagesResponse] = Operation(
    "POST",
    "/images/generations",
    ImagesResponse,
    SPEC,
    ParamCheck("images.create", ImageGenerateParams, extra={"stream"}),
)
EDIT: Operation[ImagesResponse, ImageStreamEvent, ImagesResponse] = Operation(
    "POST", "/images/edits", ImagesResponse, SPEC, ParamCheck("images.edit", ImageEditParams)
)
EDIT_FILES = ("image", "mask")


class Images(UploadingResource):
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
        if stream:
            return cast(ImageStream, self._stream(GENERATE, {**params, "stream": True}))
        return self._call(GENERATE, params)

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
        if stream:
            stream_ = await self._stream_async(GENERATE, {**params, "stream": True})
            return cast(AsyncImageStream, stream_)
        return await self._call_async(GENERATE, params)

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
        result: ImagesResponse | ImageStream = self._upload(EDIT, params, EDIT_FILES, stream=stream)
        return result

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
        result: ImagesResponse | AsyncImageStream = await self._upload_async(
            EDIT, params, EDIT_FILES, stream=stream
        )
        return result
