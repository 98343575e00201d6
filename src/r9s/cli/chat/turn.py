"""One turn of ``r9s chat``: send the conversation, stream and render the answer, time it.

Shared by the one-shot mode (:mod:`r9s.cli.chat.main`) and the interactive loop
(:mod:`r9s.cli.chat.repl`). A turn is one of four kinds: a plain answer (streamed or
not), a structured answer (``--schema``: ``parse``), or a tool run (``--functions``:
``run_tools``, each call shown and, when asked, confirmed first). Whatever the kind, the
:class:`TurnResult` holds what the turn gave (text, reasoning, tool calls, the parsed
object, usage, timing) so that it can be saved or logged as it is.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r9s.cli.chat.conversation import (
    Conversation,
    ToolRound,
    ToolUse,
    Usage,
    deltas_of,
    describe_call,
    describe_result,
    problem_of,
    reasoning_of,
    request_params,
    text_of,
    usage_of,
)
from r9s.cli.chat.render import Renderer, quiet_terminal
from r9s.cli.common.errors import UsageError
from r9s.cli.common.i18n import _

if TYPE_CHECKING:
    from r9s.client import R9S
    from r9s.tools import Tool, ToolCall

PROBE_HEADER = "X-NextRouter-SSE-Probe"
PROBE_COMMENT = "R9S PROCESSING"
# The keyword naming the output type of each API's parse()
PARSE_KEYWORDS = {
    "chat": "response_format",
    "responses": "text_format",
    "messages": "output_format",
}


class ChatError(UsageError):
    """A usage problem with the chat's arguments (one line, exit 2)."""


class BrokenAnswer(Exception):
    """The connection failed after part of the answer (``partial``) was shown."""

    def __init__(self, message: str, partial: str = "") -> None:
        super().__init__(message)
        self.partial = partial


@dataclass
class TurnSettings:
    """How a turn is run, beyond the conversation itself (not saved with it)."""

    stream: bool = True
    show_reasoning: bool = True
    timing: bool = False  # ask the router for its probe (X-NextRouter-SSE-Probe)
    schema: dict[str, Any] | None = None  # --schema: a structured answer
    tools: list[Tool[..., Any]] = field(default_factory=list)  # --functions
    max_turns: int = 10  # requests of one tool run, at the most
    # Asked before each tool call runs (the call, "-> name(arguments)"); None runs all.
    confirm: Callable[[ToolCall, str], bool] | None = None


@dataclass
class TurnResult:
    text: str
    interrupted: bool = False
    usage: Usage | None = None
    ttft: float | None = None  # seconds from sending to the first token
    elapsed: float = 0.0
    generating: float | None = None  # seconds from the first token to the end
    final: Any = None
    reasoning: str = ""
    tool_rounds: list[ToolRound] = field(default_factory=list)
    parsed: Any = None  # --schema: the object (a dict)
    problem: str | None = None  # why the answer is not whole (failed, incomplete, refused)
    router: float | None = None  # seconds until the router's probe comment, if it came

    def stats(self) -> str:
        parts = []
        if self.usage is not None:
            parts.append(
                _("{tokens_in} tokens in, {tokens_out} out").format(
                    tokens_in=self.usage.input_tokens, tokens_out=self.usage.output_tokens
                )
            )
        if self.ttft is not None:
            parts.append(_("first token {seconds:.2f} s").format(seconds=self.ttft))
        if self.usage is not None and self.generating:
            rate = self.usage.output_tokens / self.generating
            parts.append(_("{rate:.1f} tokens/s").format(rate=rate))
        parts.append(_("total {seconds:.2f} s").format(seconds=self.elapsed))
        return " · ".join(parts)

    def timing(self) -> str:
        """``--timing``: the router's time, the upstream's time to the first token, the
        total and the speed (r9s 0.9's line)."""
        parts = []
        if self.router is not None:
            parts.append(_("router {ms:.0f} ms").format(ms=self.router * 1000))
            if self.ttft is not None:
                upstream = max(0.0, self.ttft - self.router)
                parts.append(_("upstream first token {ms:.0f} ms").format(ms=upstream * 1000))
        else:
            parts.append(_("router time not reported"))
        if self.ttft is not None:
            parts.append(_("first token {ms:.0f} ms").format(ms=self.ttft * 1000))
        parts.append(_("total {ms:.0f} ms").format(ms=self.elapsed * 1000))
        if self.usage is not None and self.generating:
            rate = self.usage.output_tokens / self.generating
            parts.append(_("{rate:.1f} tokens/s").format(rate=rate))
        return _("timing: {parts}").format(parts=" · ".join(parts))


