"""Generate an image, edit two copies of it with a mask, and stream previews."""

import tempfile
from pathlib import Path

from r9s import R9S
from r9s.models import ImageGenPartialImageEvent

with R9S.from_env() as r9s, tempfile.TemporaryDirectory() as folder:
    generated = r9s.images.create(
        model="gpt-image-1", prompt="a lighthouse at dusk", response_format="b64_json"
    )
    path = Path(folder, "lighthouse.png")
    path.write_bytes(generated.data[0].data())
    print(f"generated {path.stat().st_size} bytes")

    edited = r9s.images.edit(
        model="gpt-image-1",
        image=[path, path.read_bytes()],  # several images go as image[] parts
        mask=path,
        prompt="add a rainbow",
    )
    tokens = edited.usage.total_tokens if edited.usage else None
    print(f"edited: {len(edited.data)} image(s), {tokens} tokens")

    with r9s.images.create(
        stream=True, model="gpt-image-1", prompt="a lighthouse", partial_images=2
    ) as stream:
        for event in stream:
            if isinstance(event, ImageGenPartialImageEvent):
                print(f"preview {event.partial_image_index}: {len(event.b64_json)} base64 chars")
        final = stream.get_final()
    print(f"final: {len(final.data)} image(s)")
