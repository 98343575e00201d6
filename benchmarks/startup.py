"""Time one start-up step in this fresh interpreter; print ``{"ms": ..., "rss_mib": ...}``.

    python benchmarks/startup.py import r9s      # import time and RSS after it
    python benchmarks/startup.py client openai   # import plus client construction

The clock starts after the interpreter is up, so the numbers are the library's own cost
(the interpreter alone is measured separately as ``python -c pass``).
"""

from __future__ import annotations

import json
import sys
import time

KEY = "sk-bench-0123456789abcdef"
URL = "http://127.0.0.1:9"

IMPORT = {
    "httpx": "import httpx",
    "r9s": "import r9s",
    "openai": "import openai",
    "anthropic": "import anthropic",
}
CLIENT = {
    "httpx": "import httpx\nhttpx.Client()",
    "r9s": f"from r9s import R9S\nR9S(api_key={KEY!r}, server_url={URL + '/v1'!r})",
    "openai": f"from openai import OpenAI\nOpenAI(api_key={KEY!r}, base_url={URL + '/v1'!r})",
    "anthropic": f"from anthropic import Anthropic\nAnthropic(api_key={KEY!r}, base_url={URL!r})",
}
STEPS = {"import": IMPORT, "client": CLIENT}


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    step, client = sys.argv[1], sys.argv[2]
    code = compile(STEPS[step][client], "<startup>", "exec")
    started = time.perf_counter()
    exec(code, {})
    elapsed = time.perf_counter() - started
    print(json.dumps({"ms": elapsed * 1000, "rss_mib": rss_mib()}))


if __name__ == "__main__":
    main()