def resource_for(client: R9S, api: str) -> Any:
    resource = getattr(client, api, None)
    if resource is None or not hasattr(resource, "create"):
        raise ChatError(_("this version of r9s has no {api!r} API; use --api chat").format(api=api))
    return resource


def turn_params(
    conversation: Conversation, settings: TurnSettings, streaming: bool
) -> dict[str, Any]:
    """The keyword arguments of the request a turn sends (usage asked for in a chat
    stream; the router's probe with ``timing``)."""
    params = request_params(
        conversation, with_tools=bool(settings.tools), show_reasoning=settings.show_reasoning
    )
    if settings.timing:
        params["extra_headers"] = {PROBE_HEADER: "r9s"}
    if streaming and conversation.api == "chat":
        params["stream_options"] = {"include_usage": True}
    return params


class Answer:
    """What a turn gathers while it runs: text, reasoning, tool rounds, when the first
    token came; everything it receives is shown through the renderer (a terminal's, or
    the web page's pane)."""

    def __init__(self, renderer: Renderer, show_reasoning: bool) -> None:
        self.renderer = renderer
        self.show_reasoning = show_reasoning
        self.parts: list[str] = []
        self.reasoning: list[str] = []
        self.rounds: list[ToolRound] = []
        self.calls: dict[str, ToolUse] = {}
        self.answered: set[str] = set()
        self.first_at: float | None = None

    def _first(self) -> None:
        if self.first_at is None:
            self.first_at = time.monotonic()

    def text(self, delta: str | None, show: bool = True) -> None:
        if not delta:
            return
        self._first()
        self.parts.append(delta)
        if show:
            self.renderer.feed(delta)

    def thought(self, delta: str | None) -> None:
        if not delta:
            return
        self._first()
        self.reasoning.append(delta)
        if self.show_reasoning:
            self.renderer.reasoning(delta)

    def event(self, event: Any, show_text: bool = True) -> None:
        text, reasoning = deltas_of(event)
        self.thought(reasoning)
        self.text(text, show_text)

    def call(self, call: ToolCall) -> ToolUse:
        arguments = call.arguments
        text = arguments if isinstance(arguments, str) else json.dumps(dict(arguments))
        use = ToolUse(call.id, call.name, text)
        last = self.rounds[-1].calls if self.rounds else []
        if not last or self.parts or all(other.id in self.answered for other in last):
            # a new round of calls; what the model wrote before it belongs to it
            self.rounds.append(ToolRound([], self.joined))
            self.parts = []
        self.rounds[-1].calls.append(use)
        self.calls[call.id] = use
        self.renderer.aside(describe_call(call.name, text))
        return use

    def result(self, call_id: str, content: str, is_error: bool) -> None:
        use = self.calls.get(call_id)
        if use is not None:
            use.result, use.is_error = content, is_error
            self.answered.add(call_id)
        self.renderer.aside(describe_result(content, is_error))

    @property
    def joined(self) -> str:
        return "".join(self.parts)


