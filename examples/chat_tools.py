"""Tool calling: the model asks for a function, we run it, and send the result back.

The first request streams, so the tool calls are reassembled from their pieces.
"""

import json
import os

from r9s import R9S
from r9s.models import ChatCompletionMessage, Message, Tool

MODEL = os.environ.get("R9S_MODEL", "gpt-4o-mini")

TOOLS: list[Tool] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The current weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city name"}},
                "required": ["city"],
            },
        },
    }
]


def get_weather(city: str) -> dict[str, object]:
    return {"city": city, "temperature_c": 18, "sky": "sunny"}


with R9S.from_env() as r9s:
    messages: list[Message | ChatCompletionMessage] = [
        {"role": "user", "content": "What's the weather in Paris?"}
    ]
    stream = r9s.chat.create(
        model=MODEL,
        messages=messages,
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        stream=True,
    )
    message = stream.get_final_completion().choices[0].message
    messages.append(message)

    for call in message.tool_calls or []:
        arguments = json.loads(call.function.arguments or "{}")
        print(f"-> {call.function.name}({arguments})")
        result = get_weather(**arguments)
        messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})

    answer = r9s.chat.create(model=MODEL, messages=messages, tools=TOOLS)
    print(answer.text)
