"""Time one start-up step in this fresh interpreter; print ``{"ms": ..., "cpu_ms": ...,
"rss_mib": ...}`` (wall and CPU time of the step, RSS after it).

    python benchmarks/startup.py import r9s      # import time and RSS after it
    python benchmarks/startup.py client openai   # import plus client construction
    python benchmarks/startup.py first r9s URL   # ... plus one chat (or messages) call
    python benchmarks/startup.py first httpx+pydantic URL  # httpx's, plus a pydantic model

The clock starts after the interpreter is up, so the numbers are the library's own cost
(the interpreter alone is measured separately as ``python -c pass``).
"""

from __future__ import annotations

import json
import sys
import time

KEY = "sk-bench-0123456789abcdef"
URL = "http://127.0.0.1:9"
"""Where clients point; nothing is sent there except by the ``first`` step, which is given
the benchmark server's URL."""

IMPORT = {
    "httpx": "import httpx",
    "r9s": "import r9s",
    "openai": "import openai",
    "anthropic": "import anthropic",
}
CLIENT = {
    "httpx": "import httpx\nc = httpx.Client(headers=H)",
    "r9s": "from r9s import R9S\nc = R9S(api_key=KEY, server_url=URL + '/v1')",
    "openai": "from openai import OpenAI\nc = OpenAI(api_key=KEY, base_url=URL + '/v1')",
    "anthropic": "from anthropic import Anthropic\nc = Anthropic(api_key=KEY, base_url=URL)",
}
CALL = {
    "httpx": "c.post(URL + '/v1/chat/completions', json={'model': MODEL, 'messages': M}).json()",
    "r9s": "c.chat.create(model=MODEL, messages=M)",
    "openai": "c.chat.completions.create(model=MODEL, messages=M)",
    "anthropic": "c.messages.create(model=MODEL, max_tokens=64, messages=M)",
}
FIRST = {name: f"{CLIENT[name]}\n{CALL[name]}" for name in CLIENT}
"""Time to the first answer, what a short script pays (lazy imports included)."""
PYDANTIC_FLOOR = "httpx+pydantic"
FIRST[PYDANTIC_FLOOR] = (
    "import httpx\n"
    "from pydantic import BaseModel\n"
    "class Reply(BaseModel):\n"
    "    id: str\n"
    "c = httpx.Client(headers=H)\n"
    "Reply.model_validate_json("
    "c.post(URL + '/v1/chat/completions', json={'model': MODEL, 'messages': M}).content)"
)
"""Plain httpx's first call with its answer validated by a one-field pydantic model: the
least a client whose results are pydantic models can cost (pydantic's import included)."""
STEPS = {"import": IMPORT, "client": CLIENT, "first": FIRST}


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    step, client = sys.argv[1], sys.argv[2]
    url = sys.argv[3] if len(sys.argv) > 3 else URL
    code = compile(STEPS[step][client], "<startup>", "exec")
    names = {
        "KEY": KEY,
        "MODEL": "bench-model",
        "URL": url,
        "H": {"Authorization": f"Bearer {KEY}"},
        "M": [{"role": "user", "content": "Say something."}],
    }
    started, cpu = time.perf_counter(), time.process_time()
    exec(code, names)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"ms": elapsed * 1000, "cpu_ms": cpu * 1000, "rss_mib": rss_mib()}))


if __name__ == "__main__":
    main()
