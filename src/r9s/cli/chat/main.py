"""``r9s chat`` from its arguments: which conversation (new, ``--continue``,
``--resume``), what to send (prompt, piped text or image, ``--image``), then either one
answer for a script or the interactive loop (:mod:`r9s.cli.chat.repl`)."""

from __future__ import annotations

import argparse
import os
import sys

from r9s.cli.chat.conversation import (
    Conversation,
    Message,
    describe_saved,
    find_chat,
    saved_chats,
)
from r9s.cli.chat.render import Renderer, make_renderer
from r9s.cli.chat.turn import ChatError, run_turn, save_quietly
from r9s.cli.common import interact
from r9s.cli.common.images import image_from_arg, image_from_bytes, sniff_image

DEFAULT_MODELS = {
    "chat": "gpt-4o-mini",
    "responses": "gpt-4o-mini",
    "messages": "claude-sonnet-4-5",
}


def _build_conversation(args: argparse.Namespace, can_ask: bool) -> Conversation:
    from r9s._config import ENV_MODEL
    from r9s.cli.common.settings import resolve

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
    interact.say("Saved chats, newest first:")
    chosen = interact.choose("Chat", labels, labels[0], allow_other=False)
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
            from r9s.cli.common.errors import describe

            raise ChatError(f"--image {value}: {describe(exc)}") from None
    return images


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common.api import connect
    from r9s.cli.common.errors import remember

    prompt = " ".join(args.prompt).strip()
    piped_text, piped_images = "", list[str]()
    if sys.stdin is not None and not interact.is_interactive():
        piped_text, piped_images = _read_stdin()
    interactive = not prompt and not piped_text and not piped_images and interact.is_interactive()
    images = _images(args) + piped_images
    # Picking a chat to resume only needs a terminal on stdin, even with a question.
    conversation = _build_conversation(args, interact.is_interactive())
    remember(model=conversation.model)
    if interactive:
        from r9s.cli.chat.repl import Repl

        conn, client = connect(args)
        with client:
            return Repl(args, conn, client, conversation, images).run()

    text = "\n\n".join(part for part in (prompt, piped_text.strip("\n")) if part)
    if not text and not images:
        raise ChatError("nothing to send: give a prompt, pipe some input, or run on a terminal")
    conversation.messages.append(Message("user", text, images))
    _conn, client = connect(args)
    renderer: Renderer
    if args.json:
        from r9s.cli.chat.render import PlainRenderer

        renderer = PlainRenderer(open(os.devnull, "w"), spinner=False)  # noqa: SIM115
    else:
        renderer = make_renderer(args.plain)
    with client:
        result = run_turn(
            client, conversation, renderer, stream=not args.no_stream, catch_interrupt=False
        )
    if args.json:
        from r9s.cli.chat.conversation import dump

        print(dump(result.final))
    conversation.messages.append(Message("assistant", result.text))
    if result.usage is not None:
        conversation.usage.input_tokens += result.usage.input_tokens
        conversation.usage.output_tokens += result.usage.output_tokens
    if not args.no_save:
        problem = save_quietly(conversation)
        if problem:
            interact.warn(f"the chat was not saved: {problem}")
    if args.stats:
        interact.say(result.stats())
    return 0
