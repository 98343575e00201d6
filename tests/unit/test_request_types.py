"""Valid requests pass a type checker: the request ``TypedDict``s hold every field real
requests carry. One ``mypy --strict`` run (the project's configuration) over requests
written as users write them."""

from __future__ import annotations

from pathlib import Path

from tests.support.typecheck import mypy_on

REQUESTS = """
from r9s import R9S
from r9s.models.chat import Message, MessageContent
from r9s.models.messages import AnthropicMessageMessage, AnthropicToolResultContent


def run(r9s: R9S) -> None:
    # an assistant turn sent back with the refusal field it came with
    history: list[Message] = [
        {"role": "user", "content": "Say something rude."},
        {"role": "assistant", "content": None, "refusal": "I can't help with that."},
    ]
    # prompt caching on a chat text part (Anthropic models through a router)
    cached: MessageContent = {
        "type": "text",
        "text": "A long system prompt...",
        "cache_control": {"type": "ephemeral"},
    }
    history.append({"role": "user", "content": [cached, {"type": "text", "text": "Hi"}]})
    r9s.chat.create(model="m", messages=history, stop=None)
    r9s.completions.create(model="m", prompt="Once", stop=None)
    r9s.responses.create(model="m", input="Hi", stop=None)

    # a tool result holding a document block (and a newer block kind as a plain dict)
    result: AnthropicToolResultContent = {
        "type": "tool_result",
        "tool_use_id": "toolu_01",
        "content": [
            {"type": "text", "text": "The file:"},
            {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": "hello"},
            },
            {"type": "search_result", "source": "https://x", "title": "X", "content": []},
        ],
    }
    turn: AnthropicMessageMessage = {"role": "user", "content": [result]}
    r9s.messages.create(model="m", max_tokens=16, messages=[turn])
"""


def test_valid_requests_pass_the_type_checker(tmp_path: Path) -> None:
    _, report, status = mypy_on(tmp_path, REQUESTS, "requests_users_write.py")
    assert status == 0, report
