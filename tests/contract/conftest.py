from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.prism import prism
from tests.support.spec import spec_path


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism serving the shared spec (paths at the root, validating each request)."""
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with prism(spec_path(), log=log) as url:
        yield url
