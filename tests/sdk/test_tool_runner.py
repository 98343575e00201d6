"""``run_tools`` against the local server in the three wire formats, sync and async:
several rounds, parallel calls, an async tool, a tool that raises, arguments that fail
validation, ``max_turns``, the streaming form, and going on from ``.messages``.

The echo model calls each tool the user text (or a tool result) names as ``call NAME``,
with the JSON object that follows as its arguments when there is one; after a round of
results it answers ``Echo: <the results>``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

import r9s
from r9s import R9S, errors
from r9s.testing import LocalServer
from r9s.tools import TextEvent, ToolCallEvent, ToolResultEvent
from tests.sdk.conftest import API_KEY
from tests.support.pools import busy_connections
from tests.support.twins import Twin, left_early, method, to_the_end

Format = Literal["chat", "responses", "messages"]
FORMATS: list[Format] = ["chat", "responses", "messages"]
MODEL = {"chat": "gpt-4o-mini", "responses": "gpt-4o-mini", "messages": "claude-sonnet-4-5"}


LOOKUP_RESULT = "it means hello\ncall greet"  # its last line asks for the next call
GREETING = json.dumps({"greeting": "hi", "name_length": len(LOOKUP_RESULT)}, separators=(",", ":"))


@r9s.tool
def lookup(word: str) -> str:
    """Look a word up.

    Args:
        word: The word.
    """
    return LOOKUP_RESULT


@r9s.tool
async def greet(name: str) -> dict[str, str]:
    """Greet someone (an async tool)."""
    await asyncio.sleep(0)
    return {"greeting": "hi", "name_length": len(name)}


@r9s.tool
def explode(reason: str) -> str:
    """A tool that fails."""
    raise RuntimeError("the tool broke")


class Weather(BaseModel):
    """The weather in a city (a pydantic model as a tool)."""

    city: str = Field(min_length=2)
    days: int = Field(default=1, ge=1, le=7)

    def __call__(self) -> str:
        return f"sunny in {self.city} for {self.days} days"


@r9s.tool
def again(step: str) -> str:
    """Always asks to be called again (a loop only max_turns ends)."""
    return "call again"


def conversation(fmt: Format, text: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"model": MODEL[fmt]}
    if fmt == "responses":
        kwargs["input"] = text
    else:
        kwargs["messages"] = [{"role": "user", "content": text}]
    if fmt == "messages":
        kwargs["max_tokens"] = 512
    return kwargs


def history(fmt: Format, run: Any) -> list[Any]:
    return list(run.input if fmt == "responses" else run.messages)


def text_of(fmt: Format, run: Any) -> str:
    return str(run.output_text if fmt == "responses" else run.text)


class Runner:
    """``<fmt>.run_tools(...)`` on a client, sync or async."""

    def __init__(self, r9s: Twin) -> None:
        self.r9s = r9s
        self.mode = r9s.mode

    def __call__(self, fmt: Format, **kwargs: Any) -> Any:
        return method(self.r9s, f"{fmt}.run_tools")(**kwargs)

    def events(self, fmt: Format, **kwargs: Any) -> tuple[list[Any], Any]:
        """``(every event, get_final())`` of a streamed run."""
        call = method(self.r9s, f"{fmt}.run_tools")
        events, final = call(stream=True, consume=to_the_end, **kwargs)
        return events, final


@pytest.fixture
def run_tools(r9s: Twin) -> Runner:
    return Runner(r9s)


@pytest.mark.parametrize("fmt", FORMATS)
def test_several_rounds_with_an_async_tool(
    run_tools: Runner, server: LocalServer, fmt: Format
) -> None:
    run = run_tools(fmt, tools=[lookup, greet], **conversation(fmt, "call lookup"))
    # round 1: lookup; its result asks for greet; round 2: greet; round 3: the answer
    assert run.turns == 3 and not run.max_turns_reached
    assert text_of(fmt, run) == f"Echo: {GREETING}"
    assert len(server.requests) == 3
    sent = server.requests[0].json
    names = [t.get("name") or t["function"]["name"] for t in sent["tools"]]
    assert names == ["lookup", "greet"]
    # each request carries the whole exchange so far
    assert len(json.dumps(server.requests[2].json)) > len(json.dumps(server.requests[1].json))


@pytest.mark.parametrize("fmt", FORMATS)
def test_parallel_calls_run_at_once(run_tools: Runner, server: LocalServer, fmt: Format) -> None:
    barrier = threading.Barrier(2, timeout=10)  # both must be running for either to return
    seen: list[str] = []

    @r9s.tool
    def first(x: str) -> str:
        barrier.wait()
        seen.append("first")
        return "one"

    @r9s.tool
    def second(x: str) -> str:
        barrier.wait()
        seen.append("second")
        return "two"

    run = run_tools(fmt, tools=[first, second], **conversation(fmt, "call first and call second"))
    assert sorted(seen) == ["first", "second"]
    assert text_of(fmt, run) == "Echo: one\ntwo"  # results in the order of the calls
    assert run.turns == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_tool_that_raises_is_an_error_result(
    mode: str, server: LocalServer, fmt: Format, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger(f"test.tools.{fmt}.{mode}")
    with caplog.at_level(logging.WARNING, logger=logger.name):
        with R9S(api_key=API_KEY, server_url=server.url, debug_logger=logger) as client:
            run = Runner(Twin(client, mode))(
                fmt, tools=[explode], **conversation(fmt, "call explode")
            )
    assert text_of(fmt, run) == "Echo: Error: RuntimeError: the tool broke"
    assert "tool explode raised RuntimeError" in caplog.text
    if fmt == "messages":
        result = run.messages[2]["content"][0]
        assert result["type"] == "tool_result" and result["is_error"] is True


@pytest.mark.parametrize("fmt", FORMATS)
def test_raise_on_tool_error(run_tools: Runner, server: LocalServer, fmt: Format) -> None:
    with pytest.raises(RuntimeError, match="the tool broke"):
        run_tools(
            fmt, tools=[explode], raise_on_tool_error=True, **conversation(fmt, "call explode")
        )
    assert len(server.requests) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_arguments_go_back_to_the_model(run_tools: Runner, fmt: Format) -> None:
    # The model (asked to) sends arguments the model class rejects: the tool is not
    # run, and the model reads what was wrong.
    text = 'call Weather {"city": "X", "days": 9}'
    run = run_tools(fmt, tools=[Weather], **conversation(fmt, text))
    answer = text_of(fmt, run)
    assert answer.startswith("Echo: Error: invalid arguments for Weather:")
    assert "city: String should have at least 2 characters" in answer
    assert "days: Input should be less than or equal to 7" in answer
    assert "sunny" not in answer


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_model_tool_runs_its_call(run_tools: Runner, fmt: Format) -> None:
    run = run_tools(fmt, tools=[Weather], **conversation(fmt, 'call Weather {"city": "Oslo"}'))
    assert text_of(fmt, run) == "Echo: sunny in Oslo for 1 days"


@pytest.mark.parametrize("fmt", FORMATS)
def test_max_turns(run_tools: Runner, server: LocalServer, fmt: Format) -> None:
    run = run_tools(fmt, tools=[again], max_turns=3, **conversation(fmt, "start: call again"))
    assert run.turns == 3 and run.max_turns_reached
    assert len(server.requests) == 3
    assert run_tools.mode in ("sync", "async")
    # the last calls were run: the exchange ends with their results, ready to go on
    last = history(fmt, run)[-1]
    assert "call again" in json.dumps(last)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_exchange_goes_on(run_tools: Runner, server: LocalServer, fmt: Format) -> None:
    run = run_tools(fmt, tools=[lookup, greet], **conversation(fmt, "call greet"))
    turns = history(fmt, run)
    follow_up = {"role": "user", "content": "thanks"}
    key = "input" if fmt == "responses" else "messages"
    more = run_tools(
        fmt, tools=[lookup, greet], **{**conversation(fmt, ""), key: [*turns, follow_up]}
    )
    assert text_of(fmt, more) == "Echo: thanks"
    sent = server.requests[-1].json[key]
    assert len(sent) == len(turns) + 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_and_unrunnable_tools(run_tools: Runner, fmt: Format) -> None:
    # a tool given as a definition only: sent, but a call of it cannot be run
    definition: dict[str, Any] = {
        "chat": {"type": "function", "function": {"name": "remote", "parameters": {}}},
        "responses": {"type": "function", "name": "remote", "parameters": {}},
        "messages": {"name": "remote", "input_schema": {"type": "object"}},
    }[fmt]
    run = run_tools(fmt, tools=[definition, lookup], **conversation(fmt, "call remote"))
    assert text_of(fmt, run) == "Echo: Error: there is no tool named 'remote' (tools: lookup)."


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_streaming_form(run_tools: Runner, fmt: Format) -> None:
    events, final = run_tools.events(fmt, tools=[lookup, greet], **conversation(fmt, "call lookup"))
    kinds = [event.type for event in events]
    assert kinds.count("tool_call") == 2 and kinds.count("tool_result") == 2
    assert kinds.index("tool_call") < kinds.index("tool_result")
    calls = [event.call.name for event in events if isinstance(event, ToolCallEvent)]
    assert calls == ["lookup", "greet"]
    results = [event.result for event in events if isinstance(event, ToolResultEvent)]
    assert results[1].value["greeting"] == "hi" and not results[1].is_error
    text = "".join(event.text for event in events if isinstance(event, TextEvent))
    assert text.endswith(f"Echo: {GREETING}")
    assert kinds[-1] == "text"  # the answer streams after the last results
    assert text_of(fmt, final) == text.removeprefix("Calling lookup.").removeprefix(
        "Calling greet."
    )


def test_leaving_a_streamed_run_early_stops_it(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        with client.chat.run_tools(
            tools=[lookup, greet], stream=True, **conversation("chat", "call lookup")
        ) as run:
            for event in run:
                if isinstance(event, ToolCallEvent):
                    break
        with pytest.raises(errors.IncompleteStreamError, match="closed before its end"):
            run.get_final()
    assert len(server.requests) == 1  # nothing more was sent


@pytest.mark.parametrize("fmt", FORMATS)
def test_breaking_out_of_a_streamed_run_stops_it_like_any_stream(
    mode: str, server: LocalServer, fmt: Format
) -> None:
    # The first event is the first word of an answer still streaming: leaving the loop
    # (no with, no close) closes that answer's connection and ends the run.
    with R9S(api_key=API_KEY, server_url=server.url) as client:

        def leave(run: Any) -> Any:
            outcome = left_early(run)
            if mode == "sync":
                return (*outcome, busy_connections(client.http_client))

            async def after() -> Any:
                first, error = await outcome
                http = client.async_http_client
                for _ in range(100):  # httpx frees the pool's connection a few turns later
                    if not busy_connections(http):
                        break
                    await asyncio.sleep(0)
                return first, error, busy_connections(http)

            return after()

        first, error, busy = method(Twin(client, mode), f"{fmt}.run_tools")(
            stream=True, consume=leave, tools=[lookup], **conversation(fmt, "one two three four")
        )
    assert isinstance(first, TextEvent)
    assert busy == 0
    assert isinstance(error, errors.IncompleteStreamError) and error.reason == "closed"
    assert "the tool run was closed before its end" in str(error)
    assert len(server.requests) == 1  # nothing more was sent


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_run_carries_the_last_request_id(run_tools: Runner, fmt: Format) -> None:
    ids = {"X-R9S-Fault": "request_id=x-request-id"}
    run = run_tools(
        fmt, tools=[lookup, greet], http_headers=ids, **conversation(fmt, "call lookup")
    )
    assert run.request_id is not None and run.request_id.startswith("req_")


def test_a_typo_is_a_type_error_naming_run_tools_before_sending(
    run_tools: Runner, server: LocalServer
) -> None:
    for stream in (False, True):
        with pytest.raises(TypeError, match=r"responses\.run_tools\(\) got an unexpected"):
            run_tools("responses", tools=[lookup], stream=stream, **conversation("responses", "x"),
                      temprature=1)  # fmt: skip
    assert server.requests == []


def test_bad_arguments_to_run_tools(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as client:
        with pytest.raises(ValueError, match="max_turns must be at least 1"):
            client.chat.run_tools(tools=[lookup], max_turns=0, **conversation("chat", "x"))
        with pytest.raises(ValueError, match="two tools are named 'lookup'"):
            client.chat.run_tools(tools=[lookup, lookup], **conversation("chat", "x"))
    assert server.requests == []
