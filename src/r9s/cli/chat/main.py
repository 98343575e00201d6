"""``r9s chat`` from its arguments: which conversation (new, ``--continue``,
``--resume``), with which options (``-o``, ``--reasoning``, ``--extra``), what to send
(prompt, piped text or image, ``--image``, ``-a``), how (``--schema``, ``--functions``),
then either one answer for a script or the interactive loop (:mod:`r9s.cli.chat.repl`)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from r9s.cli.chat import options as chat_options
from r9s.cli.chat.attachments import Attachment
from r9s.cli.chat.conversation import (
    Conversation,
    Message,
    describe_saved,
    find_chat,
    saved_chats,
)
from r9s.cli.chat.render import PlainRenderer, Renderer, first_code_block, make_renderer
from r9s.cli.chat.turn import ChatError, TurnResult, TurnSettings, run_turn, save_quietly
from r9s.cli.common import interact
from r9s.cli.common.i18n import _
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
    _apply_options(args, conversation)
    return conversation


def _apply_options(args: argparse.Namespace, conversation: Conversation) -> None:
    """``-t``, ``--max-tokens``, ``-o``, ``--reasoning`` and ``--extra``, checked for the
    conversation's API. Options a resumed chat was saved with that this API lacks are
    dropped, with a warning."""
    api = conversation.api
    for name in list(conversation.options):
        if not chat_options.applies(api, name):
            interact.warn(
                _("the saved option {name} does not apply to the {api} API: left out").format(
                    name=name, api=api
                )
            )
            del conversation.options[name]
    raw: dict[str, Any] = chat_options.parse_pairs(getattr(args, "option", None))
    if args.temperature is not None:
        raw.setdefault("temperature", str(args.temperature))
    if args.max_tokens is not None:
        raw.setdefault("max_tokens", str(args.max_tokens))
    if getattr(args, "reasoning", None):
        raw["reasoning_effort"] = args.reasoning
    given = chat_options.check(api, raw)
    # temperature and max_tokens have fields of their own in a saved chat
    if "temperature" in given:
        conversation.temperature = given.pop("temperature")
    if "max_tokens" in given:
        conversation.max_tokens = int(given.pop("max_tokens"))
    conversation.options.update(given)
    conversation.extra.update(chat_options.parse_extra(getattr(args, "extra", None)))


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

            raise ChatError(
                _("--image {value}: {problem}").format(value=value, problem=describe(exc))
            ) from None
    return images


def attachments_of(values: list[str] | None) -> tuple[list[str], list[Attachment]]:
    """``-a`` values: images (data or http URLs) and the other files."""
    from r9s.cli.chat import attachments

    images: list[str] = []
    files: list[Attachment] = []
    for value in values or []:
        loaded = attachments.load(value)
        if isinstance(loaded, str):
            images.append(loaded)
        else:
            files.append(loaded)
    return images, files


def turn_settings(args: argparse.Namespace) -> TurnSettings:
    """How each turn runs: stream, reasoning shown, timing, schema, tools."""
    settings = TurnSettings(
        stream=not args.no_stream, show_reasoning=not args.no_reasoning, timing=args.timing
    )
    if args.schema and args.schema_multi:
        raise ChatError(_("--schema and --schema-multi: give one of them"))
    text = args.schema or args.schema_multi
    if text:
        from r9s.structured import multi_schema, schema_from_text

        option = "--schema" if args.schema else "--schema-multi"
        try:
            schema = schema_from_text(text)
        except ValueError as exc:
            raise ChatError(_("{option}: {problem}").format(option=option, problem=exc)) from None
        settings.schema = multi_schema(schema) if args.schema_multi else schema
    if args.functions:
        if settings.schema is not None:
            raise ChatError(_("--functions and --schema cannot be used together"))
        from r9s.cli.chat.functions import load

        settings.tools = load(args.functions)
    if args.max_turns < 1:
        raise ChatError(_("--max-turns must be 1 or more"))
    settings.max_turns = args.max_turns
    return settings


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common.api import connect
    from r9s.cli.common.errors import remember

    prompt = " ".join(args.prompt).strip()
    piped_text, piped_images = "", list[str]()
    if sys.stdin is not None and not interact.is_interactive():
        piped_text, piped_images = _read_stdin()
    interactive = not prompt and not piped_text and not piped_images and interact.is_interactive()
    if interactive and args.extract:
        raise ChatError(
            _("-x/--extract works on one-shot answers: give a question or pipe the input")
        )
    settings = turn_settings(args)
    attached_images, files = attachments_of(args.attach)
    images = _images(args) + attached_images + piped_images
    # Picking a chat to resume only needs a terminal on stdin, even with a question.
    conversation = _build_conversation(args, interact.is_interactive())
    remember(model=conversation.model)
    if interactive:
        from r9s.cli.chat.repl import Repl

        conn, client = connect(args)
        with client:
            return Repl(args, conn, client, conversation, images, files, settings).run()

    text = "\n\n".join(part for part in (prompt, piped_text.strip("\n")) if part)
    if not text and not images and not files:
        raise ChatError(_("nothing to send: give a prompt, pipe some input, or run on a terminal"))
    conversation.messages.append(Message("user", text, images, files=files))
    _conn, client = connect(args)
    renderer: Renderer
    if args.json or args.extract:
        # the answer is printed at the end; meanwhile the spinner, reasoning and tool calls
        # (--json: the reasoning is in the JSON, not on stderr too)
        nowhere = open(os.devnull, "w")  # noqa: SIM115 - for the whole run
        renderer = PlainRenderer(nowhere, spinner=not args.json, reasoning=not args.json)
    else:
        renderer = make_renderer(args.plain)
    with client:
        result = run_turn(client, conversation, renderer, catch_interrupt=False, settings=settings)
    if args.json:
        from r9s.cli.chat.conversation import dump

        print(dump(result.final))
    elif args.extract:
        _print_extract(result.text)
    conversation.messages.append(_answer_message(result))
    if result.usage is not None:
        conversation.usage.input_tokens += result.usage.input_tokens
        conversation.usage.output_tokens += result.usage.output_tokens
    if not args.no_save:
        problem = save_quietly(conversation)
        if problem:
            interact.warn(_("the chat was not saved: {problem}").format(problem=problem))
    if args.stats:
        interact.say(result.stats())
    if args.timing:
        interact.say(result.timing())
    if result.problem:
        interact.error(result.problem)
        return 1
    return 0


def _answer_message(result: TurnResult) -> Message:
    """The assistant's message for the conversation: its text and its tool calls."""
    return Message(
        "assistant", result.text, interrupted=result.interrupted, tool_rounds=result.tool_rounds
    )


