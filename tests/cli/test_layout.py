"""The CLI's layout holds: every module imports on its own, no import cycles, each layer
imports only from the layers below it, and the two registries (commands, coding tools)
are the only lists of what exists."""

from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import r9s.cli
from r9s.cli.main import COMMANDS, build_parser
from r9s.cli.tools import all_tools, module_names
from r9s.cli.tools._docs import update

CLI = Path(r9s.cli.__file__).parent
ROOT = CLI.parents[2]
PACKAGE = "r9s.cli"

# What each part of the CLI may import from r9s.cli (besides itself). Lower layers never
# import higher ones: common knows nothing of chat or the tools, the tools nothing of chat.
LAYERS: dict[str, set[str]] = {
    "common": set(),
    "chat": {"common"},
    "media": {"common"},
    "tools": {"common"},
    "commands": {"common", "chat", "media", "tools", "completion", "main"},
    "completion": set(),
    "main": {"common"},  # commands are imported by name (importlib), never statically
    "__main__": {"main"},
    "__init__": set(),
}


def cli_modules() -> list[str]:
    names = [PACKAGE]
    for info in pkgutil.walk_packages([str(CLI)], prefix=f"{PACKAGE}."):
        names.append(info.name)
    return sorted(names)


def source_of(module: str) -> Path:
    relative = module.removeprefix(PACKAGE).lstrip(".").replace(".", "/")
    folder = CLI / relative
    return folder / "__init__.py" if folder.is_dir() else CLI / f"{relative}.py"


def imports_of(module: str) -> set[str]:
    """The r9s.cli modules ``module`` imports, wherever the import statement is (at the
    top, in a function, under TYPE_CHECKING): a cycle through a lazy import is a cycle."""
    path = source_of(module)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    known = set(cli_modules())
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # `from package import module` imports the module
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith(PACKAGE) and name != module:
                found.add(name)
    # Importing r9s.cli.x.y runs r9s.cli.x and r9s.cli first: packages are not edges.
    return {name for name in found if not module.startswith(name + ".")}


def graph() -> dict[str, set[str]]:
    return {module: imports_of(module) for module in cli_modules()}


def part(module: str) -> str:
    return module.removeprefix(PACKAGE).lstrip(".").split(".")[0] or "__init__"


@pytest.mark.parametrize("module", cli_modules())
def test_every_module_imports_on_its_own(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_there_is_no_import_cycle() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        stack.append(module)
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_sees_lazy_imports() -> None:
    # The graph must see an import inside a function, or the test above proves nothing.
    assert "r9s.cli.common.api" in imports_of("r9s.cli.commands.models")
    assert "r9s.cli.chat.turn" in imports_of("r9s.cli.chat.repl")
    assert "r9s.cli.common.errors" in imports_of("r9s.cli.main")


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        for target in targets
        if part(target) != part(module) and part(target) not in LAYERS[part(module)]
    ]
    assert not wrong, wrong


def test_the_command_table_is_the_list_of_commands() -> None:
    modules = {
        info.name
        for info in pkgutil.iter_modules([str(CLI / "commands")])
        if not info.name.startswith("_")
    }
    assert {command.module.rsplit(".", 1)[1] for command in COMMANDS} == modules
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    parser_commands = set(commands.choices)
    assert parser_commands == {n for c in COMMANDS for n in (c.name, *c.aliases)}


def test_every_tool_module_is_registered_and_described() -> None:
    tools = all_tools()
    for name in module_names():  # every public module of tools/ is a tool, named after it
        module = importlib.import_module(f"r9s.cli.tools.{name}")
        assert module.TOOL.name.replace("-", "_") == name, name
    assert len(tools) == len(module_names())
    assert len({tool.order for tool in tools}) == len(tools), "two tools share an order"
    names = [name for tool in tools for name in (tool.name, *tool.aliases)]
    assert len(names) == len(set(names)), "a name or alias is used twice"
    for tool in tools:
        assert tool.writes.help and tool.writes.markdown, tool.name
        assert tool.injects.help and tool.injects.markdown, tool.name
        for text in (tool.writes.help, tool.injects.help):
            assert all(len(line) <= 78 for line in text.splitlines()), (tool.name, text)


@pytest.mark.parametrize("doc", ["README.md", "docs/coding-tools.md"])
def test_the_docs_tool_tables_are_generated_from_the_registry(doc: str) -> None:
    text = (ROOT / doc).read_text()
    assert "<!-- tools:" in text
    fix = f"python -m r9s.cli.tools._docs {doc}"
    assert update(text) == text, f"{doc} is out of date: run `{fix}`"
