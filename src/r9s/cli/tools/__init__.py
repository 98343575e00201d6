"""One module per coding tool that ``r9s set`` / ``reset`` / ``run`` / ``doctor`` support.

Each module is data plus small pure functions (see ``_base.Tool``); adding a tool means
adding a module and a line to ``_MODULES``.
"""

from __future__ import annotations

import importlib

from r9s.cli.tools._base import Tool

_MODULES = ("claude_code", "codex", "qwen_code", "gemini_cli", "opencode")


def all_tools() -> list[Tool]:
    """Every supported tool, in the order the CLI lists them."""
    return [importlib.import_module(f"{__name__}.{name}").TOOL for name in _MODULES]


def names() -> list[str]:
    """Canonical tool names (no imports beyond this package)."""
    return [tool.name for tool in all_tools()]


def find(name: str) -> Tool | None:
    """The tool called ``name`` or one of its aliases (case-insensitive)."""
    wanted = name.strip().lower()
    for tool in all_tools():
        if wanted == tool.name or wanted in tool.aliases:
            return tool
    return None
