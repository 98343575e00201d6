"""Where each CLI setting comes from, highest first:

1. a flag (``--api-key``),
2. the environment (``R9S_API_KEY``),
3. a ``.env`` file in the current folder (skipped with ``R9S_NO_DOTENV=1``),
4. ``~/.r9s/config.toml`` (``r9s config set`` / ``r9s login`` write it, mode 0600),
5. a default.

Every command goes through :func:`resolve`, so they all agree. Standard library only:
the file is read with ``tomllib``; ``r9s config`` edits it with tomlkit (comments kept).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from r9s._config import DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, ENV_MODEL, normalize_base_url
from r9s.cli.common.i18n import _

ENV_NO_DOTENV = "R9S_NO_DOTENV"
DOTENV_SOURCE = ".env"
CONFIG_SOURCE = "~/.r9s/config.toml"

# config.toml key -> the environment variable it stands below
CONFIG_KEYS: dict[str, str] = {
    "api_key": ENV_API_KEY,
    "base_url": ENV_BASE_URL,
    "model": ENV_MODEL,
    "backups": "R9S_BACKUPS",  # how many changes each coding tool's backups keep
}
ENV_TO_KEY = {env: key for key, env in CONFIG_KEYS.items()}


def normalize_key(name: str) -> str:
    """A setting's name as stored: ``API-Key`` is ``api_key``."""
    return name.strip().lower().replace("-", "_")


class Resolved(NamedTuple):
    """A value and where it came from (``"--api-key"``, ``"R9S_API_KEY"``, ``".env"``,
    ``"~/.r9s/config.toml"``, ``"default"``)."""

    value: str | None
    source: str


class ConfigError(Exception):
    """``~/.r9s/config.toml`` cannot be read; the message names the file and line."""


def state_dir(home: Path | None = None) -> Path:
    """``~/.r9s``: config, chats, history, backups."""
    return (Path.home() if home is None else home) / ".r9s"


def config_path(home: Path | None = None) -> Path:
    return state_dir(home) / "config.toml"


def read_config(home: Path | None = None) -> dict[str, Any]:
    """The values of ``~/.r9s/config.toml`` (empty when it does not exist)."""
    path = config_path(home)
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
        return {}  # HOME may be odd (a file, /proc/1): as if there were no file
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            _("{CONFIG_SOURCE}: {exc}; fix or delete the file").format(
                CONFIG_SOURCE=CONFIG_SOURCE, exc=exc
            )
        ) from None


def read_dotenv(
    cwd: Path | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The ``R9S_*`` entries of ``./.env`` (none with ``R9S_NO_DOTENV=1``)."""
    environ = os.environ if environ is None else environ
    if environ.get(ENV_NO_DOTENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return {}
    path = (Path.cwd() if cwd is None else cwd) / ".env"
    try:
        text = path.read_text("utf-8-sig")
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError):
        return {}
    from r9s.cli.common.formats import parse

    values = parse("env", text, path)
    return {key: str(value) for key, value in values.items() if key.startswith("R9S_")}


def resolve(
    flag: str | None,
    env_name: str,
    default: str | None = None,
    *,
    flag_name: str = "flag",
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    home: Path | None = None,
) -> Resolved:
    """The first of: the flag, ``env_name`` in the environment, in ``./.env``, its key in
    ``~/.r9s/config.toml``, ``default``.

    Empty strings count as unset, so ``R9S_MODEL=`` does not select an empty model.
    """
    if flag is not None and flag.strip():
        return Resolved(flag.strip(), flag_name)
    environ = os.environ if environ is None else environ
    value = environ.get(env_name, "").strip()
    if value:
        return Resolved(value, env_name)
    value = read_dotenv(cwd, environ).get(env_name, "").strip()
    if value:
        return Resolved(value, DOTENV_SOURCE)
    key = ENV_TO_KEY.get(env_name)
    if key is not None:
        stored = read_config(home).get(key)
        if isinstance(stored, str) and stored.strip():
            return Resolved(stored.strip(), CONFIG_SOURCE)
    return Resolved(default, "default" if default is not None else "unset")


def base_url(flag: str | None) -> Resolved:
    """The r9s base URL, normalised (a URL without a path gets ``/v1``)."""
    found = resolve(flag, ENV_BASE_URL, DEFAULT_BASE_URL, flag_name="--base-url")
    assert found.value is not None
    try:
        return Resolved(normalize_base_url(found.value), found.source)
    except ValueError as exc:
        raise ValueError(f"{found.source}: {exc}") from None
