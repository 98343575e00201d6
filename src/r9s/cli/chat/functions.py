"""``--functions FILE.py`` (or inline code): a file's top-level functions as tools the model
can call, each call allowed or declined by the person first when the chat asks.

The tool run itself is the SDK's (``run_tools``); here each tool is wrapped in a
:class:`Gated` tool that runs only once its call was allowed. The decision is taken in
the main thread when the run announces the call (a ``ToolCallEvent``), before the run
executes it (possibly on a worker thread, with others at once).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from r9s.cli.common.errors import UsageError
from r9s.cli.common.i18n import _
from r9s.tools import Tool, tools_from_file


class ToolDeclined(Exception):
    """The person declined the call (the model gets this as an error result)."""


def _key(arguments: Any) -> str:
    """The same text for the same arguments, as JSON text or as a dict."""
    if isinstance(arguments, str | bytes):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            return arguments if isinstance(arguments, str) else arguments.decode("utf-8", "replace")
    if isinstance(arguments, Mapping):
        arguments = dict(arguments)
    return json.dumps(arguments, sort_keys=True, ensure_ascii=False, default=str)


class Gated(Tool[..., Any]):
    """A tool whose calls run only if allowed (:meth:`decide`); a call nobody decided on
    runs. Arguments are validated first: a bad call fails as it would without the gate."""

    def __init__(self, inner: Tool[..., Any]) -> None:
        super().__init__(
            inner.function,
            name=inner.name,
            description=inner.description,
            parameters=inner.parameters,
            binder=self._gate,
            strict=inner.strict,
            is_async=inner.is_async,
        )
        self.inner = inner
        self._decisions: dict[str, list[bool]] = {}

    def decide(self, arguments: Any, allowed: bool) -> None:
        self._decisions.setdefault(_key(arguments), []).append(allowed)

    def _gate(self, data: Any) -> Any:
        run = self.inner.bind(data)
        waiting = self._decisions.get(_key(data))
        if waiting and not waiting.pop(0):

            def declined() -> Any:
                raise ToolDeclined(
                    _(
                        "the person at the terminal declined to run {name} with these arguments"
                    ).format(name=self.name)
                )

            return declined
        return run


def load(values: list[str]) -> list[Tool[..., Any]]:
    """The tools of every ``--functions`` value: a Python file, or Python code itself
    (``'def add(a: int, b: int) -> int: return a + b'``). A usage error says what is
    wrong with one; two tools of one name are an error too."""
    tools: list[Tool[..., Any]] = []
    for value in values:
        path = Path(value).expanduser()
        try:
            if path.suffix == ".py" or path.is_file():
                found = tools_from_file(path)
            else:
                found = _from_code(value)
        except ValueError as exc:
            raise UsageError(
                _("--functions {value}: {problem}").format(value=_short(value), problem=exc)
            ) from None
        for tool in found:
            if any(other.name == tool.name for other in tools):
                raise UsageError(
                    _("--functions: two functions are named {name!r}").format(name=tool.name)
                )
            tools.append(tool)
    return tools


def _from_code(code: str) -> list[Tool[..., Any]]:
    with tempfile.TemporaryDirectory(prefix="r9s-functions-") as folder:
        path = Path(folder) / "functions.py"
        path.write_text(code + "\n", encoding="utf-8")
        try:
            return tools_from_file(path)
        except ValueError as exc:
            # the message names the temporary file: name the code instead
            raise ValueError(str(exc).replace(str(path), _("the code"))) from None


def _short(value: str) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= 40 else flat[:37] + "..."


def gated(tools: list[Tool[..., Any]]) -> list[Tool[..., Any]]:
    return [Gated(tool) for tool in tools]
