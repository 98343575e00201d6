"""`make demo`: the SDK and the CLI doing real work against the bundled local server, offline.

It starts the local r9s-compatible server on 127.0.0.1, calls it through the SDK (sync,
async, streaming, a parsed object, a tool round, retries after an injected fault), then
runs the `r9s` command the way a person would, in a throwaway HOME so none of your files
are touched.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
import tempfile

from pydantic import BaseModel

from r9s import R9S, errors, tool
from r9s.models import Message
from r9s.testing import LocalServer
from r9s.tools import TextEvent, ToolCallEvent, ToolResultEvent

API_KEY = "sk-demo-0123456789abcdef"


class Person(BaseModel):
    name: str
    occupation: str


@tool
def get_weather(city: str) -> dict[str, object]:
    """The current weather in a city."""
    return {"city": city, "temperature_c": 18, "sky": "sunny"}


def section(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m" if sys.stdout.isatty() else f"\n== {title}")


def sdk_demo(server: LocalServer) -> None:
    with R9S(api_key=API_KEY, server_url=server.url) as r9s:
        section("SDK: r9s.models.list()")
        print(", ".join(model.id for model in r9s.models.list().data))

        section("SDK: r9s.chat.create(...)")
        messages: list[Message] = [{"role": "user", "content": "What does a router do?"}]
        completion = r9s.chat.create(model="gpt-4o-mini", messages=messages)
        print(completion.choices[0].message.content)

        section("SDK: r9s.chat.create(..., stream=True)")
        with r9s.chat.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "stream these words one by one"}],
            stream=True,
            stream_options={"include_usage": True},
        ) as stream:
            for text in stream.text_stream:
                print(text, end="", flush=True)
            final = stream.get_final_completion()
        print(f"\n(usage: {final.usage.total_tokens if final.usage else '?'} tokens)")

        section("SDK: r9s.messages.create(..., stream=True), Anthropic's format")
        with r9s.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=256,
            messages=[{"role": "user", "content": "hello from the Messages API"}],
            stream=True,
        ) as message_stream:
            message = message_stream.get_final_message()
            text = message_stream.get_final_text()
        print(text, f"(stop reason: {message.stop_reason})")

        section("SDK: r9s.chat.parse(..., response_format=Person): a typed answer")
        person = (
            r9s.chat.parse(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "Ada Lovelace, mathematician"}],
                response_format=Person,
            )
            .choices[0]
            .message.parsed
        )
        print(repr(person))

        section("SDK: r9s.chat.run_tools(..., tools=[get_weather]): one tool round")
        with r9s.chat.run_tools(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": 'call get_weather {"city": "Paris"}'}],
            tools=[get_weather],
            stream=True,
        ) as run:
            for event in run:
                if isinstance(event, ToolCallEvent):
                    print(f"-> {event.call.name}({event.call.arguments})")
                elif isinstance(event, ToolResultEvent):
                    print(f"<- {event.result.content}")
                elif isinstance(event, TextEvent):
                    print(event.text, end="", flush=True)
            print(f"\n({run.get_final().turns} requests)")

        section("SDK: r9s.embeddings.create(..., encoding_format='base64'), decoded for you")
        vector = (
            r9s.embeddings.create(
                model="text-embedding-3-small", input="hello", encoding_format="base64"
            )
            .data[0]
            .embedding
        )
        print(f"{len(vector)} floats, first three: {[round(x, 4) for x in vector[:3]]}")

        section("SDK: a 503 then a 429 with Retry-After, retried by default (debug log below)")
        server.inject("status=503", times=1)
        server.inject("status=429;retry_after_ms=300", times=1)
        logger = logging.getLogger("r9s.demo")
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("   log: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        with R9S(api_key=API_KEY, server_url=server.url, debug_logger=logger) as logged:
            print(f"models after retries: {len(logged.models.list().data)}")

        section("SDK: errors are typed")
        try:
            r9s.models.retrieve(model="no-such-model")
        except errors.NotFoundError as exc:
            print(f"NotFoundError: {exc}")

    async def concurrently() -> int:
        async with R9S(api_key=API_KEY, server_url=server.url) as r9s:
            results = await asyncio.gather(*(r9s.models.list_async() for _ in range(10)))
        return len(results)

    section("SDK: async, 10 calls with asyncio.gather")
    print(f"{asyncio.run(concurrently())} answers")


def r9s_command() -> str:
    return shutil.which("r9s") or os.path.join(os.path.dirname(sys.executable), "r9s")


def user_env(home: str, base_url: str) -> dict[str, str]:
    """A user's environment for the `r9s` command: a throwaway HOME, the demo's server."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": home,
        "R9S_API_KEY": API_KEY,
        "R9S_BASE_URL": base_url,
        "NO_COLOR": "1",
    }


