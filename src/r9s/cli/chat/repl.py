"""The interactive ``r9s chat``: prompt_toolkit input, slash commands, sessions."""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r9s.cli.chat.attachments import Attachment
from r9s.cli.chat.conversation import Conversation, Message, Usage, new_id, write_export
from r9s.cli.chat.history import ChatLog, exchange_of
from r9s.cli.chat.render import guarded_terminal, make_renderer, speaking_terminal
from r9s.cli.chat.turn import ChatError, TurnResult, TurnSettings, history_path, run_turn
from r9s.cli.common import interact
from r9s.cli.common.errors import UsageError
from r9s.cli.common.files import KEY_FILE_MODE, display, make_dirs
from r9s.cli.common.i18n import N_, _
from r9s.cli.common.terminal import printable

if TYPE_CHECKING:
    from r9s.cli.common.api import Connection
    from r9s.client import R9S
    from r9s.tools import ToolCall

HELP = N_("""\
/help              this help
/model [NAME]      the model and the chat models there are, or switch to NAME
/system [TEXT]     show the system prompt, or set it (/system --clear removes it)
/clear             start a new conversation (same model and system prompt)
                   (every turn is kept in the log: r9s logs, r9s chat --resume)
/save FILE         write the conversation to FILE (Markdown, or JSON for .json)
/copy              copy the last answer to the clipboard
/usage             tokens used so far and the speed of the last answer
/timing [on|off]   the last answer's timing (router, upstream, total); on: after each one
/exit              leave (also Ctrl-D, or Ctrl-C on an empty line)
Enter sends; Esc then Enter adds a line; Ctrl-R searches the history;
Ctrl-C stops an answer; //text sends "/text".""")

COMMANDS = (
    "/help",
    "/model",
    "/system",
    "/clear",
    "/save",
    "/copy",
    "/usage",
    "/timing",
    "/exit",
    "/quit",
)


