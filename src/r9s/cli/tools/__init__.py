"""The coding tools that ``r9s set`` / ``reset`` / ``run`` / ``doctor`` support: the registry.

Every public module of this package is one tool and defines ``TOOL`` (a
:class:`~r9s.cli.tools._base.Tool`: data plus small pure functions). Modules whose name
starts with ``_`` are the machinery the tools share. Adding a tool means adding its
module (and its tests): the commands' choices and help, shell completion and the docs
tables all read :func:`all_tools`.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from r9s.cli.tools._base import Tool


@functools.cache
def module_names() -> tuple[str, ...]:
    """The tool modules of this package (standard library only: no tool is imported)."""
    return tuple(
        info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")
    )


def all_tools() -> list[Tool]:
    """Every supported tool, in the order the CLI lists them (``Tool.order``)."""
    tools = [importlib.import_module(f"{__name__}.{name}").TOOL for name in module_names()]
    return sorted(tools, key=lambda tool: (tool.order, tool.name))


def names() -> list[str]:
    """Canonical tool names, in order."""
    return [tool.name for tool in all_tools()]


def find(name: str) -> Tool | None:
    """The tool called ``name`` or one of its aliases (case-insensitive)."""
    wanted = name.strip().lower()
    for tool in all_tools():
        if wanted == tool.name or wanted in tool.aliases:
            return tool
    return None
