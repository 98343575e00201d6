from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.prism import prism
from tests.support.spec import spec_path
from tests.support.unclosed import (  # an autouse fixture for every test here
    no_unclosed_connections as no_unclosed_connections,
    resource_warnings_fail,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    resource_warnings_fail(items, Path(__file__).parent)


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism serving the shared spec (paths at the root, validating each request)."""
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with prism(spec_path(), log=log) as url:
        yield url


@pytest.fixture(scope="session")
def prism_sse_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism serving a test copy of the spec whose event streams are canned.

    Each ``tests/contract/canned_streams_<area>.py`` module contributes ``STREAMS``, a
    mapping of API path to raw event-stream text; Prism then sends that text for
    ``Accept: text/event-stream`` requests (all at once) while still validating requests.
    """
    import importlib
    import pkgutil

    import yaml

    from tests.support.prism import with_canned_streams
    from tests.support.spec import load_spec

    streams: dict[str, str] = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("canned_streams_"):
            streams.update(importlib.import_module(f"tests.contract.{info.name}").STREAMS)
    folder = tmp_path_factory.mktemp("prism-sse")
    derived = folder / "r9s-openapi-sse.yaml"
    derived.write_text(yaml.safe_dump(with_canned_streams(load_spec(), streams)))
    with prism(derived, log=folder / "prism.log") as url:
        yield url
