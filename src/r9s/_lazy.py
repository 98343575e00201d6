"""Names a module hands out from another module, imported on their first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def lazy_names(namespace: dict[str, Any], module: str, *names: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``namespace`` (the module's ``globals()``): each of
    ``names`` is imported from ``module`` on first use and kept in ``namespace``.

    Define it under ``if not TYPE_CHECKING`` and import the names for type checkers
    there: a module ``__getattr__`` they can see makes every misspelt name an ``Any``."""
    known = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name not in known:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
