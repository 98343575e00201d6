"""Reading inputs: every form, bad settings refused at once, and a fuzzed reader that never
crashes and gives one row per non-blank line."""

from __future__ import annotations

import gc
import json
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from r9s.batch import BatchInputError, Source
from r9s.batch._index import KeyIndex
from r9s.batch._input import BadLine, Refusal, Request, batch_row
from r9s.batch._run import scan
from tests.batch.conftest import chat_row, write_jsonl


def rows(source: Source) -> list[Request | BadLine | Refusal]:
    return list(source.rows())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "--model is required: p.txt holds prompts"),
        ({"model": "m", "url": "/v1/files"}, "unknown --url '/v1/files'"),
        ({"model": "m", "url": "/v1/embeddings", "system": "s"}, "--system has no place"),
        ({"model": "m", "params": {"model": "x"}}, "give the model with --model"),
    ],
)
def test_quick_forms_need_what_makes_a_request(
    tmp_path: Path, options: dict[str, object], message: str
) -> None:
    (tmp_path / "p.txt").write_text("hi\n")
    with pytest.raises(BatchInputError, match=message):
        Source(tmp_path / "p.txt", **options).check()  # type: ignore[arg-type]


def test_batch_rows_refuse_quick_form_options(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat_row("a")])
    with pytest.raises(BatchInputError, match="--model is for text, CSV or --column inputs"):
        Source(source, model="gpt-4o").check()


def test_a_missing_input_is_named(tmp_path: Path) -> None:
    with pytest.raises(BatchInputError, match="does not exist"):
        Source(tmp_path / "nope.jsonl").check()
    with pytest.raises(BatchInputError, match="is a directory"):
        Source(tmp_path).check()


def test_csv_columns_are_checked_against_the_header(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    with pytest.raises(BatchInputError, match="has 2 columns \\(a, b\\): say which"):
        rows(Source(tmp_path / "t.csv", model="m"))
    with pytest.raises(BatchInputError, match="no column 'c'; its columns: a, b"):
        rows(Source(tmp_path / "t.csv", model="m", column="c"))
    with pytest.raises(BatchInputError, match="no column 'z'"):
        rows(Source(tmp_path / "t.csv", model="m", template="{a} {z}"))
    (tmp_path / "one.csv").write_text("\ufeffprompt\nhello\n")  # a BOM, as Excel writes
    found = rows(Source(tmp_path / "one.csv", model="m"))
    assert isinstance(found[0], Request) and found[0].body["messages"][-1]["content"] == "hello"
    (tmp_path / "t.tsv").write_text("q\tid\nwhy\tk1\n")
    found = rows(Source(tmp_path / "t.tsv", model="m", column="q", id_column="id"))
    assert isinstance(found[0], Request) and found[0].custom_id == "k1"


def test_a_csv_row_that_is_not_utf8_is_an_error_and_the_rest_goes_on(tmp_path: Path) -> None:
    # Past the text layer's read-ahead too: a decoding error there used to lose (or
    # repeat forever) everything after it.
    long = b"x" * 10_000
    (tmp_path / "t.csv").write_bytes(b"prompt\nfirst\n" + long + b"\xff\nlast\n\xe9\n")
    found = rows(Source(tmp_path / "t.csv", model="m"))
    assert [type(row).__name__ for row in found] == ["Request", "BadLine", "Request", "BadLine"]
    assert [row.line for row in found] == [2, 3, 4, 5]
    assert isinstance(found[1], BadLine) and found[1].message == "line 3: not UTF-8 text"
    assert (
        isinstance(found[2], Request) and found[2].custom_id == "row-3"
    )  # ids of the rows after it do not move
    (tmp_path / "h.csv").write_bytes(b"pr\xffompt\nhi\n")
    with pytest.raises(BatchInputError, match="cannot read its header: not UTF-8"):
        rows(Source(tmp_path / "h.csv", model="m"))


def test_messages_quick_form_has_max_tokens_and_the_system_prompt(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text("hi\n")
    source = Source(tmp_path / "p.txt", model="claude-haiku-4-5", url="/v1/messages", system="s")
    (row,) = rows(source)
    assert isinstance(row, Request)
    assert row.body == {"model": "claude-haiku-4-5", "max_tokens": 1024, "system": "s",
                        "messages": [{"role": "user", "content": "hi"}]}  # fmt: skip
    source = Source(tmp_path / "p.txt", model="m", url="/v1/completions", params={"max_tokens": 3})
    assert rows(source)[0] == Request("line-1", 1, "/v1/completions",
                                      {"model": "m", "prompt": "hi", "max_tokens": 3})  # fmt: skip


def test_urls_without_v1_are_accepted_as_openai_does() -> None:
    row = batch_row({"custom_id": "a", "url": "/chat/completions", "body": {}}, 1)
    assert isinstance(row, Request) and row.url == "/v1/chat/completions"


def test_the_fingerprint_covers_the_bytes_and_the_options(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text("hi\nthere\n")
    first = scan(Source(tmp_path / "p.txt", model="a"), KeyIndex())
    assert first.rows == 2 and first.size == 9
    again = scan(Source(tmp_path / "p.txt", model="a"), KeyIndex())
    assert again == first
    assert scan(Source(tmp_path / "p.txt", model="b"), KeyIndex()).differences(first) == [
        "model was 'a', now 'b'"
    ]
    (tmp_path / "p.txt").write_text("hi\nthere!\n")
    assert scan(Source(tmp_path / "p.txt", model="a"), KeyIndex()).differences(first) == [
        "its content differs"
    ]


LINE = st.one_of(
    st.text(max_size=40).filter(lambda t: "\n" not in t and "\r" not in t),
    st.builds(
        json.dumps,
        st.dictionaries(
            st.sampled_from(["custom_id", "url", "body", "params", "method", "x"]),
            st.one_of(
                st.text(max_size=8),
                st.integers(),
                st.none(),
                st.sampled_from(["/v1/chat/completions", "/v1/embeddings", "/v1/nope"]),
                st.fixed_dictionaries({"model": st.text(max_size=5)}),
            ),
            max_size=5,
        ),
    ),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(LINE, max_size=20))
def test_the_reader_gives_one_row_per_line_and_never_crashes(
    tmp_path: Path, lines: list[str]
) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    found = rows(Source(path))
    expected = [n for n, line in enumerate(lines, 1) if line.strip()]
    assert [row.line for row in found] == expected
    for row in found:
        if isinstance(row, BadLine | Refusal):
            assert row.message.startswith(f"line {row.line}: ")
        else:
            assert row.url.startswith("/v1/") and isinstance(row.body, dict)
            assert not row.body.get("stream")


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200))
def test_any_bytes_are_rows_or_errors_never_a_crash(tmp_path: Path, data: bytes) -> None:
    for suffix in (".jsonl", ".txt", ".csv"):
        path = tmp_path / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            found = rows(Source(path, model=None if suffix == ".jsonl" else "m", column=None))
        except BatchInputError:
            continue  # a CSV whose header cannot be read, or that lacks a column choice
        for row in found:
            assert isinstance(row, Request | BadLine | Refusal)


def test_reading_a_csv_leaves_no_open_file_behind(tmp_path: Path) -> None:
    # The text layer over the file must not be dropped open: it warned (ResourceWarning)
    # and closed the file under the reader that opened it.
    (tmp_path / "t.csv").write_text("prompt\nhello\nworld\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        assert len(rows(Source(tmp_path / "t.csv", model="m"))) == 2
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []
