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

from r9s.cli.chat.conversation import Conversation, Message, Usage, new_id, write_export
from r9s.cli.chat.history import ChatLog, exchange_of
from r9s.cli.chat.render import make_renderer
from r9s.cli.chat.turn import ChatError, TurnResult, history_path, run_turn
from r9s.cli.common import interact
from r9s.cli.common.errors import UsageError
from r9s.cli.common.files import KEY_FILE_MODE, display, make_dirs
from r9s.cli.common.terminal import printable

if TYPE_CHECKING:
    from r9s.cli.common.api import Connection
    from r9s.client import R9S

HELP = """\
/help              this help
/model [NAME]      show the model and the available ones, or switch to NAME
/system [TEXT]     show the system prompt, or set it (/system --clear removes it)
/clear             start a new conversation (same model and system prompt)
                   (every turn is kept in the log: r9s logs, r9s chat --resume)
/save FILE         write the conversation to FILE (Markdown, or JSON for .json)
/copy              copy the last answer to the clipboard
/usage             tokens used so far and the speed of the last answer
/exit              leave (also Ctrl-D, or Ctrl-C on an empty line)
Enter sends; Esc then Enter adds a line; Ctrl-R searches the history;
Ctrl-C stops an answer; //text sends "/text"."""

COMMANDS = ("/help", "/model", "/system", "/clear", "/save", "/copy", "/usage", "/exit", "/quit")


class Repl:
    def __init__(
        self,
        args: argparse.Namespace,
        conn: Connection,
        client: R9S,
        conversation: Conversation,
        images: list[str],
        history: ChatLog,
        wrap_first: Callable[[str], str] | None = None,
    ) -> None:
        self.args = args
        self.conn = conn
        self.client = client
        self.conversation = conversation
        self.pending_images = images
        self.history = history
        self.wrap_first = wrap_first  # a template's prompt around the first message
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

            interact.warn(f"the input history is not kept: {describe(exc)}")
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
        self.session = self._session()
        self._greet()
        while True:
            text = self._read()
            if text is None:
                interact.say("Bye.")
                return 0
            stripped = text.strip()
            if not stripped and not self.pending_images:
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
            interact.say(f"Resumed chat {conv.id} ({turns} turns) with {where}.")
            for message in conv.messages[-2:]:
                who = "you" if message.role == "user" else conv.model
                first = message.content.strip().splitlines()[0] if message.content.strip() else ""
                interact.say(f"  {who}: {first[:100]}")
        else:
            interact.say(f"Chatting with {where}. /help for commands, Ctrl-D to leave.")
        if conv.system:
            interact.say(f"System prompt: {conv.system[:100]}")
        if not self.history.enabled:
            why = "--no-log" if self.args.no_log else "the log is off: r9s logs on"
            interact.say(f"This chat is not kept ({why}).")
        if self.pending_images:
            count = len(self.pending_images)
            interact.say(
                f"{count} image{'s' if count > 1 else ''} will go with your first message."
            )

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
        question = Message("user", text, self.pending_images)
        conv.messages.append(question)
        renderer = make_renderer(self.args.plain)
        started = time.time()
        try:
            result = run_turn(self.client, conv, renderer, stream=not self.args.no_stream)
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
        self.last = result
        if result.interrupted:
            kept = "the partial answer is kept" if result.text else "nothing arrived"
            interact.say(f"(interrupted; {kept})")
        if result.text or not result.interrupted:
            conv.messages.append(Message("assistant", result.text, interrupted=result.interrupted))
            self.history.record(conv, exchange_of(conv, question, result, started=started))
        else:
            conv.messages.pop()  # nothing arrived: as if the question was not sent
        if result.usage is not None:
            conv.usage.input_tokens += result.usage.input_tokens
            conv.usage.output_tokens += result.usage.output_tokens
        if self.args.stats:
            interact.say(result.stats())

    # -- slash commands -----------------------------------------------------------------

    def _command(self, line: str) -> bool:
        """Run a slash command; False to leave."""
        name, _, rest = line.partition(" ")
        rest = rest.strip()
        handlers: dict[str, Callable[[str], bool | None]] = {
            "/help": lambda _: interact.say(HELP),
            "/model": self._model,
            "/system": self._system,
            "/clear": self._clear,
            "/save": self._save_to,
            "/copy": self._copy,
            "/usage": self._usage,
            "/exit": lambda _: False,
            "/quit": lambda _: False,
        }
        handler = handlers.get(name.lower())
        if handler is None:
            interact.say(f"Unknown command {name}; /help lists them.")
            return True
        return handler(rest) is not False

    def _model(self, name: str) -> None:
        from r9s.cli.common.api import ModelListError, list_models
        from r9s.cli.common.errors import closest_models, remember

        ids: list[str] = []
        if self.conn.api_key:
            try:
                ids = [m.id for m in list_models(self.conn.base_url, self.conn.api_key)]
            except ModelListError as exc:
                interact.warn(f"cannot list models: {exc}")
        if not name:
            interact.say(f"Model: {self.conversation.model}")
            if ids:
                interact.say("Available: " + ", ".join(printable(i) for i in ids))
            return
        if ids and name not in ids:
            close = closest_models(name, ids)
            hint = f"; did you mean: {', '.join(close)}?" if close else ""
            interact.say(f"Unknown model {name!r}{hint} The model stays {self.conversation.model}.")
            return
        self.conversation.model = name
        remember(model=name)
        interact.say(f"Model: {name}")
        self.history.update(self.conversation)

    def _system(self, text: str) -> None:
        conv = self.conversation
        if not text:
            interact.say(f"System prompt: {conv.system}" if conv.system else "No system prompt.")
            return
        conv.system = None if text == "--clear" else text
        interact.say("System prompt removed." if conv.system is None else "System prompt set.")
        self.history.update(conv)

    def _clear(self, _: str) -> None:
        conv = self.conversation
        conv.messages = []
        conv.usage = Usage()
        conv.id = new_id()
        self.last = None
        interact.say("New conversation (the previous one stays saved).")

    def _save_to(self, target: str) -> None:
        if not target:
            interact.say("Usage: /save FILE")
            return
        path = Path(target).expanduser()
        try:
            write_export(self.conversation, path)
        except OSError as exc:
            from r9s.cli.common.errors import describe

            interact.error(describe(exc))
            return
        interact.say(f"Saved to {display(path.resolve())}")

    def _last_answer(self) -> str | None:
        for message in reversed(self.conversation.messages):
            if message.role == "assistant":
                return message.content
        return None

    def _copy(self, _: str) -> None:
        answer = self._last_answer()
        if not answer:
            interact.say("No answer to copy yet.")
            return
        how = copy_to_clipboard(answer)
        interact.say(f"Copied {len(answer)} characters ({how}).")

    def _usage(self, _: str) -> None:
        usage = self.conversation.usage
        interact.say(
            f"This chat: {usage.input_tokens} tokens in, {usage.output_tokens} out "
            f"({self.conversation.model})."
        )
        if self.last is not None:
            interact.say(f"Last answer: {self.last.stats()}")


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
