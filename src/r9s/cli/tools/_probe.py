"""``doctor --probe``: one minimal real request per tool, in the API the tool speaks.

"Configured" is not "works": the key may be refused, the model unknown, or the router
may not serve the tool's API. Each probe asks for one token and reports the latency and
the server's exact error.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from r9s._config import root_url

# What each API is called, for the report.
API_NAMES = {
    "messages": "Anthropic Messages",
    "responses": "OpenAI Responses",
    "chat": "OpenAI Chat Completions",
    "gemini": "Gemini generateContent",
}
PROMPT = "Reply with one word."


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    api: str  # a key of API_NAMES
    milliseconds: int
    detail: str  # "ok" or the exact error

    def describe(self) -> str:
        name = API_NAMES[self.api]
        if self.ok:
            return f"ok in {self.milliseconds} ms ({name})"
        return f"FAILED after {self.milliseconds} ms ({name}): {self.detail}"


def request(api: str, base_url: str, key: str, model: str) -> tuple[str, dict[str, str], Any]:
    """The URL, headers and body of the smallest request ``api`` takes."""
    root = root_url(base_url)
    if api == "messages":
        headers = {"authorization": f"Bearer {key}", "anthropic-version": "2023-06-01"}
        body = {"model": model, "max_tokens": 1, "messages": [{"role": "user", "content": PROMPT}]}
        return f"{root}/v1/messages", headers, body
    if api == "gemini":
        body = {
            "contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
            "generationConfig": {"maxOutputTokens": 1},
        }
        url = f"{root}/v1beta/models/{model}:generateContent"
        return url, {"x-goog-api-key": key}, body
    headers = {"authorization": f"Bearer {key}"}
    if api == "responses":
        body = {"model": model, "input": PROMPT, "max_output_tokens": 16}
        return f"{base_url.rstrip('/')}/responses", headers, body
    body = {"model": model, "max_tokens": 1, "messages": [{"role": "user", "content": PROMPT}]}
    return f"{base_url.rstrip('/')}/chat/completions", headers, body


def probe(api: str, base_url: str, key: str, model: str, timeout: float) -> ProbeResult:
    """Send the request and say how it went (never raises)."""
    import httpx

    url, headers, body = request(api, base_url, key, model)
    started = time.perf_counter()
    try:
        response = httpx.post(url, headers=headers, json=body, timeout=timeout)
    except httpx.TimeoutException:
        return ProbeResult(False, api, _since(started), f"no answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return ProbeResult(False, api, _since(started), f"cannot reach {url}: {exc}")
    elapsed = _since(started)
    if response.is_success:
        return ProbeResult(True, api, elapsed, "ok")
    detail = f"{response.status_code} {_message(response.text)}"
    if api == "gemini" and response.status_code in (404, 405) and "model" not in detail.lower():
        detail += " (the router does not seem to serve the Gemini API)"
    return ProbeResult(False, api, elapsed, detail)


def _since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _message(text: str, limit: int = 300) -> str:
    """The server's own error message (``error.message`` of any of the APIs), one line."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    message = text
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            message = error["message"]
        elif isinstance(error, str):
            message = error
    line = " ".join("".join(c for c in message if c.isprintable() or c in " \t\n").split())
    return line[:limit] + ("..." if len(line) > limit else "")
