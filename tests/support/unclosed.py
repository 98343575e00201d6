"""Tests that fail when they leave an HTTP session, connector, transport or socket
unclosed: for the suites that make async HTTP clients (``tests/sdk``, ``tests/contract``).
A conftest imports ``no_unclosed_connections`` (an autouse fixture) and calls
``resource_warnings_fail`` from its ``pytest_collection_modifyitems``."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest


def resource_warnings_fail(items: list[pytest.Item], directory: Path) -> None:
    """Make a ``ResourceWarning`` an error in the tests under ``directory``; a test's own
    ``filterwarnings`` mark still wins (it is closer to the test)."""
    for item in items:
        if directory in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("error::ResourceWarning"), append=False)


@pytest.fixture(autouse=True)
def no_unclosed_connections() -> Iterator[None]:
    """Fail a test that leaves an HTTP session, connector or transport unclosed: aiohttp
    says so through the event loop's exception handler (logged by ``asyncio``), asyncio and
    sockets with a ``ResourceWarning`` (an error: see ``resource_warnings_fail``), both
    when the object is collected, so the test ends with a collection."""
    seen: list[str] = []

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if "nclosed" in message:
                seen.append(message)

    watch = Watch(logging.ERROR)
    asyncio_logger = logging.getLogger("asyncio")
    asyncio_logger.addHandler(watch)
    try:
        yield
        gc.collect()
    finally:
        asyncio_logger.removeHandler(watch)
    assert not seen, f"left unclosed: {seen}"
