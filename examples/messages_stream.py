"""Stream a Claude-style reply with extended thinking, then look at the whole message."""

import asyncio

from r9s import R9S
from r9s.models import (
    AnthropicThinking,
    ContentBlockDeltaEvent,
    MessageParam,
    TextDelta,
    ThinkingBlock,
    ThinkingDelta,
)

MODEL = "claude-sonnet-4-5"
QUESTION: list[MessageParam] = [{"role": "user", "content": "Name three long rivers."}]
THINKING: AnthropicThinking = {"type": "enabled", "budget_tokens": 1024}

with R9S.from_env() as r9s:
    with r9s.messages.create(
        stream=True, model=MODEL, max_tokens=2048, thinking=THINKING, messages=QUESTION
    ) as stream:
        shown = ""
        for event in stream:  # typed events; stream.text_stream gives the text alone
            if not isinstance(event, ContentBlockDeltaEvent):
                continue
            if isinstance(event.delta, ThinkingDelta):
                kind, piece = "thinking", event.delta.thinking
            elif isinstance(event.delta, TextDelta):
                kind, piece = "answer", event.delta.text
            else:
                continue
            if kind != shown:
                print(f"\n[{kind}] ", end="")
                shown = kind
            print(piece, end="", flush=True)
        message = stream.get_final_message()  # the events above, accumulated
    print()
    for block in message.content:
        if isinstance(block, ThinkingBlock):
            print(f"thought {len(block.thinking)} chars, signed: {bool(block.signature)}")
    print(f"[{message.stop_reason}, {message.usage.output_tokens} tokens out]")


async def main() -> None:
    async with R9S.from_env() as r9s:
        stream = await r9s.messages.create_async(
            stream=True, model=MODEL, max_tokens=256, messages=QUESTION
        )
        async with stream:
            async for text in stream.text_stream:
                print(text, end="", flush=True)
        print()


asyncio.run(main())
