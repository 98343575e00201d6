"""A chat completion, then a follow-up turn that sends the answer back."""

import os

from r9s import R9S
from r9s.models import ChatCompletionMessage, Message

MODEL = os.environ.get("R9S_MODEL", "gpt-4o-mini")

with R9S.from_env() as r9s:
    messages: list[Message | ChatCompletionMessage] = [
        {"role": "system", "content": "You answer in one short sentence."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    answer = r9s.chat.create(model=MODEL, messages=messages, max_tokens=100)
    print(answer.text)

    messages += [answer.choices[0].message, {"role": "user", "content": "And of Italy?"}]
    follow_up = r9s.chat.create(model=MODEL, messages=messages, max_tokens=100)
    print(follow_up.text)
    if follow_up.usage is not None:
        print(f"({follow_up.usage.total_tokens} tokens)")
