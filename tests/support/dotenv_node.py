"""The real ``dotenv`` parser, under node, to check r9s's ``.env`` reading and writing.

Gemini CLI 0.61.0 bundles dotenv 17.1.0 (its bundle says so: ``node_modules/dotenv/
package.json`` inside ``bundle/chunk-*.js``) and reads ``~/.gemini/.env`` with
``dotenv.parse``. The same version is installed here from npm (a few kilobytes), so the
quick tests need neither Gemini CLI nor its 1 GB of dependencies; the slow tests check
that the installed Gemini CLI still bundles this version.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from types import TracebackType

from tests.support.ci import unavailable
from tests.support.npm import npm_install

DOTENV_VERSION = "17.1.0"

# One JSON string per line in (a file's text), the parse's result as JSON per line out.
_SERVER = r"""
const readline = require("readline");
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const parsed = parse(Buffer.from(JSON.parse(line), "utf-8"));
  process.stdout.write(JSON.stringify(parsed) + "\n");
});
"""


def bundled_parser(bundle: Path) -> tuple[str, str]:
    """``(dotenv version, source of its parse function)`` as the Gemini CLI bundle in
    ``bundle`` (its ``bundle/`` folder) holds them: the very code Gemini CLI runs."""
    versions, sources = set(), set()
    for chunk in sorted(bundle.glob("*.js")):
        text = chunk.read_text("utf-8")
        if "node_modules/dotenv/package.json" not in text:
            continue
        versions.update(re.findall(r'name: "dotenv",\s*version: "([^"]+)"', text))
        found = re.search(
            r"var LINE = /.*?/mg;\s*function (\w+)\(src\) \{.*?\n\s*return obj;\s*\}",
            text,
            re.DOTALL,
        )
        if found:
            sources.add(f"{found.group(0)}\nconst parse = {found.group(1)};")
    assert len(versions) == 1 and len(sources) == 1, (versions, len(sources))
    return versions.pop(), sources.pop()


class NodeDotenv:
    """dotenv's ``parse`` in one node process: ``parse(text) -> dict``. By default the
    package from npm at :data:`DOTENV_VERSION`; ``source`` is JavaScript defining
    ``parse`` instead (the code a Gemini CLI bundle holds: :func:`bundled_parser`)."""

    def __init__(self, source: str | None = None) -> None:
        self.source = source

    def __enter__(self) -> NodeDotenv:
        node = shutil.which("node")
        if node is None:
            unavailable("node is not installed")
        if self.source is None:
            folder = npm_install({"dotenv": DOTENV_VERSION})
            module = json.dumps(str(folder / "node_modules" / "dotenv"))
            prelude = f"const parse = require({module}).parse;"
        else:
            prelude = self.source
        self.process = subprocess.Popen(
            [node, "-e", prelude + _SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        return self

    def parse(self, text: str) -> dict[str, str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(text) + "\n")
        self.process.stdin.flush()
        result: dict[str, str] = json.loads(self.process.stdout.readline())
        return result

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
