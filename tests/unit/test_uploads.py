"""What file parameters accept, how they are named, and who closes them."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest

from r9s import _uploads
from r9s._uploads import Uploads, form_fields, multipart

PNG = b"\x89PNG\r\n\x1a\n" + bytes(8)
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(8)


class Unseekable(io.RawIOBase):
    """A pipe-like stream: readable once, no seek."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_path_is_opened_streamed_and_closed_by_us(tmp_path: Path) -> None:
    path = tmp_path / "speech.mp3"
    path.write_bytes(b"ID3" + bytes(10))
    uploads = Uploads()
    for value in (path, str(path)):
        name, content, content_type = uploads.file(value, "file")
        assert name == "speech.mp3" and content_type is None
        assert isinstance(content, io.BufferedReader) and not content.closed
    handles = list(uploads._owned)
    uploads.close()
    assert handles and all(handle.closed for handle in handles)


def test_a_missing_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Uploads().file(tmp_path / "nope.wav", "file")


@pytest.mark.parametrize(
    ("data", "name"),
    [(PNG, "upload.png"), (WAV, "upload.wav"), (b"ID3\x04", "upload.mp3"), (b"??", "upload")],
)
def test_bytes_are_named_from_their_format(data: bytes, name: str) -> None:
    assert Uploads().file(data, "file") == (name, data, None)
    assert Uploads().file(bytearray(data), "file")[0] == name


def test_a_caller_file_stays_open_and_keeps_its_name(tmp_path: Path) -> None:
    path = tmp_path / "in.png"
    path.write_bytes(PNG)
    uploads = Uploads()
    with open(path, "rb") as handle:
        handle.read(3)
        assert uploads.file(handle, "image") == ("in.png", handle, None)
        uploads.close()
        assert not handle.closed


def test_an_unnamed_file_object_is_sniffed_without_moving_it_for_good() -> None:
    buffer = io.BytesIO(WAV)
    name, content, _ = Uploads().file(buffer, "file")
    assert (name, content, buffer.tell()) == ("upload.wav", buffer, 0)


def test_tuples_dicts_and_r9s_0x_file_objects() -> None:
    uploads = Uploads()
    assert uploads.file(("a.png", PNG), "image") == ("a.png", PNG, None)
    assert uploads.file(("a.png", PNG, "image/png"), "image") == ("a.png", PNG, "image/png")
    assert uploads.file((None, PNG), "image") == ("upload.png", PNG, None)
    as_dict = {"file_name": "b.wav", "content": WAV, "content_type": "audio/wav"}
    assert uploads.file(as_dict, "file") == ("b.wav", WAV, "audio/wav")

    class File:  # the shape of r9s 0.x's generated File model
        file_name = "c.wav"
        content = WAV
        content_type = None

    assert uploads.file(File(), "file") == ("c.wav", WAV, None)


def test_a_data_url_is_decoded() -> None:
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert Uploads().file(url, "image") == ("upload.png", PNG, "image/png")


def test_text_mode_and_other_types_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("hi")
    with open(path) as text, pytest.raises(TypeError, match="binary mode"):
        Uploads().file(text, "file")
    with pytest.raises(TypeError, match="expected a path, bytes"):
        Uploads().file(42, "file")
    with pytest.raises(TypeError, match="needs 'content'"):
        Uploads().file({"file_name": "x"}, "file")


def test_a_small_unseekable_stream_is_kept_as_bytes() -> None:
    assert Uploads().file(Unseekable(WAV), "file") == ("upload.wav", WAV, None)


def test_a_large_unseekable_stream_is_spooled_to_a_temporary_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_uploads, "SPOOL_IN_MEMORY", 16)
    data = WAV + bytes(100)
    uploads = Uploads()
    name, content, _ = uploads.file(Unseekable(data), "file")
    assert name == "upload.wav" and not isinstance(content, bytes)
    assert content.read() == data
    content.seek(0)
    uploads.close()
    assert content.closed


class Trickle(Unseekable):
    """A pipe that returns at most ``step`` bytes per read, as a raw pipe does (one
    syscall's worth), however much was asked for."""

    def __init__(self, data: bytes, step: int = 1000) -> None:
        super().__init__(data)
        self.step = step

    def readinto(self, buffer: Any) -> int:
        return super().readinto(memoryview(buffer)[: self.step])


@pytest.mark.parametrize("spool_limit", [None, 4096])
def test_a_stream_giving_short_reads_is_read_to_its_end(
    monkeypatch: pytest.MonkeyPatch, spool_limit: int | None
) -> None:
    if spool_limit is not None:  # past the in-memory limit: spooled to a temporary file
        monkeypatch.setattr(_uploads, "SPOOL_IN_MEMORY", spool_limit)
    data = WAV + bytes(range(256)) * 40
    uploads = Uploads()
    _, content, _ = uploads.file(Trickle(data), "file")
    sent = content if isinstance(content, bytes) else content.read()
    uploads.close()
    assert sent == data


def test_form_fields_follow_the_openai_multipart_conventions() -> None:
    fields = form_fields(
        {
            "model": "whisper-1",
            "temperature": 0.5,
            "stream": True,
            "timestamp_granularities": ["word", "segment"],
            "chunking_strategy": {"type": "server_vad", "threshold": 0.5},
            "language": None,
            "http_headers": {"X": "1"},
            "file": b"raw",
        },
        ("file",),
    )
    assert fields == {
        "model": "whisper-1",
        "temperature": 0.5,
        "stream": "true",
        "timestamp_granularities[]": ["word", "segment"],
        "chunking_strategy[type]": "server_vad",
        "chunking_strategy[threshold]": 0.5,
        "http_headers": {"X": "1"},
        "file": b"raw",
    }


def test_several_images_are_image_brackets_one_is_image(tmp_path: Path) -> None:
    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    for path in paths:
        path.write_bytes(PNG)
    with multipart({"image": paths, "mask": PNG, "prompt": "p", "n": 2}, ("image", "mask")) as (
        form,
        files,
    ):
        assert form == {"prompt": "p", "n": 2}
        assert [(field, name) for field, (name, _, _) in files] == [
            ("image[]", "a.png"),
            ("image[]", "b.png"),
            ("mask", "upload.png"),
        ]
        handles = [content for _, (_, content, _) in files[:2]]
    assert all(getattr(handle, "closed", False) for handle in handles)
    with multipart({"image": [paths[0]]}, ("image",)) as (_, files):
        assert [field for field, _ in files] == ["image"]
    with multipart({"image": (str(paths[0]), str(paths[1]))}, ("image",)) as (_, files):
        assert [field for field, _ in files] == ["image[]", "image[]"]


def test_files_we_opened_are_closed_when_the_call_fails(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    with pytest.raises(RuntimeError), multipart({"image": path}, ("image",)) as (_, files):
        handle = files[0][1][1]
        raise RuntimeError("the request failed")
    assert getattr(handle, "closed", False)
