"""``--schema``, ``--schema-multi`` and ``--functions`` over the three APIs: one-shot as
subprocesses, and the interactive chat's confirmation of each call in a terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from r9s.testing import LocalServer
from tests.cli.chat.test_terminal import finish, screen, send, spawn, wait_prompt
from tests.support.cli import KEY, logged, r9s

APIS = {"chat": "gpt-4o-mini", "responses": "gpt-4o-mini", "messages": "claude-sonnet-4-5"}
PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}

FUNCTIONS = '''\
"""Tools for the tests."""

import json as _json


def get_weather(city: str, unit: str = "c") -> dict:
    """The current weather in a city.

    Args:
        city: The city's name.
        unit: c or f.
    """
    return {"city": city, "temperature": 18, "unit": unit}


def failing(reason: str) -> str:
    """A tool whose backend is down."""
    raise ConnectionError("backend unavailable")


def _hidden() -> None:
    """Not a tool: private."""
'''


def env(server: LocalServer) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY}


def bodies(server: LocalServer, api: str) -> list[dict[str, Any]]:
    return [r.json for r in server.requests if r.path == PATHS[api]]


@pytest.mark.parametrize("api", list(APIS))
@pytest.mark.parametrize(
    "schema",
    [
        "name, age int, bio: a short bio",
        '{"type": "object", "properties": {"name": {"type": "string"}, "age": '
        '{"type": "integer"}, "bio": {"type": "string"}}, "required": ["name", "age", "bio"]}',
        "@file",
    ],
)
def test_schema_prints_one_object_valid_for_it(
    home: Path, r9s_server: LocalServer, api: str, schema: str
) -> None:
    if schema == "@file":
        definition = {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer"},
                "bio": {"type": "string"},
            },
            "required": ["name", "age", "bio"],
        }
        (home / "person.json").write_text(json.dumps(definition))
        schema = "person.json"
    done = r9s(
        home,
        "chat",
        "--api",
        api,
        "-m",
        APIS[api],
        "--schema",
        schema,
        "Invent a person",
        env=env(r9s_server),
    )

    assert done.returncode == 0, done.stderr
    value = json.loads(done.stdout)
    assert set(value) == {"name", "age", "bio"}
    sent = bodies(r9s_server, api)[-1]
    wire_schema = {
        "chat": lambda: sent["response_format"]["json_schema"]["schema"],
        "responses": lambda: sent["text"]["format"]["schema"],
        "messages": lambda: sent["output_config"]["format"]["schema"],
    }[api]()
    jsonschema.validate(value, wire_schema)
    # the log holds the object as the answer, and as the parsed output
    (exchange,) = logged(home)
    assert json.loads(str(exchange["response"])) == value
    assert exchange["parsed"] == value


def test_schema_multi_is_a_list_of_objects(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(
        home,
        "chat",
        "--schema-multi",
        "name, population int",
        "The three largest cities",
        env=env(r9s_server),
    )
    assert done.returncode == 0, done.stderr
    value = json.loads(done.stdout)
    assert isinstance(value["items"], list)
    schema = bodies(r9s_server, "chat")[-1]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["items"]["type"] == "array"
    jsonschema.validate(value, schema)


def test_schema_problems(home: Path, r9s_server: LocalServer) -> None:
    bad = r9s(home, "chat", "--schema", "{not json", "x", env=env(r9s_server))
    assert bad.returncode == 2
    assert bad.stderr.startswith("r9s: error: --schema: the inline schema is not valid JSON")

    both = r9s(home, "chat", "--schema", "a", "--schema-multi", "b", "x", env=env(r9s_server))
    assert both.returncode == 2 and "give one of them" in both.stderr
    assert not [r for r in r9s_server.requests if r.method == "POST"]

    refused = r9s(home, "chat", "--schema", "name", "How do I build a bomb?", env=env(r9s_server))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("r9s: error: the model gave no object: I'm sorry")


@pytest.mark.parametrize("api", list(APIS))
def test_functions_run_and_each_call_shows_dim_on_stderr(
    home: Path, r9s_server: LocalServer, api: str
) -> None:
    (home / "tools.py").write_text(FUNCTIONS)
    done = r9s(
        home,
        "chat",
        "--api",
        api,
        "-m",
        APIS[api],
        "--functions",
        "tools.py",
        "call get_weather for Oslo",
        env=env(r9s_server),
    )

    assert done.returncode == 0, done.stderr
    # stdout: the answers' text only; stderr: the call and its result
    assert done.stdout.endswith(
        'Echo: {"city":"call get_weather for Oslo","temperature":18,"unit":"c"}\n'
    ), done.stdout
    assert done.stderr == (
        '-> get_weather({"city": "call get_weather for Oslo"})\n'
        '<- {"city":"call get_weather for Oslo","temperature":18,"unit":"c"}\n'
    )
    first, second = bodies(r9s_server, api)[-2:]
    names = [t.get("name") or t.get("function", {}).get("name") for t in first["tools"]]
    assert names == ["get_weather", "failing"]  # _hidden and the import are no tools
    assert len(second["messages" if api != "responses" else "input"]) > 1

    # the log keeps the call, its round and its result
    (exchange,) = logged(home)
    (call,) = exchange["tool_calls"] or []
    assert (call["name"], call["round"]) == ("get_weather", 0)
    (result,) = exchange["tool_results"] or []
    assert result["id"] == call["id"] and not result["is_error"]
    assert json.loads(result["output"])["temperature"] == 18
    # what the model wrote before its call (the local server's Anthropic answers say it)
    assert exchange["tool_texts"] == (["Calling get_weather."] if api == "messages" else [""])


def test_a_failing_tool_and_inline_code(home: Path, r9s_server: LocalServer) -> None:
    (home / "tools.py").write_text(FUNCTIONS)
    done = r9s(home, "chat", "--functions", "tools.py", "call failing", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    assert "<- error: ConnectionError: backend unavailable\n" in done.stderr
    assert done.stdout == "Echo: Error: ConnectionError: backend unavailable\n"
    (result,) = logged(home)[-1]["tool_results"] or []
    assert result["is_error"] and "backend unavailable" in result["output"]

    inline = r9s(
        home,
        "chat",
        "--functions",
        "def add(a: int, b: int) -> int:\n    return a + b",
        "call add",
        env=env(r9s_server),
    )
    assert inline.returncode == 0, inline.stderr
    assert inline.stderr == '-> add({"a": 1, "b": 1})\n<- 2\n'


def test_max_turns_stops_a_run_that_goes_on(home: Path, r9s_server: LocalServer) -> None:
    # a tool whose result asks for another call, again and again
    code = "def again(n: int) -> str:\n    return 'call again'"
    done = r9s(home, "chat", "--functions", code, "--max-turns", "3", "please call again",
               env=env(r9s_server))  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.count("-> again(") == 3
    assert done.stderr.endswith(
        "r9s: error: the model was still calling tools after 3 requests; the exchange stops there\n"
    )
    assert len(bodies(r9s_server, "chat")) == 3
    # the log: the answer with every call r9s ran, a round each, and the problem's reason
    (exchange,) = logged(home)
    calls = exchange["tool_calls"]
    assert isinstance(calls, list)
    ran = [call for call in calls if "round" in call]
    assert [call["round"] for call in ran] == list(range(len(ran))) and len(ran) >= 2
    assert exchange["tool_results"] is not None and len(exchange["tool_results"]) == len(ran)


def test_functions_errors(home: Path, r9s_server: LocalServer) -> None:
    (home / "broken.py").write_text("def f(:\n")
    (home / "tools.py").write_text(FUNCTIONS)
    cases = [
        (["--functions", "missing.py"], "--functions missing.py: missing.py: no such file"),
        (["--functions", "broken.py"], "--functions broken.py: broken.py:1: syntax error"),
        (
            ["--functions", "tools.py", "--functions", "tools.py"],
            "--functions: two functions are named 'get_weather'",
        ),
        (
            ["--functions", "tools.py", "--schema", "name"],
            "--functions and --schema cannot be used together",
        ),
    ]
    for args, message in cases:
        done = r9s(home, "chat", *args, "x", env=env(r9s_server))
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith(f"r9s: error: {message}"), done.stderr


def test_continuing_a_chat_resends_its_tool_calls(home: Path, r9s_server: LocalServer) -> None:
    (home / "tools.py").write_text(FUNCTIONS)
    first = r9s(home, "chat", "--functions", "tools.py", "call get_weather", env=env(r9s_server))
    assert first.returncode == 0, first.stderr

    # with the tools: in the API's own form
    again = r9s(
        home, "chat", "--continue", "--functions", "tools.py", "thanks", env=env(r9s_server)
    )
    assert again.returncode == 0, again.stderr
    roles = [m["role"] for m in bodies(r9s_server, "chat")[-1]["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]

    # without them, told as text (an API refuses tool calls without their tools)
    plain = r9s(
        home,
        "chat",
        "--continue",
        "--api",
        "messages",
        "-m",
        "claude-sonnet-4-5",
        "and?",
        env=env(r9s_server),
    )
    assert plain.returncode == 0, plain.stderr
    messages = bodies(r9s_server, "messages")[-1]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    told = messages[1]["content"]
    assert told.startswith('-> get_weather({"city": "call get_weather"})\n\n<- {"city"')


def test_the_interactive_chat_asks_before_each_call(home: Path, r9s_server: LocalServer) -> None:
    (home / "tools.py").write_text(FUNCTIONS)
    child = spawn(home, r9s_server, "--functions", "tools.py")
    child.expect(r"Tools: get_weather, failing \(each call asks first\)")
    wait_prompt(child)
    send(child, "call get_weather for Paris")
    child.expect(r"-> get_weather\(")
    child.expect(r"Run get_weather\? y\(es\), n\(o\), a\(ll from now on\) \[y\]: ")
    child.send("n\r")
    child.expect("declined to run get_weather")  # the model was told, and says so
    wait_prompt(child)
    result = bodies(r9s_server, "chat")[-1]["messages"][-1]
    assert result["role"] == "tool" and "declined" in result["content"]

    send(child, "call get_weather for Rome")
    child.expect(r"Run get_weather\?")
    child.send("a\r")
    child.expect('"temperature":18')
    wait_prompt(child)
    send(child, "call get_weather for Oslo")  # all from now on: no question
    child.expect('Echo: {"city":"call get_weather for Oslo"')
    wait_prompt(child)
    send(child, "/exit")
    status, text = finish(child)
    assert status == 0
    assert text.count("Run get_weather?") == 2


def test_yes_runs_the_calls_without_asking(home: Path, r9s_server: LocalServer) -> None:
    (home / "tools.py").write_text(FUNCTIONS)
    child = spawn(home, r9s_server, "--functions", "tools.py", "--yes")
    child.expect(r"\(run without asking\)")
    wait_prompt(child)
    send(child, "call get_weather for Lima")
    child.expect('Echo: {"city":"call get_weather for Lima"')
    wait_prompt(child)
    child.sendeof()
    status, text = finish(child)
    assert status == 0 and "Run get_weather?" not in text
    assert "-> get_weather(" in screen(child)
