"""The base of resources that upload files (images, audio)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from r9s._uploads import multipart
from r9s.resources._base import Resource


class UploadingResource(Resource):
    """A resource whose operations send files as ``multipart/form-data``: the files are
    opened for the call, streamed from disk, and closed when it returns (a stream
    returns once the upload is sent and the response has begun)."""

    __slots__ = ()

    def _upload(
        self,
        operation: Any,
        params: Mapping[str, Any],
        files: Sequence[str],
        *,
        stream: bool = False,
    ) -> Any:
        if operation.params is not None:
            operation.params(params)
        with multipart(params, files) as (form, parts):
            if stream:
                return self._stream(operation, {**form, "stream": "true"}, files=parts)
            return self._call(operation, form, files=parts)

    async def _upload_async(
        self,
        operation: Any,
        params: Mapping[str, Any],
        files: Sequence[str],
        *,
        stream: bool = False,
    ) -> Any:
        if operation.params is not None:
            operation.params(params)
        with multipart(params, files) as (form, parts):
            if stream:
                return await self._stream_async(operation, {**form, "stream": "true"}, files=parts)
            return await self._call_async(operation, form, files=parts)