def _print_extract(text: str) -> None:
    block = first_code_block(text)
    if block is None:
        interact.warn(_("the answer has no fenced code block: all of it follows"))
        block = text
    sys.stdout.write(block if block.endswith("\n") or not block else f"{block}\n")
    sys.stdout.flush()


def describe_image(args: argparse.Namespace) -> int:
    """``r9s images describe IMAGE [PROMPT]``: one answer about an image, as ``r9s chat``
    gives it (streamed, rendered on a terminal; not saved as a chat)."""
    from r9s._config import ENV_MODEL
    from r9s.cli.common.api import connect
    from r9s.cli.common.errors import describe, remember
    from r9s.cli.common.settings import resolve

    try:
        if args.image == "-":
            image = image_from_bytes(sys.stdin.buffer.read(), "stdin")
        else:
            image = image_from_arg(args.image)
    except (OSError, ValueError) as exc:
        raise ChatError(
            _("{image}: {problem}").format(image=args.image, problem=describe(exc))
        ) from None
    api = args.api or "chat"
    model = resolve(args.model, ENV_MODEL, flag_name="--model").value or DEFAULT_MODELS[api]
    conversation = Conversation(model=model, api=api)
    prompt = args.prompt or _("Describe this image in detail.")
    conversation.messages.append(Message("user", prompt, [image]))
    remember(model=model)
    with connect(args)[1] as client:
        result = run_turn(client, conversation, make_renderer(args.plain), catch_interrupt=False)
    if result.problem:
        interact.error(result.problem)
        return 1
    return 0
