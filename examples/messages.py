"""Anthropic-style messages: a reply, then a tool call answered with a tool result."""

from r9s import R9S
from r9s.models import AnthropicTool, MessageParam, ToolUseBlock

MODEL = "claude-sonnet-4-5"
TOOLS: list[AnthropicTool] = [
    {
        "name": "get_weather",
        "description": "The current weather in a city",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]

with R9S.from_env() as r9s:
    reply = r9s.messages.create(
        model=MODEL,
        max_tokens=256,
        system="You answer in one sentence.",
        messages=[{"role": "user", "content": "Say hello to the r9s SDK."}],
    )
    print(reply.text)
    print(f"[{reply.stop_reason}, {reply.usage.input_tokens} in / {reply.usage.output_tokens} out]")

    history: list[MessageParam] = [{"role": "user", "content": "What's the weather in Paris?"}]
    reply = r9s.messages.create(
        model=MODEL,
        max_tokens=256,
        tools=TOOLS,
        tool_choice={"type": "tool", "name": "get_weather"},
        messages=history,
    )
    call = next(block for block in reply.content if isinstance(block, ToolUseBlock))
    print(f"tool call: {call.name}({call.input})")
    history += [
        {"role": "assistant", "content": reply.content},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": call.id, "content": "18 °C, cloudy"}
            ],
        },
    ]
    print(r9s.messages.create(model=MODEL, max_tokens=256, tools=TOOLS, messages=history).text)
