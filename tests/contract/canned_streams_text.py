"""Canned event streams Prism sends for the text operations (see conftest.prism_sse_url):
the same recorded-style streams the unit tests replay."""

from __future__ import annotations

from tests.support.text_fixtures import FIXTURES

CHAT_STREAM = "chat_stream_text_then_tools.sse"
COMPLETION_STREAM = "completions_stream.sse"

STREAMS = {
    "/chat/completions": (FIXTURES / CHAT_STREAM).read_text(),
    "/completions": (FIXTURES / COMPLETION_STREAM).read_text(),
}
