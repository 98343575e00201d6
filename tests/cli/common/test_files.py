"""The shared file engine: editing in place (common/formats), atomic writes and masked
diffs (common/files), function by function."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from r9s.cli.common.files import MalformedFile, diff, snapshot, write_atomic
from r9s.cli.common.formats import MISSING, REMOVE, Update, edit

HERE = Path("/home/user/file")


def test_json_keeps_order_and_tab_indentation_and_removes_keys() -> None:
    text = '{\n\t"b": 1,\n\t"env": {\n\t\t"OLD": "x",\n\t\t"KEEP": "y"\n\t}\n}\n'
    edits = {("env", "NEW"): "z", ("env", "OLD"): REMOVE, ("a",): True}
    result = edit("json", text, edits, HERE).text
    assert (
        result
        == '{\n\t"b": 1,\n\t"env": {\n\t\t"KEEP": "y",\n\t\t"NEW": "z"\n\t},\n\t"a": true\n}\n'
    )


def test_json_wrong_shape_is_refused_with_its_line_unless_forced() -> None:
    text = '{\n  "x": 1,\n  "env": ["not", "an", "object"]\n}\n'
    with pytest.raises(MalformedFile) as caught:
        edit("json", text, {("env", "K"): "v"}, HERE)
    assert caught.value.line == 3
    assert "env has an unexpected type" in str(caught.value)
    assert edit("json", text, {("env", "K"): "v"}, HERE, force=True).text == (
        '{\n  "x": 1,\n  "env": {\n    "K": "v"\n  }\n}\n'
    )


def test_an_update_that_rejects_the_current_value_is_a_malformed_file() -> None:
    def must_be_list(current: object) -> object:
        if current is not MISSING and not isinstance(current, list):
            raise ValueError("not a list")
        return ["ours"]

    with pytest.raises(MalformedFile):
        edit("json", '{"p": {}}', {("p",): Update(must_be_list)}, HERE)
    assert (
        edit("json", "", {("p",): Update(must_be_list)}, HERE).text
        == '{\n  "p": [\n    "ours"\n  ]\n}\n'
    )


def test_toml_edits_an_existing_table_in_place_and_keeps_comments() -> None:
    text = '[model_providers.r9s] # ours\nname = "old"  # name\nextra = 1\n\n[other]\nk = "v"\n'
    result = edit("toml", text, {("model_providers", "r9s", "name"): "r9s"}, HERE).text
    assert (
        result
        == '[model_providers.r9s] # ours\nname = "r9s"  # name\nextra = 1\n\n[other]\nk = "v"\n'
    )


def test_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(MalformedFile) as caught:
        edit("toml", 'a = 1\nb = "unterminated\n', {("a",): 2}, HERE)
    assert caught.value.line == 2


def test_env_lines_keep_comments_quote_when_needed_and_drop_duplicates() -> None:
    text = "# c\nA=1\nexport B='x'\nA=2\nC=3 # note\n"
    result = edit(
        "env", text, {("A",): "has space", ("B",): "y", ("D",): "d", ("C",): REMOVE}, HERE
    ).text
    assert result == "# c\nA='has space'\nexport B=y\nD=d\n"


def test_atomic_write_leaves_no_temporary_file_and_sets_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "f.json"
    created = write_atomic(target, b"{}\n", 0o600)
    assert created == [tmp_path / "new", tmp_path / "new" / "deeper"]
    assert sorted(os.listdir(target.parent)) == ["f.json"]
    assert target.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def test_diff_masks_the_key(tmp_path: Path) -> None:
    before = snapshot(tmp_path / "absent.json")
    patch = diff(before, '{"key": "sk-0123456789abcdef"}\n', "sk-0123456789abcdef")
    assert patch.startswith("--- /dev/null\n+++ ")
    assert "sk-...cdef" in patch and "sk-0123456789abcdef" not in patch


def test_masking_hides_every_kind_of_credential_and_nothing_else() -> None:
    from r9s.cli.common.masking import mask_secrets

    text = (
        '{"apiKey": "sk-live-0123456789abcdef", "envKey": "R9S_API_KEY", "theme": "dark",\n'
        ' "headers": {"Authorization": "Bearer abcdefghijklmnopqrstuvwxyz"},\n'
        ' "proxy": "http://bob:hunter2-hunter2@proxy:3128", "git": "https://ghp_123456@gh.io",\n'
        ' "cmd": "curl -H \'Authorization: Basic dXNlcjpwYXNzd29yZA==\'"}\n'
        "DB_PASSWORD='multi\nline secret value'\nexport SESSION_ID=abcdefghijklmnopqrst\n"
        'bearer_token = """tok-0123456789abcdef"""\n'
    )
    masked = mask_secrets(text, "explicit-secret-000000")
    for secret in ("0123456789abcdef", "abcdefghijklmnopqrstuvwxyz", "hunter2", "ghp_123456",
                   "dXNlcjpwYXNzd29yZA", "line secret value", "abcdefghijklmnopqrst"):  # fmt: skip
        assert secret not in masked, secret
    assert '"envKey": "R9S_API_KEY"' in masked, "a variable's name is no secret"
    assert '"theme": "dark"' in masked and "http://bob:****@proxy:3128" in masked
    assert masked.count("\n") < text.count("\n"), "the multi-line value is masked whole"
    assert mask_secrets("x explicit-secret-000000 y", "explicit-secret-000000") == (
        "x exp...0000 y"
    )
