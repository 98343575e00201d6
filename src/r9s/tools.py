"""Tools: Python functions (and pydantic models) the model can call.

``r9s.tool`` turns a function into a ``Tool``: its name, its description (the docstring)
and the JSON schema of its arguments (from the type hints; the docstring's ``Args:``
section describes each one). One ``Tool`` renders itself for every wire format, so the
same list goes to ``chat``, ``responses`` and ``messages``::

    import r9s

    @r9s.tool
    def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
        \"\"\"The current weather in a city.

        Args:
            city: The city's name.
        \"\"\"
        ...

    r9s.chat.run_tools(model=..., messages=..., tools=[get_weather])

Arguments from the model are validated (pydantic) before the function runs; arguments
that do not validate become an error result the model can read and correct. A decorated
function stays callable as before.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import re
import sys
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, ParamSpec, TypeVar, overload

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M")

Wire = Literal["chat", "responses", "messages"]

__all__ = [
    "TextEvent",
    "Tool",
    "ToolArgumentsError",
    "ToolCall",
    "ToolCallEvent",
    "ToolLike",
    "ToolResult",
    "ToolResultEvent",
    "ToolRunEvent",
    "tool",
    "tools_from_file",
]


class ToolArgumentsError(ValueError):
    """The arguments of a tool call are not valid JSON or do not fit the tool's
    parameters (sent back to the model as an error result, never raised to the caller)."""


@dataclass(frozen=True)
class ToolCall:
    """A call the model made: the call's ``id``, the tool's ``name`` and its
    ``arguments`` (JSON text on chat and responses, a dict on messages)."""

    id: str
    name: str
    arguments: str | Mapping[str, Any]


@dataclass
class ToolResult:
    """What running a call gave: ``content`` is what the model reads (the return value
    as text or JSON, or the error), ``is_error`` marks a failure (bad arguments, an
    exception, an unknown tool), ``value`` is what the function returned."""

    call: ToolCall
    content: str
    is_error: bool = False
    value: Any = None
    error: BaseException | None = field(default=None, repr=False)


class Tool(Generic[P, R]):
    """A tool: ``name``, ``description``, ``parameters`` (a JSON schema) and the function
    that runs it. Calling the tool calls the function, as if it were not decorated.

    ``to_chat()``, ``to_responses()`` and ``to_messages()`` give the definition each wire
    format takes; ``run(arguments)`` / ``await run_async(arguments)`` validate a call's
    arguments and run it.
    """

    # copied from the function by functools.update_wrapper in __init__
    __name__: str
    __qualname__: str
    __wrapped__: Callable[P, R]

    def __init__(
        self,
        function: Callable[P, R],
        *,
        name: str,
        description: str,
        parameters: dict[str, Any],
        binder: Callable[[Any], Callable[[], Any]],
        strict: bool = False,
        is_async: bool | None = None,
    ) -> None:
        self.function = function
        self.name = name
        self.description = description
        self.parameters = parameters
        self.strict = strict
        self._binder = binder
        if is_async is None:
            is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
                getattr(function, "__call__", None)  # noqa: B004 - a callable object's method
            )
        self.is_async = is_async
        # name, docstring, module, __wrapped__; not __dict__ (a model class's would come along)
        functools.update_wrapper(self, function, updated=())

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Tool {self.name}{' (async)' if self.is_async else ''}>"

    # -- definitions --------------------------------------------------------------------

    def to_chat(self) -> dict[str, Any]:
        """``{"type": "function", "function": {...}}``: chat completions."""
        function: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        if self.strict:
            function["strict"] = True
        return {"type": "function", "function": function}

    def to_responses(self) -> dict[str, Any]:
        """``{"type": "function", "name": ..., "parameters": ...}``: the Responses API."""
        definition: dict[str, Any] = {"type": "function", "name": self.name}
        if self.description:
            definition["description"] = self.description
        definition["parameters"] = self.parameters
        if self.strict:
            definition["strict"] = True
        return definition

    def to_messages(self) -> dict[str, Any]:
        """``{"name": ..., "input_schema": ...}``: Anthropic's Messages format."""
        definition: dict[str, Any] = {"name": self.name}
        if self.description:
            definition["description"] = self.description
        definition["input_schema"] = self.parameters
        if self.strict:
            definition["strict"] = True
        return definition

    def render(self, wire: Wire) -> dict[str, Any]:
        """The definition for ``wire`` (``"chat"``, ``"responses"`` or ``"messages"``)."""
        if wire == "chat":
            return self.to_chat()
        if wire == "responses":
            return self.to_responses()
        return self.to_messages()

    # -- running ------------------------------------------------------------------------

    def bind(self, arguments: str | bytes | Mapping[str, Any] | None) -> Callable[[], Any]:
        """The call with ``arguments`` (JSON text or a dict) validated, ready to run;
        ``ToolArgumentsError`` if they are not valid JSON or do not fit the parameters."""
        from pydantic import ValidationError

        try:
            return self._binder(_decoded(arguments))
        except ValidationError as exc:
            raise ToolArgumentsError(
                f"invalid arguments for {self.name}: {describe_errors(exc.errors())}"
            ) from exc

    def run(self, arguments: str | bytes | Mapping[str, Any] | None = None) -> Any:
        """Validate ``arguments`` and run the function (an async one in its own event
        loop); return what it returns."""
        value = self.bind(arguments)()
        if inspect.isawaitable(value):
            import asyncio

            return asyncio.run(_awaited(value))
        return value

    async def run_async(self, arguments: str | bytes | Mapping[str, Any] | None = None) -> Any:
        """Validate ``arguments`` and run the function: awaited if it is async, else in a
        worker thread (so a slow function does not stop the event loop)."""
        call = self.bind(arguments)
        if self.is_async:
            value = call()
        else:
            import asyncio

            value = await asyncio.to_thread(call)
        if inspect.isawaitable(value):
            value = await value
        return value


