"""``-a FILE|URL``: each kind becomes each API's own content part; what cannot be sent is
a one-line usage error before any request. Subprocesses against the local server."""

from __future__ import annotations

import base64
import functools
import http.server
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from r9s.testing import LocalServer
from tests.support.cli import KEY, logged, r9s
from tests.support.peers import ThreadedServer

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00" + bytes(20)
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + bytes(30)
PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}
MB = 1024 * 1024


def env(server: LocalServer) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY}


def user_content(server: LocalServer, api: str) -> list[dict[str, Any]]:
    body = [r.json for r in server.requests if r.path == PATHS[api]][-1]
    items = body["input"] if api == "responses" else body["messages"]
    content: list[dict[str, Any]] = items[-1]["content"]
    return content


@pytest.fixture
def files(home: Path) -> Path:
    (home / "dot.png").write_bytes(PNG)
    (home / "report.pdf").write_bytes(PDF)
    (home / "voice.wav").write_bytes(WAV)
    (home / "song.mp3").write_bytes(MP3)
    (home / "notes.md").write_text("# Notes\nbuy milk\n")
    return home


def test_each_kind_becomes_the_chat_apis_parts(files: Path, r9s_server: LocalServer) -> None:
    done = r9s(
        files,
        "chat",
        "-a",
        "dot.png",
        "-a",
        "report.pdf",
        "-a",
        "voice.wav",
        "-a",
        "song.mp3",
        "-a",
        "notes.md",
        "what are these",
        env=env(r9s_server),
    )

    assert done.returncode == 0, done.stderr
    parts = user_content(r9s_server, "chat")
    assert parts[0] == {"type": "text", "text": "what are these"}
    assert parts[1] == {
        "type": "file",
        "file": {
            "filename": "report.pdf",
            "file_data": "data:application/pdf;base64," + base64.b64encode(PDF).decode(),
        },
    }
    assert parts[2] == {
        "type": "input_audio",
        "input_audio": {"data": base64.b64encode(WAV).decode(), "format": "wav"},
    }
    assert parts[3]["input_audio"]["format"] == "mp3"
    assert parts[4] == {
        "type": "text",
        "text": '<file name="notes.md">\n# Notes\nbuy milk\n\n</file>',
    }
    assert parts[5] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
    }


def test_pdfs_text_and_images_on_the_responses_and_messages_apis(
    files: Path, r9s_server: LocalServer
) -> None:
    for api, model in (("responses", "gpt-4o-mini"), ("messages", "claude-sonnet-4-5")):
        done = r9s(
            files,
            "chat",
            "--api",
            api,
            "-m",
            model,
            "-a",
            "report.pdf",
            "-a",
            "notes.md",
            "-a",
            "dot.png",
            "read",
            env=env(r9s_server),
        )
        assert done.returncode == 0, done.stderr
    pdf = base64.b64encode(PDF).decode()
    assert user_content(r9s_server, "responses") == [
        {"type": "input_text", "text": "read"},
        {
            "type": "input_file",
            "filename": "report.pdf",
            "file_data": f"data:application/pdf;base64,{pdf}",
        },
        {"type": "input_text", "text": '<file name="notes.md">\n# Notes\nbuy milk\n\n</file>'},
        {
            "type": "input_image",
            "image_url": "data:image/png;base64," + base64.b64encode(PNG).decode(),
        },
    ]
    content = user_content(r9s_server, "messages")
    assert [part["type"] for part in content] == ["image", "document", "document", "text"]
    assert content[1] == {
        "type": "document",
        "title": "report.pdf",
        "source": {"type": "base64", "media_type": "application/pdf", "data": pdf},
    }
    assert content[2]["source"] == {
        "type": "text",
        "media_type": "text/plain",
        "data": "# Notes\nbuy milk\n",
    }


