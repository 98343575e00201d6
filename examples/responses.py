"""OpenAI Responses API: a plain answer, a function call round trip, and a stream."""

import json

from r9s import R9S
from r9s.models import (
    ResponseFunctionCallOutput,
    ResponseFunctionToolCall,
    ResponseInputMessage,
    ResponseTool,
)

MODEL = "gpt-4o-mini"
TOOLS: list[ResponseTool] = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "The current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]

with R9S.from_env() as r9s:
    response = r9s.responses.create(
        model=MODEL, instructions="Be brief.", input="Say hello to the r9s SDK."
    )
    print(response.output_text)

    question: ResponseInputMessage = {"role": "user", "content": "What's the weather in Oslo?"}
    first = r9s.responses.create(
        model=MODEL,
        input=[question],
        tools=TOOLS,
        tool_choice={"type": "function", "name": "get_weather"},
    )
    calls = [item for item in first.output if isinstance(item, ResponseFunctionToolCall)]
    for call in calls:
        print(f"function call: {call.name}({call.arguments})")
    results: list[ResponseFunctionCallOutput] = [
        {"type": "function_call_output", "call_id": call.call_id, "output": json.dumps({"c": 4})}
        for call in calls
    ]
    second = r9s.responses.create(
        model=MODEL, input=[question, *first.output, *results], tools=TOOLS
    )
    print(second.output_text)

    with r9s.responses.create(stream=True, model=MODEL, input="Count to five.") as stream:
        for text in stream.text_stream:
            print(text, end="", flush=True)
        final = stream.get_final_response()
    print(f"\n[{final.status}, {final.usage.total_tokens if final.usage else '?'} tokens]")
