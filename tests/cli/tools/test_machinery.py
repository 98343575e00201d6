"""The tools' machinery without a subprocess: backups and the models each tool is offered."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from r9s.cli.tools import find
from r9s.cli.tools._backups import Backups
from r9s.cli.tools._base import default_model, usable_models


def test_backup_names_are_unique_for_the_same_instant(tmp_path: Path) -> None:
    backups = Backups(tmp_path, "tool")
    backups.folder.mkdir()
    now = datetime(2026, 1, 2, 3, 4, 5, 6)
    names = {backups._copy("settings.json", now, "bak", b"x") for _ in range(3)}
    assert names == {
        "settings.json.20260102-030405-000006.bak",
        "settings.json.20260102-030405-000006-1.bak",
        "settings.json.20260102-030405-000006-2.bak",
    }
    assert sorted(p.name for p in backups.folder.iterdir()) == sorted(names), "no temporary"


def test_model_lists_are_filtered_and_ranked_per_tool() -> None:
    class Model:
        def __init__(self, id: str, kinds: tuple[str, ...] | None = None) -> None:
            self.id, self.endpoint_types = id, kinds

    models = [Model("gpt-4o"), Model("whisper-1"), Model("claude-haiku-4-5"),
              Model("claude-sonnet-4-5"), Model("text-embedding-3-large"),
              Model("gemini-only", ("gemini",))]  # fmt: skip
    claude = find("cc")
    assert claude is not None
    ids = usable_models(claude, models)
    assert ids == ["claude-sonnet-4-5", "claude-haiku-4-5", "gpt-4o"]
    assert default_model(claude, ids, small=True) == "claude-haiku-4-5"
    gemini = find("gemini")
    assert gemini is not None
    assert "gemini-only" in usable_models(gemini, models)
