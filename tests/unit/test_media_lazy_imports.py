"""Importing r9s and building a client load none of the media types; using a resource
loads only its own."""

from __future__ import annotations

import json
import subprocess
import sys

MEDIA = [
    "r9s.models.messages",
    "r9s.models.responses",
    "r9s.models.images",
    "r9s.models.audio",
    "r9s._uploads",
    "r9s._binary",
    "r9s._streams.messages",
]

SCRIPT = """
import json, sys
import r9s
client = r9s.R9S(api_key="sk-test", server_url="http://127.0.0.1:9")
before = [m for m in {media} if m in sys.modules]
client.messages
after = [m for m in {media} if m in sys.modules]
print(json.dumps([before, after]))
"""


def test_media_modules_load_on_first_use() -> None:
    output = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(media=MEDIA)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    before, after = json.loads(output)
    assert before == []
    # its stream code loads with the first stream, not with the resource
    assert set(after) == {"r9s.models.messages"}
