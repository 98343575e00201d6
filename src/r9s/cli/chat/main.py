"""``r9s chat`` from its arguments: which conversation (new, ``--continue``,
``--resume``; read from the log), what it is set up with (flags, ``-t`` template,
``--agent``, ``--skill``), with which options (``-o``, ``--reasoning``, ``--extra``),
what to send (prompt, piped text or image, ``--image``, ``-a``), how (``--schema``,
``--functions``), then either one answer for a script or the interactive loop
(:mod:`r9s.cli.chat.repl`). Every turn goes into the log (:mod:`r9s.cli.chat.history`)
unless ``--no-log`` or ``r9s logs off``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from r9s.cli.chat.attachments import Attachment
from r9s.cli.chat.conversation import Conversation, Message
from r9s.cli.chat.history import ChatLog, exchange_of
from r9s.cli.chat.render import PlainRenderer, Renderer, first_code_block, make_renderer
from r9s.cli.chat.turn import ChatError, TurnResult, TurnSettings, run_turn
from r9s.cli.common import interact, options as chat_options
from r9s.cli.common.i18n import _
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
            _("-t is --template now: for a temperature write --temperature {value}").format(
                value=args.template
            )
        )
    if args.template is None and args.agent is None:
        if params and not args.save:  # with --save, -p gives the defaults
            raise ChatError(_("-p goes with -t TEMPLATE or --agent NAME"))
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
        model = resolve(model, ENV_MODEL, flag_name="--model").value or DEFAULT_MODELS[api]
        conversation = Conversation(model=model, api=api)
    else:
        # Flags (and a template or agent) given now win over what the chat had.
        conversation.model = args.model or (preset.model if preset else None) or conversation.model
        conversation.api = args.api or (preset.api if preset else None) or conversation.api
    if preset is not None:
        conversation.system = setup.system() or conversation.system
    if args.system is not None:
        conversation.system = args.system or None
    if setup.skills:
        from r9s.cli.common.skills import load, with_skills

        conversation.system = with_skills(conversation.system, [load(s) for s in setup.skills])
    _apply_options(args, conversation, setup)
    return conversation


def _apply_options(args: argparse.Namespace, conversation: Conversation, setup: Setup) -> None:
    """The options of the chat (a resumed one's), then of its template or agent, then
    ``--temperature``, ``--max-tokens``, ``-o``, ``--reasoning`` and ``--extra``, checked
    for the conversation's API. A kept option this API lacks is left out, with a warning."""
    api = conversation.api
    raw = _flag_options(args)
    kept: dict[str, tuple[Any, str | None]] = {
        name: (value, None) for name, value in conversation.options.items()
    }
    if setup.preset is not None:
        preset = {k: v for k, v in setup.preset.options.items() if k not in raw}
        for name, value in chat_options.check_kept(preset, api).items():
            kept[name] = (value, setup.name)
    conversation.options = {}
    for name, (value, source) in kept.items():
        if chat_options.applies(api, name):
            conversation.options[name] = value
        elif source is None:
            interact.warn(
                _("the saved option {name} does not apply to the {api} API: left out").format(
                    name=name, api=api
                )
            )
        else:
            interact.warn(
                _("the option {name} of {source} does not apply to the {api} API: left out").format(
                    name=name, source=source, api=api
                )
            )
    conversation.options.update(chat_options.check(api, raw))
    conversation.extra.update(chat_options.parse_extra(args.extra))


def _flag_options(args: argparse.Namespace) -> dict[str, Any]:
    """``-o`` pairs, ``--temperature``, ``--max-tokens`` and ``--reasoning`` by option
    name, their values as typed (an ``-o`` pair wins over the flag of the same option)."""
    raw: dict[str, Any] = chat_options.parse_pairs(args.option)
    if args.temperature is not None:
        raw.setdefault("temperature", str(args.temperature))
    if args.max_tokens is not None:
        raw.setdefault("max_tokens", str(args.max_tokens))
    if args.reasoning:
        raw["reasoning_effort"] = args.reasoning
    return raw


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
        raise ChatError(_("no chat to continue yet (r9s logs lists what the log holds)"))
    return latest


def _pick_chat(ident: str, can_ask: bool, history: ChatLog) -> Conversation:
    if ident:
        found = history.load(ident)
        if found is None:
            raise ChatError(
                _(
                    "no saved chat {ident!r} (r9s chat --resume lists them; --resume takes "
                    'the word after it as a chat ID, so put a question first: r9s chat "QUESTION" '
                    "--resume)"
                ).format(ident=ident)
            )
        return found
    chats = history.listing()
    if not chats:
        raise ChatError(_("no saved chats yet (every chat is kept in the log: r9s logs)"))
    if not can_ask:
        raise ChatError(_("--resume without an ID needs a terminal to pick; pass --resume ID"))
    labels = [label for label, _ident in chats]
    ids = dict(chats)
    interact.say(_("Saved chats, newest first:"))
    chosen = interact.choose(_("Chat"), labels, labels[0], allow_other=False)
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
        raise ChatError(
            _("stdin is neither UTF-8 text nor a PNG, JPEG, GIF or WebP image")
        ) from None


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


# what --save keeps of a command line: the rest cannot go into a template
NOT_IN_TEMPLATES = (
    ("extra", "--extra"),
    ("attach", "-a/--attach"),
    ("image", "-i/--image"),
    ("schema", "--schema"),
    ("schema_multi", "--schema-multi"),
    ("functions", "--functions"),
    ("continue_", "-c/--continue"),
    ("resume", "-r/--resume"),
)


def _save_template(args: argparse.Namespace, setup: Setup) -> int:
    """``--save NAME``: this command line as a template; nothing is sent."""
    from dataclasses import replace

    from r9s.cli.common.files import display
    from r9s.cli.common.templates import Preset, check_name, save_template

    for attribute, flag in NOT_IN_TEMPLATES:
        if getattr(args, attribute) is not None:
            raise ChatError(
                _(
                    "--save keeps the system prompt, prompt, model, API, options and skills; "
                    "{flag} cannot go into a template"
                ).format(flag=flag)
            )
    name = check_name(args.save)
    preset = setup.preset or Preset()
    prompt = " ".join(args.prompt).strip()
    raw = _flag_options(args)
    api = args.api or preset.api
    given = chat_options.check(api, raw) if api else chat_options.check_kept(raw)
    preset = replace(
        preset,
        system=args.system if args.system is not None else preset.system,
        prompt=prompt or preset.prompt,
        model=args.model or preset.model,
        api=api,
        options={**preset.options, **given},
        skills=setup.skills,
        defaults={**preset.defaults, **setup.params},
    )
    path = save_template(name, preset, replace=False)
    saved = _("Saved template {name} ({path}): r9s chat -t {name}")
    interact.say(saved.format(name=name, path=display(path)))
    return 0


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common.api import connect
    from r9s.cli.common.errors import remember
    from r9s.cli.common.log import is_enabled

    setup = _setup(args)
    if args.save:
        return _save_template(args, setup)
    settings = turn_settings(args)
    history = ChatLog(enabled=not args.no_log and is_enabled())
    piped_text, piped_images = "", list[str]()
    if sys.stdin is not None and not interact.is_interactive():
        piped_text, piped_images = _read_stdin()
    # Picking a chat to resume only needs a terminal on stdin, even with a question.
    conversation = _build_conversation(args, interact.is_interactive(), history, setup)
    prompt = " ".join(args.prompt).strip()  # after -c, which may hand it a word
    interactive = not prompt and not piped_text and not piped_images and interact.is_interactive()
    if interactive and args.extract:
        raise ChatError(
            _("-x/--extract works on one-shot answers: give a question or pipe the input")
        )
    attached_images, files = attachments_of(args.attach)
    images = _images(args) + attached_images + piped_images
    remember(model=conversation.model)
    if interactive:
        from r9s.cli.chat.repl import Repl

        wrap = setup.first_message if setup.preset is not None else None
        conn, client = connect(args)
        with client:
            try:
                return Repl(
                    args, conn, client, conversation, images, history, files, settings, wrap
                ).run()
            finally:
                history.close()

    text = "\n\n".join(part for part in (prompt, piped_text.strip("\n")) if part)
    text = setup.first_message(text)
    if not text and not images and not files:
        raise ChatError(_("nothing to send: give a prompt, pipe some input, or run on a terminal"))
    question = Message("user", text, images, files=files)
    conversation.messages.append(question)
    _conn, client = connect(args)
    renderer: Renderer
    if args.json or args.extract:
        # the answer is printed at the end; meanwhile the spinner, reasoning and tool calls
        # (--json: the reasoning is in the JSON, not on stderr too)
        nowhere = open(os.devnull, "w")  # noqa: SIM115 - for the whole run
        renderer = PlainRenderer(nowhere, spinner=not args.json, reasoning=not args.json)
    else:
        renderer = make_renderer(args.plain)
    started = time.time()
    with client:
        try:
            result = run_turn(
                client, conversation, renderer, catch_interrupt=False, settings=settings
            )
        except Exception as exc:
            history.failed(conversation, question, exc, started)
            history.close()
            raise
    if args.json:
        from r9s.cli.chat.conversation import dump

        print(dump(result.final))
    elif args.extract:
        _print_extract(result.text)
    conversation.messages.append(_answer_message(result))
    if result.usage is not None:
        conversation.usage.input_tokens += result.usage.input_tokens
        conversation.usage.output_tokens += result.usage.output_tokens
    sys.stdout.flush()  # the answer is out before the log is written
    history.record(conversation, exchange_of(conversation, question, result, started=started))
    history.close()
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
