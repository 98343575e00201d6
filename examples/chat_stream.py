"""Stream a chat answer as it is written, then show what the stream added up to."""

import os

from r9s import R9S

MODEL = os.environ.get("R9S_MODEL", "gpt-4o-mini")

with R9S.from_env() as r9s:
    with r9s.chat.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Count from one to five in words."}],
        stream=True,
        stream_options={"include_usage": True},
    ) as stream:
        for text in stream.text_stream:
            print(text, end="", flush=True)
        print()
        completion = stream.get_final_completion()

    print("finish reason:", completion.choices[0].finish_reason)
    if completion.usage is not None:
        print("tokens:", completion.usage.total_tokens)