async def _awaited(value: Awaitable[Any]) -> Any:
    return await value


def _decoded(arguments: str | bytes | Mapping[str, Any] | None) -> Any:
    if arguments is None:
        return {}
    if isinstance(arguments, str | bytes):
        if not arguments.strip():
            return {}
        import json

        try:
            return json.loads(arguments)
        except ValueError as exc:
            text = arguments if isinstance(arguments, str) else arguments.decode("utf-8", "replace")
            raise ToolArgumentsError(
                f"the arguments are not valid JSON ({exc}): {text[:200]!r}"
            ) from None
    return arguments


def describe_errors(errors: Iterable[Mapping[str, Any]], limit: int = 5) -> str:
    """Pydantic errors as one line: ``city: Field required; days: Input should be...``."""
    parts = []
    errors = list(errors)
    for error in errors[:limit]:
        where = ".".join(str(part) for part in error.get("loc", ())) or "(the value)"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    more = len(errors) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


# -- making tools -----------------------------------------------------------------------


@overload
def tool(
    target: type[M],
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
) -> Tool[..., M]: ...
@overload
def tool(
    target: Callable[P, R],
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
) -> Tool[P, R]: ...
@overload
def tool(
    target: None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
) -> Callable[[Callable[P, R]], Tool[P, R]]: ...
def tool(
    target: Any = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
) -> Any:
    """A ``Tool`` from a function (sync or async) or a pydantic model class.

    Use it as ``tool(fn)``, as ``@tool`` or as ``@tool(name=..., description=...,
    strict=True)``. The name defaults to the function's (or class's) name, the
    description to its docstring (without the ``Args:`` section, which describes the
    parameters). ``strict=True`` sends OpenAI's strict form (every parameter required,
    nullable when optional) and asks the model to follow the schema exactly.

    A pydantic model as a tool: the model's fields are the parameters; running it
    validates the arguments into an instance and calls its ``__call__`` if the class
    defines one (sync or async), else returns the instance (sent back as JSON).
    """
    if target is None:
        return functools.partial(tool, name=name, description=description, strict=strict)
    if isinstance(target, Tool):
        return target
    from pydantic import BaseModel

    if isinstance(target, type) and issubclass(target, BaseModel):
        return _model_tool(target, name, description, strict)
    if not callable(target):
        raise TypeError(f"tool() takes a function or a pydantic model class, not {target!r}")
    return _function_tool(target, name, description, strict)


def as_tool(value: Any) -> Tool[..., Any] | None:
    """``value`` as a ``Tool`` (a function or model class is wrapped), or ``None`` for a
    tool definition given as a dict (sent as it is, but not runnable)."""
    if isinstance(value, Mapping):
        return None
    made: Tool[..., Any] = tool(value)
    return made


def _finish_schema(schema: dict[str, Any], strict: bool) -> dict[str, Any]:
    from r9s._structured.schema import to_strict_schema

    schema.pop("title", None)
    for sub in (schema.get("properties") or {}).values():
        if isinstance(sub, dict):
            sub.pop("title", None)
    schema.setdefault("properties", {})
    return to_strict_schema(schema) if strict else schema


