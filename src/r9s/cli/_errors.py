"""Turn any exception into the one line the CLI prints."""

from __future__ import annotations

import sys


def describe(exc: BaseException) -> str:
    """A one-line, key-free description of ``exc`` for the terminal."""
    errors = sys.modules.get("r9s.errors")
    if errors is not None and isinstance(exc, errors.R9SError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
