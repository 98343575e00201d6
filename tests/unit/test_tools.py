"""``r9s.tool``: a function (or a pydantic model) as a tool definition for every wire
format, its arguments validated; ``tools_from_file`` for ``--functions FILE.py``."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

import r9s
from r9s.tools import Tool, ToolArgumentsError, parse_docstring, tool, tools_from_file


class Place(BaseModel):
    city: str
    country: str = "FR"


@r9s.tool
def get_weather(place: Place, unit: Literal["c", "f"] = "c", days: int | None = None) -> str:
    """The current weather somewhere.

    Uses the best source available.

    Args:
        place: Where to look.
        unit (str): Celsius or
            Fahrenheit.
        days: How many days ahead.

    Returns:
        A sentence.
    """
    return f"{place.city} {unit} {days}"


def test_the_definition_comes_from_the_signature_and_docstring() -> None:
    assert isinstance(get_weather, Tool)
    assert get_weather.name == "get_weather"
    assert get_weather.description == (
        "The current weather somewhere.\n\nUses the best source available."
    )
    parameters = get_weather.parameters
    assert parameters["required"] == ["place"]
    assert parameters["additionalProperties"] is False
    assert parameters["properties"]["unit"] == {
        "description": "Celsius or Fahrenheit.",
        "enum": ["c", "f"],
        "type": "string",
    }
    assert parameters["properties"]["place"]["description"] == "Where to look."
    assert parameters["$defs"]["Place"]["properties"]["city"]["type"] == "string"
    assert "title" not in parameters and "title" not in parameters["properties"]["days"]


def test_one_tool_renders_itself_for_each_wire_format() -> None:
    chat = get_weather.to_chat()
    assert chat == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": get_weather.description,
            "parameters": get_weather.parameters,
        },
    }
    assert get_weather.to_responses() == {
        "type": "function",
        "name": "get_weather",
        "description": get_weather.description,
        "parameters": get_weather.parameters,
    }
    assert get_weather.to_messages() == {
        "name": "get_weather",
        "description": get_weather.description,
        "input_schema": get_weather.parameters,
    }
    assert get_weather.render("messages") == get_weather.to_messages()


def test_strict_makes_every_parameter_required() -> None:
    strict = tool(get_weather.function, strict=True, name="weather")
    parameters = strict.to_chat()["function"]["parameters"]
    assert parameters["required"] == ["place", "unit", "days"]
    assert parameters["$defs"]["Place"]["required"] == ["city", "country"]
    assert strict.to_chat()["function"]["strict"] is True
    assert strict.to_responses()["strict"] is True
    assert strict.name == "weather"


def test_a_decorated_function_stays_callable() -> None:
    assert get_weather(Place(city="Oslo")) == "Oslo c None"
    assert get_weather.__name__ == "get_weather"
    assert get_weather.__doc__ is not None
    assert tool(get_weather) is get_weather


def test_arguments_are_validated_before_the_function_runs() -> None:
    assert get_weather.run('{"place": {"city": "Oslo"}, "days": "3"}') == "Oslo c 3"
    assert get_weather.run({"place": {"city": "Rome"}, "unit": "f"}) == "Rome f None"
    with pytest.raises(ToolArgumentsError) as caught:
        get_weather.run('{"place": {}, "unit": "k", "extra": 1}')
    message = str(caught.value)
    assert message.startswith("invalid arguments for get_weather: ")
    assert "place.city: Field required" in message
    assert "unit: Input should be 'c' or 'f'" in message
    assert "extra: Extra inputs are not permitted" in message
    with pytest.raises(ToolArgumentsError, match="not valid JSON"):
        get_weather.run('{"place": ')
    with pytest.raises(ToolArgumentsError, match="place: Field required"):
        get_weather.run("")


def test_decorator_forms_and_overrides() -> None:
    @tool(name="lookup-word", description="Look it up")
    def lookup(word: Annotated[str, Field(description="the word")]) -> str:
        """Ignored: the description was given."""
        return word

    assert lookup.name == "lookup-word" and lookup.description == "Look it up"
    assert lookup.parameters["properties"]["word"]["description"] == "the word"
    assert lookup.run({"word": "hi"}) == "hi"


def test_async_functions() -> None:
    @tool
    async def slow(n: int) -> int:
        await asyncio.sleep(0)
        return n * 2

    assert slow.is_async
    assert slow.run({"n": 2}) == 4  # in an event loop of its own
    assert asyncio.run(slow.run_async({"n": 3})) == 6


def test_run_async_keeps_sync_functions_off_the_event_loop() -> None:
    threads: list[int] = []

    @tool
    def where() -> str:
        threads.append(threading.get_ident())
        return "here"

    assert asyncio.run(where.run_async()) == "here"
    assert threads != [threading.get_ident()]


def test_a_pydantic_model_as_a_tool() -> None:
    class Search(BaseModel):
        """Search the web."""

        query: str
        limit: int = Field(default=3, le=10)

    search = tool(Search)
    assert search.name == "Search" and search.description == "Search the web."
    assert search.to_messages()["input_schema"]["required"] == ["query"]
    found = search.run({"query": "otters"})
    assert found == Search(query="otters", limit=3)  # no __call__: the object itself
    assert search(query="x") == Search(query="x")
    with pytest.raises(ToolArgumentsError, match="limit: Input should be less than"):
        search.run({"query": "x", "limit": 11})

    class Add(BaseModel):
        a: int
        b: int

        async def __call__(self) -> int:
            return self.a + self.b

    add = tool(Add)
    assert add.is_async and add.run({"a": 1, "b": 2}) == 3


def test_what_cannot_be_a_tool() -> None:
    def varargs(*values: int) -> None: ...

    def positional(x: int, /) -> None: ...

    with pytest.raises(TypeError, match=r"\*values cannot be described"):
        tool(varargs)
    with pytest.raises(TypeError, match="positional-only parameter 'x'"):
        tool(positional)
    with pytest.raises(TypeError, match="takes a function or a pydantic model"):
        tool(42)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("doc", "summary", "params"),
    [
        (
            "Add two numbers.\n\nArgs:\n    a: The first.\n    b (int): The second,\n"
            "        continued.\n\nReturns:\n    The sum.",
            "Add two numbers.",
            {"a": "The first.", "b": "The second, continued."},
        ),
        (
            "Add two numbers.\n\nParameters\n----------\na : int\n    The first.\n"
            "b : int\n    The second.\n\nReturns\n-------\nint",
            "Add two numbers.",
            {"a": "The first.", "b": "The second."},
        ),
        (
            "Add two numbers.\n\n:param a: The first.\n:param int b: The second.\n"
            ":returns: the sum",
            "Add two numbers.",
            {"a": "The first.", "b": "The second."},
        ),
        ("Just a line.", "Just a line.", {}),
        ("", "", {}),
    ],
    ids=["google", "numpy", "sphinx", "plain", "empty"],
)
def test_docstring_styles(doc: str, summary: str, params: dict[str, str]) -> None:
    assert parse_docstring(doc) == (summary, params)


# -- files ------------------------------------------------------------------------------

FUNCTIONS = '''
"""Tools for the demo."""
import json
from os.path import join  # imported: not a tool


def word_count(text: str) -> int:
    """Count the words of a text."""
    return len(text.split())


async def shout(text: str) -> str:
    return text.upper()


def _helper() -> None:
    pass


class NotATool:
    pass
'''


def test_tools_from_file(tmp_path: Path) -> None:
    source = tmp_path / "functions.py"
    source.write_text(FUNCTIONS)
    tools = tools_from_file(source)
    assert [t.name for t in tools] == ["word_count", "shout"]
    assert tools[0].run({"text": "a b c"}) == 3
    assert tools[0].description == "Count the words of a text."
    assert tools[1].is_async and tools[1].run({"text": "hi"}) == "HI"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("def broken(:\n    pass\n", ":1: syntax error"),
        ("raise RuntimeError('no network')\n", "loading it failed: RuntimeError: no network"),
        ("import json\nX = 1\n", "defines no public top-level function"),
        ("def many(*args: int) -> None: ...\n", r"\*args cannot be described"),
    ],
    ids=["missing", "syntax", "raises", "empty", "varargs"],
)
def test_a_file_that_cannot_give_tools_says_why(
    tmp_path: Path, content: str | None, message: str
) -> None:
    source = tmp_path / "functions.py"
    if content is not None:
        source.write_text(content)
    with pytest.raises(ValueError, match=message) as caught:
        tools_from_file(source)
    assert str(caught.value).startswith(str(source))
    assert "\n" not in str(caught.value)


def test_a_tool_list_may_mix_kinds() -> None:
    from r9s._structured.runner import Toolbox
    from r9s._structured.wire import CHAT

    def plain(x: int) -> int:
        return x

    raw: dict[str, Any] = {"type": "function", "function": {"name": "remote"}}
    box = Toolbox(
        [plain, get_weather, Place, raw],
        CHAT,
        raise_errors=False,
        logger=__import__("logging").getLogger(),
    )
    assert [d["function"]["name"] for d in box.definitions] == [
        "plain",
        "get_weather",
        "Place",
        "remote",
    ]
    assert sorted(box.runnable) == ["Place", "get_weather", "plain"]
