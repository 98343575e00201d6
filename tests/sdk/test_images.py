"""Images against the local server, sync and async: generation, edits with several images
and a mask, and their streams."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from r9s.models import (
    ImageEditCompletedEvent,
    ImageGenCompletedEvent,
    ImageGenPartialImageEvent,
    ImagesResponse,
)
from r9s.testing import LocalServer
from tests.support.twins import Twin, drain


def test_images_create(r9s: Twin, server: LocalServer) -> None:
    urls = r9s.images.create(model="dall-e-2", prompt="a cat", n=2)
    assert isinstance(urls, ImagesResponse) and len(urls.data) == 2
    assert all(image.url for image in urls.data)
    b64 = r9s.images.generate(
        model="gpt-image-1",
        prompt="a cat",
        response_format="b64_json",
        size="1024x1024",
    )
    assert b64.data[0].data().startswith(b"\x89PNG")
    assert b64.usage is not None and b64.usage.total_tokens
    assert b64.size == "1024x1024"


def test_images_stream(r9s: Twin, server: LocalServer) -> None:
    events, final, _ = r9s.images.create(
        stream=True,
        model="gpt-image-1",
        prompt="a lighthouse",
        n=2,
        partial_images=2,
        consume=drain,
    )
    partials = [e for e in events if isinstance(e, ImageGenPartialImageEvent)]
    completed = [e for e in events if isinstance(e, ImageGenCompletedEvent)]
    assert len(partials) == 4 and len(completed) == 2  # every image, not just the first
    assert [image.b64_json for image in final.data] == [e.b64_json for e in completed]
    assert server.requests[-1].json["stream"] is True


def test_images_edit_uploads_every_image_and_the_mask(
    r9s: Twin, server: LocalServer, tmp_path: Path
) -> None:
    generated = r9s.images.create(
        model="gpt-image-1",
        prompt="seed",
        response_format="b64_json",
    )
    png = generated.data[0].data()
    path = tmp_path / "first.png"
    path.write_bytes(png)
    edited = r9s.images.edit(
        model="gpt-image-1",
        image=[path, ("second.png", io.BytesIO(png)), png],
        mask={"file_name": "mask.png", "content": png},
        prompt="add a hat",
    )
    revised = edited.data[0].revised_prompt
    assert revised is not None
    size = len(png)
    expected = f"first.png ({size} bytes), second.png ({size} bytes), upload.png ({size} bytes)"
    assert expected in revised and f"mask: mask.png ({size} bytes)" in revised
    single = r9s.images.edit(model="dall-e-2", image=path, prompt="hat")
    assert f"first.png ({size} bytes)" in (single.data[0].revised_prompt or "")


def test_images_edit_stream(r9s: Twin, server: LocalServer) -> None:
    png = base64.b64decode(
        r9s.images.create(
            model="gpt-image-1",
            prompt="x",
            response_format="b64_json",
        )
        .data[0]
        .b64_json
    )
    events, final, _ = r9s.images.edit(
        stream=True,
        model="gpt-image-1",
        image=png,
        prompt="watercolor",
        partial_images=1,
        consume=drain,
    )
    assert isinstance(events[-1], ImageEditCompletedEvent) and len(final.data) == 1