def _function_tool(
    function: Callable[..., Any], name: str | None, description: str | None, strict: bool
) -> Tool[..., Any]:
    import typing_extensions  # pydantic takes only its TypedDict before Python 3.12
    from pydantic import ConfigDict, Field, TypeAdapter, with_config

    target = function if inspect.isroutine(function) else getattr(function, "__call__", function)  # noqa: B004
    tool_name = name or getattr(function, "__name__", None) or type(function).__name__
    summary, documented = parse_docstring(inspect.getdoc(function) or "")
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:  # unresolvable forward references: untyped, rather than no tool
        hints = {}
    fields: dict[str, Any] = {}
    required: set[str] = set()
    for parameter in inspect.signature(target).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TypeError(
                f"tool {tool_name!r}: *{parameter.name} cannot be described to a model; "
                "name each parameter"
            )
        if parameter.kind == parameter.POSITIONAL_ONLY:
            raise TypeError(
                f"tool {tool_name!r}: the positional-only parameter {parameter.name!r} "
                "cannot be passed by name"
            )
        annotation = hints.get(parameter.name, Any)
        text = documented.get(parameter.name)
        if text and not _has_description(annotation):
            annotation = typing.Annotated[annotation, Field(description=text)]
        if parameter.default is inspect.Parameter.empty:
            required.add(parameter.name)
            fields[parameter.name] = typing_extensions.Required[annotation]
        else:
            fields[parameter.name] = typing_extensions.NotRequired[annotation]
    make_typed_dict: Any = typing_extensions.TypedDict  # built at run time, from the signature
    arguments: Any = with_config(ConfigDict(extra="forbid"))(
        make_typed_dict(_safe_identifier(tool_name), fields)
    )
    adapter: TypeAdapter[dict[str, Any]] = TypeAdapter(arguments)
    schema = _finish_schema(adapter.json_schema(), strict)

    def bind(data: Any) -> Callable[[], Any]:
        return functools.partial(function, **adapter.validate_python(data))

    return Tool(
        function,
        name=_tool_name(tool_name),
        description=description if description is not None else summary,
        parameters=schema,
        binder=bind,
        strict=strict,
    )


def _model_tool(
    model: type[Any], name: str | None, description: str | None, strict: bool
) -> Tool[..., Any]:
    from pydantic import BaseModel

    schema = _finish_schema(model.model_json_schema(), strict)
    text = schema.pop("description", None)
    runs = None  # the __call__ the model's own classes define, if any
    for cls in model.__mro__:
        if cls is BaseModel:
            break
        if "__call__" in vars(cls):
            runs = vars(cls)["__call__"]
            break

    def run(instance: Any) -> Any:
        return instance() if runs is not None else instance

    def bind(data: Any) -> Callable[[], Any]:
        return functools.partial(run, model.model_validate(data))

    return Tool(
        model,
        name=_tool_name(name or model.__name__),
        description=description if description is not None else (text or ""),
        parameters=schema,
        binder=bind,
        strict=strict,
        is_async=runs is not None and inspect.iscoroutinefunction(runs),
    )


def _tool_name(name: str) -> str:
    from r9s._structured.schema import sanitize_name

    return sanitize_name(name)


def _safe_identifier(name: str) -> str:
    cleaned = re.sub(r"\W+", "_", name)
    return cleaned if cleaned.isidentifier() else f"tool_{cleaned}"


def _has_description(annotation: Any) -> bool:
    return any(
        getattr(meta, "description", None) for meta in getattr(annotation, "__metadata__", ())
    )


# -- docstrings -------------------------------------------------------------------------

_SECTION = re.compile(
    r"^(Args|Arguments|Parameters|Params|Returns?|Yields?|Raises|Examples?|Notes?|"
    r"Keyword Args|Keyword Arguments|Other Parameters|See Also|Attributes)\s*:?\s*$"
)
_PARAM_SECTIONS = {"Args", "Arguments", "Parameters", "Params", "Keyword Args",
                   "Keyword Arguments", "Other Parameters"}  # fmt: skip
