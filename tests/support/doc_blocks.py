"""Run a docs page's Python blocks in order, in one namespace, as a notebook would.

``python doc_blocks.py BLOCKS.json``, where the JSON is a list of ``{"page", "line",
"code", "where"}``. Top-level ``await`` works (as in ``python -m asyncio``); tracebacks
name the page and its line. A block that calls ``print`` must print something.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
import json
import sys
from typing import Any


def run(blocks: list[dict[str, Any]]) -> None:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for block in blocks:
        # Blank lines first, so a traceback gives the block's line in its page.
        source = "\n" * (block["line"] - 1) + block["code"]
        # dont_inherit: not this file's ``from __future__ import annotations`` (a pydantic
        # model defined in a block must see its annotations as a user's script does)
        code = compile(
            source, block["page"], "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
        )
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            result = eval(code, namespace)
            if code.co_flags & inspect.CO_COROUTINE:
                asyncio.run(result)
        sys.stdout.write(printed.getvalue())
        if "print(" in block["code"] and not printed.getvalue().strip():
            sys.exit(f"{block['where']}: the example printed nothing")


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        run(json.load(file))
