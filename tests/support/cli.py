"""Run the ``r9s`` command as a person does: a subprocess, a temporary HOME, a bare env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

R9S = [sys.executable, "-m", "r9s.cli"]
KEY = "sk-r9s-test-0123456789abcdef"
DEFAULT_MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "gemini-2.5-flash",
    "qwen-plus",
    "text-embedding-3-small",
    "whisper-1",
)


def user_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a user's shell would have: PATH, HOME, a locale; no R9S_* from ours."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
    }
    env.update(extra or {})
    return env


def path_without_tools(folder: Path) -> str:
    """A PATH on which no coding tool (claude, codex, qwen, gemini, opencode) is found,
    whatever this machine has installed: one empty folder. r9s needs nothing from PATH
    (``R9S`` runs it as ``python -m r9s.cli``)."""
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def r9s(
    home: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 30,
    cwd: Path | None = None,
    stdin_closed: bool = False,
    umask: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``r9s ARGS`` without a terminal (stdin is a pipe or /dev/null; with
    ``stdin_closed``, no file descriptor 0 at all, as under ``r9s ... <&-``)."""

    def prepare() -> None:  # in the child, before r9s starts
        if stdin_closed:
            os.close(0)
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [*R9S, *args],
        env=user_env(home, env),
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or home,
        preexec_fn=prepare if stdin_closed or umask is not None else None,
    )


@dataclass
class ModelsAPI:
    """A tiny ``GET /v1/models`` server on 127.0.0.1 for the quick tests."""

    url: str
    key: str
    models: list[str]
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, authorization)


@contextmanager
def models_api(models: Sequence[str] = DEFAULT_MODELS, key: str = KEY) -> Iterator[ModelsAPI]:
    api = ModelsAPI("", key, list(models))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            api.seen.append((self.path, self.headers.get("Authorization", "")))
            if self.path != "/v1/models":
                self._send(404, {"error": {"message": "not found"}})
            elif self.headers.get("Authorization") != f"Bearer {api.key}":
                self._send(401, {"error": {"message": "invalid api key"}})
            else:
                data = [{"id": m, "object": "model", "owned_by": "test"} for m in api.models]
                self._send(200, {"object": "list", "data": data})

        def _send(self, status: int, body: object) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path to content), to prove nothing changed."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
