"""Editing ``~/.r9s/config.toml``: tomlkit keeps comments and layout; the file is
written atomically with mode 0600 (it holds the key), under r9s's lock."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from r9s.cli.common.files import KEY_FILE_MODE, locked, snapshot, write_atomic
from r9s.cli.common.formats import REMOVE, Edits, edit
from r9s.cli.common.i18n import _
from r9s.cli.common.settings import CONFIG_KEYS, config_path, normalize_key, state_dir


class UnknownKey(ValueError):
    def __init__(self, key: str) -> None:
        known = ", ".join(CONFIG_KEYS)
        super().__init__(f"unknown setting {key!r}; the settings are: {known}")


def check_key(key: str) -> str:
    normalized = normalize_key(key)
    if normalized not in CONFIG_KEYS:
        raise UnknownKey(key)
    return normalized


def normalize_value(key: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(
            _("{key}: empty value (use `r9s config unset {key}` to remove it)").format(key=key)
        )
    if key == "base_url":
        from r9s._config import normalize_base_url

        return normalize_base_url(value)
    if key == "backups" and (not value.isdigit() or int(value) < 1):
        raise ValueError(
            _("backups: a whole number of at least 1, not {value!r}").format(value=value)
        )
    return value


def _write(edits: Edits, home: Path | None = None) -> Path:
    path = config_path(home)
    with locked(state_dir(home)):
        before = snapshot(path)
        text = edit("toml", before.text(), edits, path).text
        write_atomic(path, text.encode("utf-8"), KEY_FILE_MODE)
    return path


def set_values(values: Mapping[str, str], home: Path | None = None) -> Path:
    """Store ``values`` (setting name to text); returns the file's path."""
    edits: Edits = {(check_key(k),): normalize_value(check_key(k), v) for k, v in values.items()}
    return _write(edits, home)


def unset(key: str, home: Path | None = None) -> Path:
    return _write({(check_key(key),): REMOVE}, home)


def warn_shadowed(key: str) -> None:
    """Warn when the environment or ./.env would win over what was just stored."""
    import os

    from r9s.cli.common import interact
    from r9s.cli.common.settings import DOTENV_SOURCE, read_dotenv

    env = CONFIG_KEYS[key]
    if os.environ.get(env, "").strip():
        interact.warn(_("${env} is set and wins over the file").format(env=env))
    elif read_dotenv().get(env, "").strip():
        interact.warn(
            _("{env} in {DOTENV_SOURCE} (this folder) wins over the file").format(
                env=env, DOTENV_SOURCE=DOTENV_SOURCE
            )
        )