class Repl:
    def __init__(
        self,
        args: argparse.Namespace,
        conn: Connection,
        client: R9S,
        conversation: Conversation,
        images: list[str],
        history: ChatLog,
        files: list[Attachment] | None = None,
        settings: TurnSettings | None = None,
        wrap_first: Callable[[str], str] | None = None,
    ) -> None:
        self.args = args
        self.conn = conn
        self.client = client
        self.conversation = conversation
        self.pending_images = images
        self.pending_files = list(files or [])
        self.history = history
        self.wrap_first = wrap_first  # a template's prompt around the first message
        self.settings = settings or TurnSettings(stream=not args.no_stream)
        self.approve_tools = bool(getattr(args, "yes", False))
        if self.settings.tools:
            from r9s.cli.chat.functions import gated

            self.settings.tools = gated(self.settings.tools)
            self.settings.confirm = self._confirm_call
        self.last: TurnResult | None = None
        self.session: Any = None

    # -- input --------------------------------------------------------------------------

    def _session(self) -> Any:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import WordCompleter
        from prompt_toolkit.filters import is_searching
        from prompt_toolkit.history import FileHistory
        from prompt_toolkit.key_binding import KeyBindings

        history: Any
        path = history_path()
        try:
            make_dirs(path.parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, KEY_FILE_MODE)
            os.close(fd)
            history = FileHistory(str(path))
        except OSError as exc:
            from prompt_toolkit.history import InMemoryHistory

            from r9s.cli.common.errors import describe

            interact.warn(
                _("the input history is not kept: {describe}").format(describe=describe(exc))
            )
            history = InMemoryHistory()
        bindings = KeyBindings()

        @bindings.add("enter", filter=~is_searching)
        def _send(event: Any) -> None:
            event.current_buffer.validate_and_handle()

        @bindings.add("escape", "enter")
        def _newline(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        @bindings.add("c-c")
        def _interrupt(event: Any) -> None:
            buffer = event.current_buffer
            if buffer.text:
                buffer.reset()
            else:
                event.app.exit(exception=KeyboardInterrupt)

        output = None
        if not sys.stdout.isatty():
            from prompt_toolkit.output import create_output

            output = create_output(stdout=sys.stderr)
        return PromptSession(
            history=history,
            multiline=True,
            key_bindings=bindings,
            prompt_continuation=lambda width, line, wrap: "." * (width - 1) + " ",
            completer=WordCompleter(list(COMMANDS), sentence=True),
            complete_while_typing=False,
            output=output,
        )

    def _read(self) -> str | None:
        """The next entry; None to leave (Ctrl-D, Ctrl-C on an empty line)."""
        try:
            text: str = self.session.prompt(self._prompt())
        except (EOFError, KeyboardInterrupt):
            return None
        return text

    def _prompt(self) -> Any:
        from prompt_toolkit.formatted_text import FormattedText

        if interact.no_color():
            return FormattedText([("", "> ")])
        return FormattedText([("ansicyan bold", "> ")])

    # -- the loop -----------------------------------------------------------------------

    def run(self) -> int:
        with guarded_terminal():  # cooked again, even if killed at the prompt
            return self._loop()

    def _loop(self) -> int:
        self.session = self._session()
        self._greet()
        while True:
            text = self._read()
            if text is None:
                interact.say(_("Bye."))
                return 0
            stripped = text.strip()
            if not stripped and not self.pending_images and not self.pending_files:
                continue
            if stripped.startswith("/") and not stripped.startswith("//"):
                if self._command(stripped) is False:
                    return 0
                continue
            if stripped.startswith("//"):
                text = text.lstrip()[1:]
            self._ask(text.strip())

    def _greet(self) -> None:
        conv = self.conversation
        where = f"{conv.model} via the {conv.api} API"
        if conv.messages:
            turns = sum(1 for m in conv.messages if m.role == "user")
            interact.say(
                _("Resumed chat {id} ({turns} turns) with {where}.").format(
                    id=conv.id, turns=turns, where=where
                )
            )
            for message in conv.messages[-2:]:
                who = "you" if message.role == "user" else conv.model
                first = message.content.strip().splitlines()[0] if message.content.strip() else ""
                interact.say(f"  {who}: {printable(first[:100])}")
        else:
            interact.say(
                _("Chatting with {where}. /help for commands, Ctrl-D to leave.").format(where=where)
            )
        if conv.system:
            interact.say(_("System prompt: {system}").format(system=conv.system[:100]))
        if not self.history.enabled:
            if self.args.no_log:
                interact.say(_("This chat is not kept (--no-log)."))
            else:
                interact.say(_("This chat is not kept (the log is off: r9s logs on)."))
        if self.pending_images or self.pending_files:
            from r9s.cli.common.i18n import ngettext

            count = len(self.pending_images) + len(self.pending_files)
            interact.say(
                ngettext(
                    "{count} attachment will go with your first message.",
                    "{count} attachments will go with your first message.",
                    count,
                ).format(count=count)
            )
        if self.settings.tools:
            names = ", ".join(tool.name for tool in self.settings.tools)
            if self.approve_tools:
                interact.say(_("Tools: {names} (run without asking).").format(names=names))
            else:
                interact.say(_("Tools: {names} (each call asks first).").format(names=names))

    def _confirm_call(self, call: ToolCall, shown: str) -> bool:
        """Whether the tool call (already shown) may run: y, n, or a (all from now on)."""
        if self.approve_tools:
            return True
        with speaking_terminal():
            while True:
                answer = interact.ask_text(
                    _("Run {name}? y(es), n(o), a(ll from now on)").format(name=call.name), "y"
                ).lower()
                if answer in ("y", "yes"):
                    return True
                if answer in ("n", "no"):
                    return False
                if answer in ("a", "all", "always"):
                    self.approve_tools = True
                    return True

    def _ask(self, text: str) -> None:
        from r9s.cli.common.errors import describe

        conv = self.conversation
        if self.wrap_first is not None:
            try:
                text = self.wrap_first(text)
            except UsageError as exc:
                interact.error(str(exc))
                return
            self.wrap_first = None
        question = Message("user", text, self.pending_images, files=self.pending_files)
        conv.messages.append(question)
        renderer = make_renderer(self.args.plain)
        started = time.time()
        try:
            result = run_turn(self.client, conv, renderer, settings=self.settings)
        except ChatError as exc:
            conv.messages.pop()
            interact.error(str(exc))
            return
        except Exception as exc:  # one line; the conversation goes on without this turn
            if os.environ.get("R9S_DEBUG"):
                raise
            conv.messages.pop()
            self.history.failed(conv, question, exc, started)
            interact.error(describe(exc))
            return
        self.pending_images = []
        self.pending_files = []
        self.last = result
        if result.interrupted:
            if result.text or result.tool_rounds:
                interact.say(_("(interrupted; the partial answer is kept)"))
            else:
                interact.say(_("(interrupted; nothing arrived)"))
        if result.text or result.tool_rounds or not result.interrupted:
            conv.messages.append(
                Message(
                    "assistant",
                    result.text,
                    interrupted=result.interrupted,
                    tool_rounds=result.tool_rounds,
                )
            )
            self.history.record(conv, exchange_of(conv, question, result, started=started))
        else:
            conv.messages.pop()  # nothing arrived: as if the question was not sent
        if result.usage is not None:
            conv.usage.input_tokens += result.usage.input_tokens
            conv.usage.output_tokens += result.usage.output_tokens
        if result.problem:
            interact.error(result.problem)
        if self.args.stats:
            interact.say(result.stats())
        if self.settings.timing:
            interact.say(result.timing())

    # -- slash commands -----------------------------------------------------------------

    def _command(self, line: str) -> bool:
        """Run a slash command; False to leave."""
        name, _space, rest = line.partition(" ")
        rest = rest.strip()
        handlers: dict[str, Callable[[str], bool | None]] = {
            "/help": lambda rest: interact.say(_(HELP)),
            "/model": self._model,
            "/system": self._system,
            "/clear": self._clear,
            "/save": self._save_to,
            "/copy": self._copy,
            "/usage": self._usage,
            "/timing": self._timing,
            "/exit": lambda rest: False,
            "/quit": lambda rest: False,
        }
        handler = handlers.get(name.lower())
        if handler is None:
            from r9s.cli.common.errors import did_you_mean

            close = did_you_mean(name.lower(), list(handlers))
            if close:
                interact.say(
                    _("Unknown command {name}; did you mean {close}? (/help lists them)").format(
                        name=name, close=close
                    )
                )
            else:
                interact.say(_("Unknown command {name}; /help lists them.").format(name=name))
            return True
        return handler(rest) is not False

    def _model(self, name: str) -> None:
        from r9s.cli.common.api import ModelListError, is_chat_model, list_models
        from r9s.cli.common.errors import closest_models, remember

        conv = self.conversation
        ids: list[str] = []
        chat_ids: list[str] = []
        if self.conn.api_key:
            try:
                models = list_models(
                    self.conn.base_url, self.conn.api_key, expand=("endpoints", "modality")
                )
            except ModelListError as exc:
                interact.warn(_("cannot list models: {problem}").format(problem=exc))
            else:
                ids = [m.id for m in models]
                chat_ids = sorted(m.id for m in models if is_chat_model(m, conv.api))
        if not name:
            interact.say(_("Model: {model}").format(model=conv.model))
            if chat_ids:
                interact.say(
                    _("Chat models for the {api} API (/model NAME switches):").format(api=conv.api)
                )
                for model_id in chat_ids:
                    marker = "*" if model_id == conv.model else " "
                    interact.say(f"{marker} {printable(model_id)}")
            return
        if ids and name not in ids:
            close = closest_models(name, chat_ids or ids)
            if close:
                interact.say(
                    _(
                        "Unknown model {name!r}; did you mean: {close}? The model stays {model}."
                    ).format(name=name, close=printable(", ".join(close)), model=conv.model)
                )
            else:
                interact.say(
                    _("Unknown model {name!r}. The model stays {model}.").format(
                        name=name, model=conv.model
                    )
                )
            return
        conv.model = name
        remember(model=name)
        interact.say(_("Model: {model}").format(model=name))
        self.history.update(conv)

    def _system(self, text: str) -> None:
        conv = self.conversation
        if not text:
            if conv.system:
                interact.say(_("System prompt: {system}").format(system=conv.system))
            else:
                interact.say(_("No system prompt."))
            return
        conv.system = None if text == "--clear" else text
        interact.say(
            _("System prompt removed.") if conv.system is None else _("System prompt set.")
        )
        self.history.update(conv)

    def _clear(self, rest: str) -> None:
        conv = self.conversation
        conv.messages = []
        conv.usage = Usage()
        conv.id = new_id()
        self.last = None
        if self.history.enabled:
            interact.say(_("New conversation (the previous one stays in the log)."))
        else:
            interact.say(_("New conversation."))

    def _save_to(self, target: str) -> None:
        if not target:
            interact.say(_("Usage: /save FILE"))
            return
        path = Path(target).expanduser()
        try:
            write_export(self.conversation, path)
        except OSError as exc:
            from r9s.cli.common.errors import describe

            interact.error(describe(exc))
            return
        interact.say(_("Saved to {display}").format(display=display(path.resolve())))

    def _last_answer(self) -> str | None:
        for message in reversed(self.conversation.messages):
            if message.role == "assistant":
                return message.content
        return None

    def _copy(self, rest: str) -> None:
        answer = self._last_answer()
        if not answer:
            interact.say(_("No answer to copy yet."))
            return
        how = copy_to_clipboard(answer)
        interact.say(_("Copied {count} characters ({how}).").format(count=len(answer), how=how))

    def _timing(self, rest: str) -> None:
        word = rest.lower()
        if word in ("on", "off"):
            self.settings.timing = word == "on"
            if self.settings.timing:
                interact.say(_("Timing on: shown after each answer."))
            else:
                interact.say(_("Timing off."))
            return
        if word:
            interact.say(_("Usage: /timing [on|off]"))
            return
        if self.last is not None:
            interact.say(self.last.timing())
        else:
            interact.say(_("No answer to time yet."))
        if not self.settings.timing:
            self.settings.timing = True
            interact.say(_("Timing on: shown after each answer (/timing off stops it)."))

    def _usage(self, rest: str) -> None:
        usage = self.conversation.usage
        interact.say(
            _("This chat: {input_tokens} tokens in, {output_tokens} out ({model}).").format(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                model=self.conversation.model,
            )
        )
        if self.last is not None:
            interact.say(_("Last answer: {stats}").format(stats=self.last.stats()))


CLIPBOARD_TOOLS = (
    ("wl-copy",),
    ("xclip", "-selection", "clipboard"),
    ("xsel", "--clipboard", "--input"),
    ("pbcopy",),
    ("clip.exe",),
)


def copy_to_clipboard(text: str) -> str:
    """Copy with a clipboard tool when one is installed, and always with the terminal's
    OSC 52 sequence (works over SSH and in tmux with set-clipboard on)."""
    used = []
    for command in CLIPBOARD_TOOLS:
        if shutil.which(command[0]):
            try:
                subprocess.run(
                    command, input=text.encode(), check=True, timeout=5, capture_output=True
                )
                used.append(command[0])
                break
            except (OSError, subprocess.SubprocessError):
                continue
    if interact.draws_on(sys.stderr):
        encoded = base64.b64encode(text.encode()).decode("ascii")
        sys.stderr.write(f"\033]52;c;{encoded}\a")
        sys.stderr.flush()
        used.append("terminal")
    return " and ".join(used) if used else "no clipboard found"
