"""Where each CLI setting comes from: a flag beats the environment, which beats a default.

One function so that later layers (``~/.r9s/config.toml``, ``.env``) slot in below the
environment without touching the commands.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple


class Resolved(NamedTuple):
    """A value and where it came from (``"--api-key"``, ``"R9S_API_KEY"``, ``"default"``)."""

    value: str | None
    source: str


def resolve(
    flag: str | None,
    env_name: str,
    default: str | None = None,
    *,
    flag_name: str = "flag",
    environ: Mapping[str, str] | None = None,
) -> Resolved:
    """The first of: the flag, the environment variable ``env_name``, ``default``.

    Empty strings count as unset, so ``R9S_MODEL=`` does not select an empty model.
    """
    if flag is not None and flag.strip():
        return Resolved(flag.strip(), flag_name)
    environ = os.environ if environ is None else environ
    value = environ.get(env_name, "").strip()
    if value:
        return Resolved(value, env_name)
    return Resolved(default, "default" if default is not None else "unset")
