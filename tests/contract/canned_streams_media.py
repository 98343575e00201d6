"""Canned event streams Prism serves for the media operations (see conftest's
``prism_sse_url``): the wire-format fixtures, so Prism checks the requests while the
SDK decodes realistic streams."""

from __future__ import annotations

from tests.support.streams import fixture_bytes

STREAMS = {
    "/messages": fixture_bytes("anthropic/stream_thinking_tools.sse").decode(),
    "/responses": fixture_bytes("responses/stream_reasoning_web_search_text.sse").decode(),
    "/images/generations": fixture_bytes(
        "images/stream_generation_two_images_no_done.sse"
    ).decode(),
    "/images/edits": fixture_bytes("images/stream_edit_done.sse").decode(),
}