_GOOGLE_ITEM = re.compile(r"^\*{0,2}(?P<name>\w+)\s*(\([^)]*\))?\s*:\s*(?P<text>.*)$")
_NUMPY_ITEM = re.compile(r"^(?P<name>\w+)\s*(:.*)?$")
_SPHINX = re.compile(r"^:param\s+(?:[^:]*\s)?(?P<name>\w+)\s*:\s*(?P<text>.*)$")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """``(description, {parameter: description})`` from a docstring in Google, NumPy or
    Sphinx style. The description is the text before the first section."""
    lines = doc.expandtabs().splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        header = _SECTION.match(stripped)
        underlined = index + 1 < len(lines) and set(lines[index + 1].strip()) == {"-"}
        if header and (stripped.endswith(":") or underlined):
            index += 2 if underlined and not stripped.endswith(":") else 1
            body, index = _section_body(lines, index, numpy=underlined)
            if header.group(1) in _PARAM_SECTIONS:
                params.update(_items(body, numpy=underlined))
            continue
        sphinx = _SPHINX.match(stripped)
        if sphinx:
            text = [sphinx["text"]]
            index += 1
            while (
                index < len(lines)
                and lines[index].startswith((" ", "\t"))
                and lines[index].strip()
                and not lines[index].strip().startswith(":")
            ):
                text.append(lines[index].strip())
                index += 1
            params[sphinx["name"]] = " ".join(part for part in text if part)
            continue
        if stripped.startswith(":"):
            index += 1
            continue
        if not params and not any(_SECTION.match(s.strip()) for s in lines[:index]):
            summary.append(line)
        index += 1
    return "\n".join(summary).strip(), params


def _section_body(lines: list[str], index: int, *, numpy: bool) -> tuple[list[str], int]:
    body: list[str] = []
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        next_is_rule = index + 1 < len(lines) and set(lines[index + 1].strip()) == {"-"}
        if stripped and _SECTION.match(stripped) and (stripped.endswith(":") or next_is_rule):
            break
        if numpy and next_is_rule:
            break
        if not numpy and stripped and not line.startswith((" ", "\t")):
            break
        body.append(line)
        index += 1
    return body, index


def _items(body: list[str], *, numpy: bool) -> dict[str, str]:
    indents = [len(line) - len(line.lstrip()) for line in body if line.strip()]
    if not indents:
        return {}
    base = min(indents)
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if indent == base:
            match = (_NUMPY_ITEM if numpy else _GOOGLE_ITEM).match(stripped)
            if match:
                text = "" if numpy else match["text"]
                current = found.setdefault(match["name"], [text] if text else [])
                continue
        if current is not None:
            current.append(stripped)
    return {name: " ".join(parts) for name, parts in found.items() if parts}


# -- files ------------------------------------------------------------------------------


def tools_from_file(path: str | Path) -> list[Tool[..., Any]]:
    """The public top-level functions of a Python file, as tools, in the order the file
    defines them (``r9s chat --functions FILE.py``). Functions imported into the file and
    names starting with ``_`` are left out. ``ValueError`` says what is wrong with a
    file that cannot be loaded or defines no function."""
    source = Path(path)
    if not source.is_file():
        raise ValueError(f"{source}: no such file")
    module_name = f"r9s_tools_{abs(hash(str(source.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, source)
    if spec is None or spec.loader is None:
        raise ValueError(f"{source}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pydantic look their module up
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        raise ValueError(f"{source}:{exc.lineno}: syntax error: {exc.msg}") from None
    except BaseException as exc:
        sys.modules.pop(module_name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise ValueError(f"{source}: loading it failed: {type(exc).__name__}: {exc}") from exc
    functions = [
        value
        for key, value in vars(module).items()
        if not key.startswith("_") and inspect.isfunction(value) and value.__module__ == module_name
    ]
    if not functions:
        raise ValueError(f"{source}: defines no public top-level function to use as a tool")
    try:
        return [tool(function) for function in functions]
    except TypeError as exc:
        raise ValueError(f"{source}: {exc}") from None


# -- tool runs --------------------------------------------------------------------------

ToolLike = Callable[..., Any] | Mapping[str, Any]
"""What ``run_tools(tools=[...])`` takes: a ``Tool``, a function, a pydantic model class,
or a tool definition as a dict (sent as it is; the model's calls of it cannot be run)."""


@dataclass(frozen=True)
class TextEvent:
    """A piece of the model's text, as it streams (``run_tools(..., stream=True)``)."""

    text: str
    type: Literal["text"] = "text"


@dataclass(frozen=True)
class ToolCallEvent:
    """The model called a tool; it runs next."""

    call: ToolCall
    type: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True)
class ToolResultEvent:
    """A tool call ran (or failed: ``result.is_error``); its result goes to the model."""

    result: ToolResult
    type: Literal["tool_result"] = "tool_result"


ToolRunEvent = TextEvent | ToolCallEvent | ToolResultEvent
"""What a streamed tool run yields, in order: text deltas, then for each round of tool
calls one ``ToolCallEvent`` per call and one ``ToolResultEvent`` per result."""