def run_turn(
    client: R9S,
    conversation: Conversation,
    renderer: Renderer,
    *,
    stream: bool = True,
    catch_interrupt: bool = True,
    settings: TurnSettings | None = None,
) -> TurnResult:
    """Send the conversation and show the answer; Ctrl-C closes the stream and returns
    what arrived so far (``interrupted``). API errors propagate; an answer that is not
    whole (a failed or incomplete response, a cut or refused one) is shown and said in
    ``problem``."""
    settings = settings or TurnSettings(stream=stream)
    streaming = settings.stream and stream
    params = turn_params(conversation, settings, streaming)
    resource = resource_for(client, conversation.api)
    answer = Answer(renderer, settings.show_reasoning)
    started = time.monotonic()
    renderer.waiting(_("waiting for {model}").format(model=conversation.model))
    result = TurnResult("")
    events: Any = None
    try:
        with quiet_terminal():
            if settings.tools:
                # streamed whatever --no-stream says: each call is shown as it comes
                events = resource.run_tools(
                    **params, tools=settings.tools, max_turns=settings.max_turns, stream=True
                )
                result.final = _tool_run(events, answer, settings)
            elif settings.schema is not None:
                keyword = PARSE_KEYWORDS[conversation.api]
                if not streaming:
                    result.final = resource.parse(**params, **{keyword: settings.schema})
                    answer.thought(reasoning_of(result.final))
                    answer.first_at = None
                else:
                    events = resource.parse(**params, **{keyword: settings.schema}, stream=True)
                    for event in events:
                        answer.event(event.event, show_text=False)
                    result.final = events.get_final()
                result.parsed = _parsed(result.final)
            elif streaming:
                events = resource.create(stream=True, **params)
                for event in events:
                    answer.event(event)
                result.final = events.get_final()
            else:
                result.final = resource.create(**params)
                answer.thought(reasoning_of(result.final))
                answer.text(text_of(result.final))
                answer.first_at = None  # the whole answer came at once: no first token
    except KeyboardInterrupt:
        result.interrupted = True
        if not catch_interrupt:
            _close(events)
            renderer.finish()
            raise
    except Exception as exc:
        from r9s import errors

        if answer.parts and isinstance(exc, errors.APIConnectionError):
            from r9s.cli.common.errors import connection_reason

            _close(events)
            renderer.finish()
            raise BrokenAnswer(
                _(
                    "the connection broke in the middle of the answer ({reason}): it is "
                    "incomplete; try again"
                ).format(reason=connection_reason(exc)),
                answer.joined,
            ) from exc
        if answer.joined:
            exc.partial = answer.joined  # type: ignore[attr-defined]  # for the log
        _close(events)
        renderer.finish()
        raise
    _close(events)
    if result.parsed is not None:
        shown = json.dumps(result.parsed, ensure_ascii=False, indent=2)
        answer.parts = [shown]
        renderer.code(shown, "json")
    renderer.finish()
    settle(result, answer, events, started)
    if not result.interrupted and result.final is not None:
        if getattr(result.final, "max_turns_reached", False):
            result.problem = _(
                "the model was still calling tools after {turns} requests; the exchange stops there"
            ).format(turns=result.final.turns)
        if settings.schema is not None and result.parsed is None and result.problem is None:
            result.problem = _("the model gave no object: {why}").format(
                why=_refusal(result.final) or _("no reason given")
            )
    return result


def settle(result: TurnResult, answer: Answer, events: Any, started: float) -> TurnResult:
    """Fill ``result`` from what the turn gathered, once it is over (whole or
    interrupted): text, reasoning, timing (``started``: ``time.monotonic()`` when the
    request went), the router's time and, unless interrupted, usage and any problem."""
    ended = time.monotonic()
    result.text = answer.joined
    result.reasoning = "".join(answer.reasoning)
    result.tool_rounds = answer.rounds
    result.elapsed = ended - started
    if answer.first_at is not None:
        result.ttft = answer.first_at - started
        result.generating = ended - answer.first_at
    result.router = _router_time(events, started)
    if not result.interrupted and result.final is not None:
        result.usage = usage_of(result.final)
        result.problem = problem_of(result.final)
    return result


def _close(events: Any) -> None:
    if events is not None:
        events.close()


def _tool_run(run: Any, answer: Answer, settings: TurnSettings) -> Any:
    from r9s.tools import TextEvent, ToolCallEvent, ToolResultEvent

    for event in run:
        if isinstance(event, TextEvent):
            answer.text(event.text)
        elif isinstance(event, ToolCallEvent):
            use = answer.call(event.call)
            if settings.confirm is not None:
                allowed = settings.confirm(event.call, describe_call(use.name, use.arguments))
                _decide(settings.tools, event.call, allowed)
        elif isinstance(event, ToolResultEvent):
            result = event.result
            answer.result(result.call.id, result.content, result.is_error)
    return run.get_final()


def _decide(tools: list[Tool[..., Any]], call: ToolCall, allowed: bool) -> None:
    from r9s.cli.chat.functions import Gated

    for tool in tools:
        if isinstance(tool, Gated) and tool.name == call.name:
            tool.decide(call.arguments, allowed)


def _parsed(final: Any) -> Any:
    for name in ("output_parsed", "parsed_output", "parsed"):
        value = getattr(final, name, None)
        if value is not None:
            return value
    return None


def _refusal(final: Any) -> str | None:
    choices = getattr(final, "choices", None)
    if choices:
        refusal = getattr(choices[0].message, "refusal", None)
        return refusal if isinstance(refusal, str) else None
    refusal = getattr(final, "refusal", None)
    return refusal if isinstance(refusal, str) else None


def _router_time(events: Any, started: float) -> float | None:
    for comment in getattr(events, "comments", None) or ():
        if comment.text.strip() == PROBE_COMMENT:
            return float(comment.received_at - started)
    return None


def history_path() -> Path:
    from r9s.cli.common.settings import state_dir

    return state_dir() / "chat_history"
