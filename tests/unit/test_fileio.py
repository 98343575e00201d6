"""``r9s._fileio``: the atomic writes the CLI's config edits and r9s batch's files share."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from r9s._fileio import replace_atomic, stage


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_replace_writes_chunks_and_keeps_the_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    replace_atomic(target, (f"line {n}\n".encode() for n in range(3)))
    assert target.read_bytes() == b"line 0\nline 1\nline 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_umasks_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        replace_atomic(tmp_path / "new.json", b"{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


def test_a_failure_mid_write_leaves_the_old_file_whole_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")

    def broken() -> Iterator[bytes]:
        yield b"half"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        replace_atomic(target, broken())
    assert target.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_a_dead_writers_temporary_is_swept_by_the_next_write(tmp_path: Path) -> None:
    dead = tmp_path / ".out.jsonl.r9s-999999999-0123abcd.tmp"  # no such process
    dead.write_bytes(b"half")
    mine = tmp_path / f".out.jsonl.r9s-{os.getpid()}-0123abcd.tmp"
    mine.write_bytes(b"in use")
    staged = stage(tmp_path, "out.jsonl", b"new", 0o644)
    assert not dead.exists() and mine.exists()
    assert staged.read_bytes() == b"new"
