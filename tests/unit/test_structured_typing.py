"""``parse`` and ``run_tools`` are typed: for ``response_format=Person`` a type checker
sees ``choices[0].message.parsed`` as ``Person | None`` (as with openai's
``ParsedChatCompletion[T]``), and so on for every format, stream and runner result. One
``mypy --strict`` run over code written as users write it, checking ``reveal_type``."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.typecheck import mypy_on

SNIPPET = """
from pydantic import BaseModel, TypeAdapter

import r9s
from r9s import R9S


class Person(BaseModel):
    name: str


@r9s.tool
def get_weather(city: str) -> str:
    return city


def run(client: R9S) -> None:
    completion = client.chat.parse(model="m", messages=[], response_format=Person)
    reveal_type(completion.choices[0].message.parsed)  # Person | None
    people = client.chat.parse(model="m", messages=[], response_format=list[Person])
    reveal_type(people.parsed)  # list[Person] | None
    numbers = client.chat.parse(model="m", messages=[], response_format=TypeAdapter(list[int]))
    reveal_type(numbers.parsed)  # list[int] | None
    loose = client.chat.parse(model="m", messages=[], response_format={"type": "object"})
    reveal_type(loose.parsed)  # Any | None
    with client.chat.parse(model="m", messages=[], response_format=Person, stream=True) as stream:
        reveal_type(stream.get_final_parsed())  # Person | None
        reveal_type(stream.get_final_completion())  # ParsedChatCompletion[Person]
    response = client.responses.parse(model="m", input="x", text_format=Person)
    reveal_type(response.output_parsed)  # Person | None
    message = client.messages.parse(model="m", max_tokens=5, messages=[], output_format=Person)
    reveal_type(message.parsed_output)  # Person | None
    reveal_type(client.chat.run_tools(model="m", messages=[], tools=[get_weather]))  # ChatToolRun
    run = client.responses.run_tools(model="m", input="x", tools=[get_weather], stream=True)
    reveal_type(run)  # ToolRunStream[ResponsesToolRun]
    reveal_type(get_weather("Oslo"))  # str


async def run_async(client: R9S) -> None:
    completion = await client.chat.parse_async(model="m", messages=[], response_format=Person)
    reveal_type(completion.choices[0].message.parsed)  # Person | None
    stream = await client.messages.parse_async(
        model="m", max_tokens=5, messages=[], output_format=Person, stream=True
    )
    reveal_type(await stream.get_final_message())  # ParsedMessage[Person]
    ran = await client.messages.run_tools_async(
        model="m", max_tokens=5, messages=[], tools=[get_weather]
    )
    reveal_type(ran)  # MessagesToolRun
"""


def test_parsed_results_are_typed(tmp_path: Path) -> None:
    source, out, status = mypy_on(tmp_path, SNIPPET, "typed_parse.py")
    assert status == 0, out
    revealed = {
        int(line): text
        for line, text in re.findall(r":(\d+): note: Revealed type is \"(.+)\"", out)
    }
    lines = source.read_text().splitlines()
    expected = {
        number: line.split("# ", 1)[1]
        for number, line in enumerate(lines, 1)
        if "reveal_type(" in line
    }
    assert len(revealed) == len(expected)
    for number, want in expected.items():
        got = re.sub(r"\b(typed_parse|r9s(\.\w+)*)\.", "", revealed[number])
        assert got == want, f"line {number}: {got} != {want}"
