"""One turn of ``r9s chat``: send the conversation, stream and render the answer, time it.

Shared by the one-shot mode (:mod:`r9s.cli.chat.main`) and the interactive loop
(:mod:`r9s.cli.chat.repl`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r9s.cli.chat.conversation import Conversation, Usage, request_params, text_of, usage_of
from r9s.cli.chat.render import Renderer
from r9s.cli.common.errors import UsageError

if TYPE_CHECKING:
    from r9s.client import R9S


class ChatError(UsageError):
    """A usage problem with the chat's arguments (one line, exit 2)."""


class BrokenAnswer(Exception):
    """The connection failed after part of the answer (``partial``) was shown."""

    def __init__(self, message: str, partial: str = "") -> None:
        super().__init__(message)
        self.partial = partial


@dataclass
class TurnResult:
    text: str
    interrupted: bool = False
    usage: Usage | None = None
    ttft: float | None = None  # seconds from sending to the first event
    elapsed: float = 0.0
    generating: float | None = None  # seconds from the first event to the end
    final: Any = None

    def stats(self) -> str:
        parts = []
        if self.usage is not None:
            parts.append(f"{self.usage.input_tokens} tokens in, {self.usage.output_tokens} out")
        if self.ttft is not None:
            parts.append(f"first token {self.ttft:.2f} s")
        if self.usage is not None and self.generating:
            parts.append(f"{self.usage.output_tokens / self.generating:.1f} tokens/s")
        parts.append(f"total {self.elapsed:.2f} s")
        return " · ".join(parts)


def resource_for(client: R9S, api: str) -> Any:
    resource = getattr(client, api, None)
    if resource is None or not hasattr(resource, "create"):
        raise ChatError(f"this version of r9s has no {api!r} API; use --api chat")
    return resource


def run_turn(
    client: R9S,
    conversation: Conversation,
    renderer: Renderer,
    *,
    stream: bool = True,
    catch_interrupt: bool = True,
) -> TurnResult:
    """Send the conversation and show the answer; Ctrl-C closes the stream and returns
    what arrived so far (``interrupted``). API errors propagate."""
    params = request_params(conversation)
    resource = resource_for(client, conversation.api)
    started = time.monotonic()
    renderer.waiting(f"waiting for {conversation.model}")
    if not stream:
        try:
            final = resource.create(**params)
        except KeyboardInterrupt:
            renderer.finish()
            if not catch_interrupt:
                raise
            return TurnResult("", True, elapsed=time.monotonic() - started)
        except BaseException:
            renderer.finish()
            raise
        text = text_of(final)
        renderer.feed(text)
        renderer.finish()
        elapsed = time.monotonic() - started
        return TurnResult(text, False, usage_of(final), None, elapsed, None, final)

    if conversation.api == "chat":
        params["stream_options"] = {"include_usage": True}
    parts: list[str] = []
    events = None
    interrupted = False
    try:
        events = resource.create(stream=True, **params)
        for delta in events.text_stream:
            parts.append(delta)
            renderer.feed(delta)
    except KeyboardInterrupt:
        interrupted = True
        if not catch_interrupt:
            raise
    except Exception as exc:
        from r9s import errors

        if parts and isinstance(exc, errors.APIConnectionError):
            from r9s.cli.common.errors import connection_reason

            raise BrokenAnswer(
                f"the connection broke in the middle of the answer ({connection_reason(exc)}): "
                "it is incomplete; try again",
                "".join(parts),
            ) from exc
        if parts:
            exc.partial = "".join(parts)  # type: ignore[attr-defined]  # for the log
        raise
    finally:
        if events is not None:
            events.close()
        renderer.finish()
    ended = time.monotonic()
    result = TurnResult("".join(parts), interrupted, elapsed=ended - started)
    if events is not None:
        first = events.first_event_at
        if first is not None:
            result.ttft = first - started
            result.generating = ended - first
        if not interrupted:
            result.final = events.get_final()
            result.usage = usage_of(result.final)
    return result


def history_path() -> Path:
    from r9s.cli.common.settings import state_dir

    return state_dir() / "chat_history"
