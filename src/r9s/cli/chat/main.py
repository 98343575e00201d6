"""``r9s chat`` from its arguments: which conversation (new, ``--continue``,
``--resume``; read from the log), what it is set up with (flags, ``-t`` template,
``--agent``, ``--skill``), what to send (prompt, piped text or image, ``--image``), then
either one answer for a script or the interactive loop (:mod:`r9s.cli.chat.repl`).
Every turn goes into the log (:mod:`r9s.cli.chat.history`) unless ``--no-log`` or
``r9s logs off``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from r9s.cli.chat.conversation import Conversation, Message
from r9s.cli.chat.history import ChatLog, exchange_of
from r9s.cli.chat.render import Renderer, make_renderer
from r9s.cli.chat.turn import ChatError, run_turn
from r9s.cli.common import interact
from r9s.cli.common.images import image_from_arg, image_from_bytes, sniff_image

if TYPE_CHECKING:
    from r9s.cli.common.templates import Preset

DEFAULT_MODELS = {
    "chat": "gpt-4o-mini",
    "responses": "gpt-4o-mini",
    "messages": "claude-sonnet-4-5",
}
SHORTEST_ID_START = 8  # `-c WORD`: a word this long that starts one chat id is that chat


@dataclass
class Setup:
    """What a template or an agent (and --skill) bring: None when not used."""

    name: str = ""
    preset: Preset | None = None
    params: dict[str, str] = field(default_factory=dict)
    skills: list[str] = field(default_factory=list)

    def first_message(self, text: str) -> str:
        """The first message for what the person typed or piped (``$input``)."""
        if self.preset is None:
            return text
        from r9s.cli.common.templates import apply

        return apply(self.preset, self.name, text, self.params).prompt

    def system(self) -> str | None:
        if self.preset is None:
            return None
        from r9s.cli.common.templates import apply

        return apply(self.preset, self.name, "", self.params).system


def _setup(args: argparse.Namespace) -> Setup:
    from r9s.cli.common.skills import check_skill_name

    params = dict(args.param or [])
    for skill in args.skill or []:
        check_skill_name(skill)
    if args.template is not None and _is_number(args.template):
        raise ChatError(
            f"-t is --template now: for a temperature write --temperature {args.template}"
        )
    if args.template is None and args.agent is None:
        if params and not args.save:  # with --save, -p gives the defaults
            raise ChatError("-p goes with -t TEMPLATE or --agent NAME")
        return Setup(params=params, skills=list(args.skill or []))
    if args.template is not None:
        from r9s.cli.common.templates import check_name, load_template

        name = check_name(args.template)
        preset = load_template(name)
        label = f"template {name!r}"
    else:
        from r9s.cli.common.agents import split_reference, version

        name, number = split_reference(args.agent)
        found = version(name, number)
        preset = found.preset
        label = f"agent {name!r} (v{found.number})"
    skills = [*preset.skills, *[s for s in args.skill or [] if s not in preset.skills]]
    setup = Setup(label, preset, params, skills)
    setup.system()  # a missing or unknown variable is an error before anything is sent
    return setup


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _build_conversation(
    args: argparse.Namespace, can_ask: bool, history: ChatLog, setup: Setup
) -> Conversation:
    from r9s._config import ENV_MODEL
    from r9s.cli.common.settings import resolve

    conversation: Conversation | None = None
    if args.continue_ is not None:
        conversation = _continued(args, history)
    elif args.resume is not None:
        conversation = _pick_chat(args.resume, can_ask, history)
    preset = setup.preset
    if conversation is None:
        api = args.api or (preset.api if preset else None) or "chat"
        model = args.model or (preset.model if preset else None)
        model = model or resolve(None, ENV_MODEL).value or DEFAULT_MODELS[api]
        conversation = Conversation(model=model, api=api)
    else:
        # Flags (and a template or agent) given now win over what the chat had.
        conversation.model = args.model or (preset.model if preset else None) or conversation.model
        conversation.api = args.api or (preset.api if preset else None) or conversation.api
    if preset is not None:
        conversation.system = setup.system() or conversation.system
        conversation.temperature = preset.options.get("temperature", conversation.temperature)
        conversation.max_tokens = preset.options.get("max_tokens", conversation.max_tokens)
    if args.system is not None:
        conversation.system = args.system or None
    if setup.skills:
        from r9s.cli.common.skills import load, with_skills

        conversation.system = with_skills(conversation.system, [load(s) for s in setup.skills])
    if args.temperature is not None:
        conversation.temperature = args.temperature
    if args.max_tokens is not None:
        conversation.max_tokens = args.max_tokens
    return conversation


def _continued(args: argparse.Namespace, history: ChatLog) -> Conversation:
    """``-c``: the last chat; ``-c ID``: that one. A word after ``-c`` that names no chat
    is the start of the question (``r9s chat -c "And the longest?"``)."""
    word: str = args.continue_
    if word and " " not in word.strip() and len(word.strip()) >= SHORTEST_ID_START:
        found = history.load(word.strip())
        if found is not None:
            return found
    if word:
        args.prompt.insert(0, word)
    latest = history.latest()
    if latest is None:
        raise ChatError("no chat to continue yet (r9s logs lists what the log holds)")
    return latest


def _pick_chat(ident: str, can_ask: bool, history: ChatLog) -> Conversation:
    if ident:
        found = history.load(ident)
        if found is None:
            raise ChatError(
                f"no saved chat {ident!r} (r9s chat --resume lists them; --resume takes "
                'the word after it as a chat ID, so put a question first: r9s chat "QUESTION" '
                "--resume)"
            )
        return found
    chats = history.listing()
    if not chats:
        raise ChatError("no saved chats yet (every chat is kept in the log: r9s logs)")
    if not can_ask:
        raise ChatError("--resume without an ID needs a terminal to pick; pass --resume ID")
    labels = [label for label, _ in chats]
    ids = dict(chats)
    interact.say("Saved chats, newest first:")
    chosen = interact.choose("Chat", labels, labels[0], allow_other=False)
    loaded = history.load(ids[chosen])
    assert loaded is not None
    return loaded


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


def _save_template(args: argparse.Namespace, setup: Setup) -> int:
    """``--save NAME``: this command line as a template; nothing is sent."""
    from dataclasses import replace

    from r9s.cli.common.files import display
    from r9s.cli.common.templates import Preset, check_name, save_template

    name = check_name(args.save)
    preset = setup.preset or Preset()
    prompt = " ".join(args.prompt).strip()
    options = dict(preset.options)
    if args.temperature is not None:
        options["temperature"] = args.temperature
    if args.max_tokens is not None:
        options["max_tokens"] = args.max_tokens
    preset = replace(
        preset,
        system=args.system if args.system is not None else preset.system,
        prompt=prompt or preset.prompt,
        model=args.model or preset.model,
        api=args.api or preset.api,
        options=options,
        skills=setup.skills,
        defaults={**preset.defaults, **setup.params},
    )
    path = save_template(name, preset, replace=False)
    interact.say(f"Saved template {name} ({display(path)}): r9s chat -t {name}")
    return 0


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common.api import connect
    from r9s.cli.common.errors import remember
    from r9s.cli.common.log import is_enabled

    setup = _setup(args)
    if args.save:
        return _save_template(args, setup)
    history = ChatLog(enabled=not args.no_log and is_enabled())
    piped_text, piped_images = "", list[str]()
    if sys.stdin is not None and not interact.is_interactive():
        piped_text, piped_images = _read_stdin()
    # Picking a chat to resume only needs a terminal on stdin, even with a question.
    conversation = _build_conversation(args, interact.is_interactive(), history, setup)
    prompt = " ".join(args.prompt).strip()  # after -c, which may hand it a word
    interactive = not prompt and not piped_text and not piped_images and interact.is_interactive()
    images = _images(args) + piped_images
    remember(model=conversation.model)
    if interactive:
        from r9s.cli.chat.repl import Repl

        wrap = setup.first_message if setup.preset is not None else None
        conn, client = connect(args)
        with client:
            try:
                return Repl(args, conn, client, conversation, images, history, wrap).run()
            finally:
                history.close()

    text = "\n\n".join(part for part in (prompt, piped_text.strip("\n")) if part)
    text = setup.first_message(text)
    if not text and not images:
        raise ChatError("nothing to send: give a prompt, pipe some input, or run on a terminal")
    question = Message("user", text, images)
    conversation.messages.append(question)
    _conn, client = connect(args)
    renderer: Renderer
    if args.json:
        from r9s.cli.chat.render import PlainRenderer

        renderer = PlainRenderer(open(os.devnull, "w"), spinner=False)  # noqa: SIM115
    else:
        renderer = make_renderer(args.plain)
    started = time.time()
    with client:
        try:
            result = run_turn(
                client, conversation, renderer, stream=not args.no_stream, catch_interrupt=False
            )
        except Exception as exc:
            history.failed(conversation, question, exc, started)
            history.close()
            raise
    if args.json:
        from r9s.cli.chat.conversation import dump

        print(dump(result.final))
    conversation.messages.append(Message("assistant", result.text))
    if result.usage is not None:
        conversation.usage.input_tokens += result.usage.input_tokens
        conversation.usage.output_tokens += result.usage.output_tokens
    sys.stdout.flush()  # the answer is out before the log is written
    history.record(conversation, exchange_of(conversation, question, result, started=started))
    history.close()
    if args.stats:
        interact.say(result.stats())
    return 0