def cli_demo(server: LocalServer) -> None:
    r9s = r9s_command()
    with tempfile.TemporaryDirectory(prefix="r9s-demo-home-") as home:
        env = user_env(home, server.root_url)  # no /v1: r9s adds it
        for args in (
            ["--help"],
            ["chat", "Name three rivers"],
            ["models", "--filter", "claude"],
            ["set", "codex", "--yes", "--model", "gpt-4o-mini", "--dry-run"],
            ["set", "claude-code", "--yes", "--model", "claude-sonnet-4-5"],
            ["doctor"],
            ["reset", "claude-code", "--yes"],
        ):
            section("CLI: r9s " + " ".join(args))
            result = subprocess.run([r9s, *args], env=env, text=True, capture_output=True)
            print((result.stdout + result.stderr).rstrip())
            if result.returncode not in (0, 1):
                raise SystemExit(f"r9s {' '.join(args)} exited with {result.returncode}")


def web_demo(server: LocalServer) -> None:
    """`r9s web` against the same server: started, one comparison asked of it as the page
    asks, stopped with Ctrl-C (no browser is opened)."""
    import importlib.util
    import json
    import signal
    import time

    import httpx

    section("WEB: r9s web --no-open, a comparison of three models, then Ctrl-C")
    if importlib.util.find_spec("starlette") is None:
        print("the web extra is not installed: pip install 'r9s[web]'")
        return
    with tempfile.TemporaryDirectory(prefix="r9s-demo-home-") as home:
        env = user_env(home, server.url)
        started = time.monotonic()
        process = subprocess.Popen(
            [r9s_command(), "web", "--no-open", "--port", "0"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None and process.stderr is not None
            line = process.stdout.readline().strip()
            url = line.split(": ", 1)[1]
            page = httpx.get(url, timeout=10)
            served = (time.monotonic() - started) * 1000
            print(
                f"{line}  (its page, {len(page.content)} bytes, served {served:.0f} ms after start)"
            )
            ask = {
                "panes": [{"model": m} for m in ("gpt-4o-mini", "claude-sonnet-4-5", "qwen-plus")],
                "prompt": "Which river is the longest?",
            }
            answer = httpx.post(url + "api/chat", json=ask, headers={"X-R9S-Web": "1"}, timeout=30)
            events = [json.loads(x[6:]) for x in answer.text.splitlines() if x.startswith("data: ")]
            models = {e["pane"]: e["model"] for e in events if e["type"] == "start"}
            for event in events:
                if event["type"] == "done":
                    stats = event["stats"]
                    print(
                        f"  {models[event['pane']]:<18} first token {stats['ttft'] * 1000:5.1f} ms"
                        f"  total {stats['total'] * 1000:5.1f} ms"
                        f"  {stats['tokens_in']} tokens in, {stats['tokens_out']} out"
                    )
            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)
            print(process.stderr.read().strip())
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    print(
        "to use the page offline: r9s mock --port 8765 &  r9s web --base-url "
        "http://127.0.0.1:8765/v1 --api-key any"
    )


def main() -> None:
    with LocalServer() as server:
        print(f"local r9s-compatible server at {server.url} (offline, deterministic echo model)")
        sdk_demo(server)
        cli_demo(server)
        web_demo(server)
        section("done")
        print(f"the server answered {len(server.requests)} requests")


if __name__ == "__main__":
    main()
