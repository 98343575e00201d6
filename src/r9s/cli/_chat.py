"""The engine behind ``r9s chat``: one turn (request, stream, render, stats), the
one-shot mode for scripts, and the interactive loop with its slash commands."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r9s.cli import _interact
from r9s.cli._conversation import (
    Conversation,
    Message,
    Usage,
    describe_saved,
    find_chat,
    image_from_arg,
    image_from_bytes,
    request_params,
    save,
    saved_chats,
    sniff_image,
    text_of,
    usage_of,
)
from r9s.cli._errors import UsageError
from r9s.cli._render import Renderer, make_renderer

if TYPE_CHECKING:
    from r9s.cli._api import Connection
    from r9s.client import R9S

DEFAULT_MODELS = {
    "chat": "gpt-4o-mini",
    "responses": "gpt-4o-mini",
    "messages": "claude-sonnet-4-5",
}


class ChatError(UsageError):
    """A usage problem with the chat's arguments (one line, exit 2)."""


class BrokenAnswer(Exception):
    """The connection failed after part of the answer was shown."""


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
            from r9s.cli._api import _reason

            raise BrokenAnswer(
                f"the connection broke in the middle of the answer ({_reason(exc)}): "
                "it is incomplete; try again"
            ) from exc
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


# ------------------------------------------------------------------ setting up


def _connection_and_client(args: argparse.Namespace) -> tuple[Connection, R9S]:
    from r9s.cli._api import client, connection

    conn = connection(args.api_key, args.base_url)
    return conn, client(conn, timeout=args.timeout, retries=args.retries)


def _build_conversation(args: argparse.Namespace, can_ask: bool) -> Conversation:
    from r9s._config import ENV_MODEL
    from r9s.cli._settings import resolve

    conversation: Conversation | None = None
    if args.continue_:
        chats = saved_chats()
        if not chats:
            raise ChatError("no saved chat to continue (chats are saved in ~/.r9s/chats/)")
        conversation = chats[0].conversation
    elif args.resume is not None:
        conversation = _pick_chat(args.resume, can_ask)
    if conversation is None:
        api = args.api or "chat"
        model = resolve(args.model, ENV_MODEL, flag_name="--model").value
        conversation = Conversation(model=model or DEFAULT_MODELS[api], api=api)
    else:
        # Flags given now win over what the chat was saved with.
        if args.model:
            conversation.model = args.model
        if args.api:
            conversation.api = args.api
    if args.system is not None:
        conversation.system = args.system or None
    if args.temperature is not None:
        conversation.temperature = args.temperature
    if args.max_tokens is not None:
        conversation.max_tokens = args.max_tokens
    return conversation


def _pick_chat(ident: str, can_ask: bool) -> Conversation:
    if ident:
        found = find_chat(ident)
        if found is None:
            raise ChatError(
                f"no saved chat {ident!r} (r9s chat --resume lists them; --resume takes "
                'the word after it as a chat ID, so put a question first: r9s chat "QUESTION" '
                "--resume)"
            )
        return found
    chats = saved_chats()
    if not chats:
        raise ChatError("no saved chats yet (chats are saved in ~/.r9s/chats/)")
    if not can_ask:
        raise ChatError("--resume without an ID needs a terminal to pick; pass --resume ID")
    labels = [describe_saved(chat) for chat in chats]
    ids = {label: chat.conversation for label, chat in zip(labels, chats, strict=True)}
    _interact.say("Saved chats, newest first:")
    chosen = _interact.choose("Chat", labels, labels[0], allow_other=False)
    return ids[chosen]


def _read_stdin() -> tuple[str, list[str]]:
    """Piped input: text, or an image (sniffed from its bytes)."""
    data = sys.stdin.buffer.read()
    if not data:
        return "", []
    if sniff_image(data) is not None:
        return "", [image_from_bytes(data, "stdin")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        raise ChatError("stdin is neither UTF-8 text nor a PNG, JPEG, GIF or WebP image") from None


def _images(args: argparse.Namespace) -> list[str]:
    images = []
    for value in args.image or []:
        try:
            images.append(image_from_arg(value))
        except (OSError, ValueError) as exc:
            from r9s.cli._errors import describe

            raise ChatError(f"--image {value}: {describe(exc)}") from None
    return images


def main(args: argparse.Namespace) -> int:
    from r9s.cli import _errors

    prompt = " ".join(args.prompt).strip()
    piped_text, piped_images = "", list[str]()
    if sys.stdin is not None and not _interact.is_interactive():
        piped_text, piped_images = _read_stdin()
    interactive = not prompt and not piped_text and not piped_images and _interact.is_interactive()
    images = _images(args) + piped_images
    # Picking a chat to resume only needs a terminal on stdin, even with a question.
    conversation = _build_conversation(args, _interact.is_interactive())
    _errors.remember(model=conversation.model)
    if interactive:
        from r9s.cli._repl import Repl

        conn, client = _connection_and_client(args)
        with client:
            return Repl(args, conn, client, conversation, images).run()

    text = "\n\n".join(part for part in (prompt, piped_text.strip("\n")) if part)
    if not text and not images:
        raise ChatError("nothing to send: give a prompt, pipe some input, or run on a terminal")
    conversation.messages.append(Message("user", text, images))
    _conn, client = _connection_and_client(args)
    renderer: Renderer
    if args.json:
        from r9s.cli._render import PlainRenderer

        renderer = PlainRenderer(open(os.devnull, "w"), spinner=False)  # noqa: SIM115
    else:
        renderer = make_renderer(args.plain)
    with client:
        result = run_turn(
            client, conversation, renderer, stream=not args.no_stream, catch_interrupt=False
        )
    if args.json:
        from r9s.cli._conversation import dump

        print(dump(result.final))
    conversation.messages.append(Message("assistant", result.text))
    if result.usage is not None:
        conversation.usage.input_tokens += result.usage.input_tokens
        conversation.usage.output_tokens += result.usage.output_tokens
    if not args.no_save:
        problem = save_quietly(conversation)
        if problem:
            _interact.warn(f"the chat was not saved: {problem}")
    if args.stats:
        _interact.say(result.stats())
    return 0


def save_quietly(conversation: Conversation) -> str | None:
    """Save the chat; why it could not be, if it could not. Saving is a convenience:
    a read-only or odd HOME must not turn an answer already shown into a failure."""
    try:
        save(conversation)
    except OSError as exc:
        from r9s.cli._errors import describe

        return describe(exc)
    return None


def history_path() -> Path:
    from r9s.cli._settings import state_dir

    return state_dir() / "chat_history"
