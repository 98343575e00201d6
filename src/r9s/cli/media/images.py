"""``r9s images``: generate or edit images, saved as files."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from r9s.cli.common.api import connect
from r9s.cli.common.files import output_mode, write_atomic
from r9s.cli.common.i18n import _
from r9s.cli.common.images import sniff_image
from r9s.cli.media.transfer import Bar, content_length, fresh_path, slug, uploading

IMAGE_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
                    "image/webp": ".webp"}  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common.errors import remember

    remember(model=args.model)
    params: dict[str, Any] = {}
    for name, value in (
        ("model", args.model),
        ("n", args.n),
        ("size", args.size),
        ("quality", args.quality),
        ("response_format", args.format),
    ):
        if value is not None:
            params[name] = value
    with connect(args)[1] as r9s:
        if args.action == "generate":
            result = r9s.images.create(prompt=args.prompt, **params)
        else:
            if len(args.images) < 2:
                raise ValueError(_("images edit needs at least one IMAGE and then the PROMPT"))
            *images, prompt = args.images
            paths = [Path(p).expanduser() for p in images]
            if args.mask:
                paths.append(Path(args.mask).expanduser())
            with uploading(paths, "uploading") as files:
                image_files = files[: len(images)]
                extra = {"mask": files[-1]} if args.mask else {}
                images_api: Any = r9s.images
                result = images_api.edit(
                    image=image_files if len(image_files) > 1 else image_files[0],
                    prompt=prompt,
                    **extra,
                    **params,
                )
        blobs = [_image_bytes(item, index) for index, item in enumerate(result.data, 1)]
    if not blobs:
        raise ValueError(_("the server returned no image"))
    kinds = [sniff_image(blob) for blob in blobs]
    targets = _targets(args.output, kinds) if args.output else _default_targets(args, kinds)
    for blob, target in zip(blobs, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, blob, output_mode())
        print(target)
    return 0


def _image_bytes(item: Any, index: int) -> bytes:
    if item.b64_json:
        data: bytes = item.data()
        return data
    if not item.url:
        raise ValueError(_("image {index} has neither data nor a URL").format(index=index))
    import httpx

    with (
        httpx.Client(timeout=60.0, follow_redirects=True) as http,
        http.stream("GET", item.url) as response,
    ):
        response.raise_for_status()
        chunks: list[bytes] = []
        bar = Bar(f"downloading image {index}", content_length(response.headers))
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                bar.set(sum(len(c) for c in chunks))
        finally:
            bar.close()
    return b"".join(chunks)


def _default_targets(args: argparse.Namespace, kinds: list[str | None]) -> list[Path]:
    """Without ``-o``: in the current folder, named after the prompt (generate) or the
    first image (edit), never over an existing file."""
    if args.action == "generate":
        stem = slug(args.prompt, "image")
    else:
        stem = f"{Path(args.images[0]).stem}-edited"
    many = len(kinds) > 1
    return [
        fresh_path(
            Path("."),
            f"{stem}-{number}" if many else stem,
            IMAGE_EXTENSIONS.get(kind or "", ".png"),
        )
        for number, kind in enumerate(kinds, 1)
    ]


def _targets(output: str, kinds: list[str | None]) -> list[Path]:
    """Where each image goes: ``-o`` as a folder (existing, or ending in /) or a file."""
    out = Path(output).expanduser()
    as_folder = output.endswith(("/", os.sep)) or out.is_dir()
    if as_folder:
        out.mkdir(parents=True, exist_ok=True)
        targets = []
        number = 1
        for kind in kinds:
            extension = IMAGE_EXTENSIONS.get(kind or "", ".png")
            while (out / f"image-{number}{extension}").exists():
                number += 1
            targets.append(out / f"image-{number}{extension}")
            number += 1
        return targets
    if len(kinds) == 1:
        return [out]
    suffix = out.suffix or IMAGE_EXTENSIONS.get(kinds[0] or "", ".png")
    return [out.with_name(f"{out.stem}-{n}{suffix}") for n in range(1, len(kinds) + 1)]
