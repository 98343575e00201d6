"""The real ``dotenv`` parser, under node, to check r9s's ``.env`` reading and writing.

Gemini CLI 0.61.0 bundles dotenv 17.1.0 (its bundle says so: ``node_modules/dotenv/
package.json`` inside ``bundle/chunk-*.js``) and reads ``~/.gemini/.env`` with
``dotenv.parse``. The same version is installed here from npm (a few kilobytes), so the
quick tests need neither Gemini CLI nor its 1 GB of dependencies; the slow tests check
that the installed Gemini CLI still bundles this version.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from types import TracebackType

from tests.support.ci import unavailable
from tests.support.npm import npm_install

DOTENV_VERSION = "17.1.0"

# One JSON string per line in (a file's text), dotenv.parse's result as JSON per line out.
_SERVER = r"""
const dotenv = require(process.argv[1]);
const readline = require("readline");
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const parsed = dotenv.parse(Buffer.from(JSON.parse(line), "utf-8"));
  process.stdout.write(JSON.stringify(parsed) + "\n");
});
"""


class NodeDotenv:
    """``dotenv.parse`` in one node process: ``parse(text) -> dict``."""

    def __enter__(self) -> NodeDotenv:
        node = shutil.which("node")
        if node is None:
            unavailable("node is not installed")
        folder = npm_install({"dotenv": DOTENV_VERSION})
        module = str(folder / "node_modules" / "dotenv")
        self.process = subprocess.Popen(
            [node, "-e", _SERVER, module],
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