def test_the_kind_is_sniffed_not_taken_from_the_name(files: Path, r9s_server: LocalServer) -> None:
    (files / "actually-a-pdf.txt").write_bytes(PDF)
    done = r9s(files, "chat", "-a", "actually-a-pdf.txt", "hi", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    assert user_content(r9s_server, "chat")[1]["type"] == "file"


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ["-a", "missing.pdf"], "-a missing.pdf: No such file or directory"),
        ("junk.bin", ["-a", "junk.bin"], "-a junk.bin: not an image, PDF, audio or text file"),
        (
            "clip.ogg",
            ["-a", "clip.ogg"],
            "-a clip.ogg: audio/ogg audio cannot be sent; the APIs take WAV and MP3",
        ),
        (
            "big.pdf",
            ["-a", "big.pdf"],
            "-a big.pdf: 33.0 MB is more than a PDF may weigh (32.0 MB)",
        ),
        (
            "huge.txt",
            ["-a", "huge.txt"],
            "-a huge.txt: 40.0 MB is more than a text file may weigh (2.0 MB)",
        ),
        (
            "voice.wav",
            ["--api", "responses", "-a", "voice.wav"],
            "-a voice.wav: the responses API takes no audio; use --api chat",
        ),
        (
            "voice.wav",
            ["--api", "messages", "-m", "claude-sonnet-4-5", "-a", "voice.wav"],
            "-a voice.wav: the messages API takes no audio; use --api chat",
        ),
        (
            "large.png",
            ["--api", "messages", "-m", "claude-sonnet-4-5", "-a", "large.png"],
            "-a image 1: 6.0 MB is more than the messages API takes for an image (5.0 MB)",
        ),
    ],
)
def test_what_cannot_be_sent_is_a_usage_error_before_any_request(
    files: Path, r9s_server: LocalServer, setup: str | None, args: list[str], message: str
) -> None:
    if setup == "junk.bin":
        (files / setup).write_bytes(b"\x00\x01\x02\xff" * 10)
    elif setup == "clip.ogg":
        (files / setup).write_bytes(b"OggS" + bytes(40))
    elif setup in ("big.pdf", "huge.txt", "large.png"):
        size = {"big.pdf": 33 * MB, "huge.txt": 40 * MB, "large.png": 6 * MB}[setup]
        head = {"big.pdf": PDF, "huge.txt": b"text\n" * 2000, "large.png": PNG}[setup]
        with (files / setup).open("wb") as handle:
            handle.write(head)
            handle.truncate(size)  # sparse: never really written
    done = r9s(files, "chat", *args, "hi", env=env(r9s_server))

    assert done.returncode == 2, done.stderr
    assert done.stderr == f"r9s: error: {message}\n"
    assert not [r for r in r9s_server.requests if r.method == "POST"]


@pytest.fixture
def web(files: Path) -> Iterator[str]:
    """A plain web server for the files (127.0.0.1, a free port), stopped afterwards."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(files))
    with ThreadedServer(handler) as server:
        yield server.url


def test_urls_images_are_passed_on_and_other_files_downloaded(
    files: Path, r9s_server: LocalServer, web: str
) -> None:
    done = r9s(
        files,
        "chat",
        "-a",
        f"{web}/dot.png",
        "-a",
        f"{web}/report.pdf",
        "both",
        env=env(r9s_server),
    )
    assert done.returncode == 0, done.stderr
    parts = user_content(r9s_server, "chat")
    assert parts[1]["file"]["file_data"].endswith(base64.b64encode(PDF).decode())
    assert parts[2] == {"type": "image_url", "image_url": {"url": f"{web}/dot.png"}}

    missing = r9s(files, "chat", "-a", f"{web}/gone.pdf", "hi", env=env(r9s_server))
    assert missing.returncode == 2
    assert missing.stderr == f"r9s: error: -a {web}/gone.pdf: the server answered 404\n"


def test_attachments_are_kept_in_the_log_and_resent_on_continue(
    files: Path, r9s_server: LocalServer
) -> None:
    first = r9s(files, "chat", "-a", "report.pdf", "summarise", env=env(r9s_server))
    assert first.returncode == 0, first.stderr
    (exchange,) = logged(files)
    (pdf,) = exchange["attachments"]
    assert (pdf["type"], pdf["name"], pdf["mime"], pdf["size"]) == (
        "pdf", "report.pdf", "application/pdf", len(PDF),
    )  # fmt: skip
    assert base64.b64decode(pdf["data"]) == PDF
    shown = r9s(files, "logs", "show", str(exchange["id"])).stdout
    assert f"attached: pdf report.pdf (application/pdf, {len(PDF)} bytes)" in shown
    again = r9s(files, "chat", "--continue", "and now?", env=env(r9s_server))
    assert again.returncode == 0, again.stderr
    body = [r.json for r in r9s_server.requests if r.path == PATHS["chat"]][-1]
    assert body["messages"][0]["content"][1]["type"] == "file"
    assert body["messages"][-1] == {"role": "user", "content": "and now?"}
