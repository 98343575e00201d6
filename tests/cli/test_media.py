"""``r9s audio`` and ``r9s images`` write what the local server sends, byte for byte."""

from __future__ import annotations

import hashlib
import shlex
from pathlib import Path

from r9s import R9S
from r9s.testing import LocalServer
from tests.support.cli import KEY, R9S as R9S_COMMAND, r9s, user_env
from tests.support.pty import run_on_terminal


def env(server: LocalServer) -> dict[str, str]:
    return {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY}


def sdk(server: LocalServer) -> R9S:
    return R9S(api_key=KEY, server_url=server.url)


def test_speech_writes_the_audio_the_server_sent(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "audio", "speech", "Hello from r9s", "-o", "hello.wav", "--voice", "nova",
               env=env(r9s_server))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "Wrote hello.wav" in done.stderr
    with sdk(r9s_server) as client:
        expected = client.audio.speech(
            model="tts-1", voice="nova", input="Hello from r9s", response_format="wav"
        ).read()
    written = (home / "hello.wav").read_bytes()
    assert written == expected and written.startswith(b"RIFF")
    assert (home / "hello.wav").stat().st_mode & 0o777 == 0o644
    body = next(r.json for r in r9s_server.requests if r.path == "/v1/audio/speech")
    assert body == {"model": "tts-1", "input": "Hello from r9s", "voice": "nova",
                    "response_format": "wav"}  # fmt: skip

    mp3 = r9s(home, "audio", "speech", "Hi", "-o", "hi.mp3", env=env(r9s_server))
    assert mp3.returncode == 0, mp3.stderr
    body = next(r.json for r in r9s_server.requests if r.json and r.json.get("input") == "Hi")
    assert body["response_format"] == "mp3", "the format follows the file name"
    assert (home / "hi.mp3").read_bytes().startswith((b"ID3", b"\xff"))


def test_a_failed_download_leaves_no_file(home: Path, r9s_server: LocalServer) -> None:
    r9s_server.inject("drop=mid_body", times=5, path="/v1/audio/speech")
    done = r9s(home, "audio", "speech", "x " * 2000, "-o", "cut.wav", env=env(r9s_server))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not list(home.glob("cut.wav*")) and not list(home.glob(".cut.wav*"))


def test_transcribe_and_translate(home: Path, r9s_server: LocalServer) -> None:
    audio = home / "meeting.wav"
    audio.write_bytes(b"RIFF" + bytes(range(256)) * 40)
    digest = hashlib.sha256(audio.read_bytes()).hexdigest()
    size = audio.stat().st_size

    done = r9s(home, "audio", "transcribe", "meeting.wav", "--language", "en", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Transcribed meeting.wav: {size} bytes, sha256 {digest}.\n"

    srt = r9s(home, "audio", "translate", "meeting.wav", "-o", "out.srt", env=env(r9s_server))
    assert srt.returncode == 0, srt.stderr
    assert srt.stdout == ""
    text = (home / "out.srt").read_text()
    assert text.startswith("1\n00:00:00,000 --> ") and f"Translated meeting.wav: {size}" in text

    json_out = r9s(home, "audio", "transcribe", "meeting.wav", "--format", "json",
                   env=env(r9s_server))  # fmt: skip
    assert '"text": "Transcribed meeting.wav' in json_out.stdout

    missing = r9s(home, "audio", "transcribe", "nope.wav", env=env(r9s_server))
    assert missing.returncode == 1
    assert missing.stderr.strip() == "r9s: error: No such file: nope.wav"


def test_progress_bars_stay_off_stdout(home: Path, r9s_server: LocalServer) -> None:
    big = home / "big.wav"
    big.write_bytes(b"RIFF" + b"\x01" * (3 << 20))
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    command = " ".join(shlex.quote(part) for part in [*R9S_COMMAND, "audio", "transcribe",
                                                      "big.wav"])  # fmt: skip
    environment = user_env(home, {**env(r9s_server), "TERM": "xterm-256color"})
    status, transcript = run_on_terminal(f"{command} > transcript.txt", cwd=home,
                                         env=environment, size=(120, 24), timeout=30)  # fmt: skip
    assert status == 0, transcript
    assert "uploading big.wav" in transcript, "the bar was on the terminal"
    assert (home / "transcript.txt").read_text() == (
        f"Transcribed big.wav: {big.stat().st_size} bytes, sha256 {digest}.\n"
    )


def test_images_generate_saves_b64_and_url_results(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "images", "generate", "a lighthouse", "-o", "light.png", "--format",
               "b64_json", env=env(r9s_server))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "light.png\n"
    with sdk(r9s_server) as client:
        expected = client.images.create(prompt="a lighthouse", response_format="b64_json")
    assert (home / "light.png").read_bytes() == expected.data[0].data()

    urls = r9s(home, "images", "generate", "cats", "-n", "2", "--size", "256x256", "-o", "cats/",
               "--format", "url", "-m", "dall-e-2", env=env(r9s_server))  # fmt: skip
    assert urls.returncode == 0, urls.stderr
    assert urls.stdout.split() == ["cats/image-1.png", "cats/image-2.png"]
    for name in ("image-1.png", "image-2.png"):
        assert (home / "cats" / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    body = next(r.json for r in r9s_server.requests if r.path == "/v1/images/generations"
                and r.json.get("n") == 2)  # fmt: skip
    assert body["size"] == "256x256" and body["response_format"] == "url"

    many = r9s(home, "images", "generate", "dogs", "-n", "2", "-o", "dog.png", env=env(r9s_server))
    assert many.stdout.split() == ["dog-1.png", "dog-2.png"]


def test_images_edit_sends_every_image(home: Path, r9s_server: LocalServer) -> None:
    with sdk(r9s_server) as client:
        png = client.images.create(prompt="seed", response_format="b64_json").data[0].data()
    (home / "a.png").write_bytes(png)
    (home / "b.png").write_bytes(png)
    (home / "mask.png").write_bytes(png)
    args = ["a.png", "b.png", "put both in one poster", "--mask", "mask.png", "-m", "gpt-image-1"]
    done = r9s(home, "images", "edit", *args, "-o", "poster.png", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    assert (home / "poster.png").read_bytes().startswith(b"\x89PNG")
    request = next(r for r in r9s_server.requests if r.path == "/v1/images/edits")
    assert request.body.count(b'filename="a.png"') == 1
    assert request.body.count(b'filename="b.png"') == 1
    assert b'name="mask"; filename="mask.png"' in request.body
    assert b"put both in one poster" in request.body

    lonely = r9s(home, "images", "edit", "just a prompt", "-o", "x.png", env=env(r9s_server))
    assert lonely.returncode == 1 and "at least one IMAGE" in lonely.stderr


def test_saved_files_follow_the_umask_like_any_program_output(
    home: Path, r9s_server: LocalServer
) -> None:
    audio = home / "meeting.wav"
    audio.write_bytes(b"RIFF" + bytes(256))
    for umask, expected in ((0o077, 0o600), (0o022, 0o644)):
        runs = [
            ["audio", "speech", "Hi", "-o", f"speech-{umask}.mp3"],
            ["audio", "transcribe", "meeting.wav", "-o", f"text-{umask}.txt"],
            ["images", "generate", "a dot", "-o", f"image-{umask}.png", "--format", "b64_json"],
        ]
        for args in runs:
            done = r9s(home, *args, env=env(r9s_server), umask=umask)
            assert done.returncode == 0, done.stderr
            written = home / args[args.index("-o") + 1]
            assert written.stat().st_mode & 0o777 == expected, (args, umask)


def test_without_o_files_are_named_after_the_prompt_and_never_overwrite(
    home: Path, r9s_server: LocalServer
) -> None:
    (home / "a-lighthouse-at-dawn.png").write_bytes(b"mine, keep it")
    first = r9s(home, "images", "generate", "A lighthouse, at dawn!", env=env(r9s_server))
    second = r9s(home, "images", "generate", "A lighthouse, at dawn!", env=env(r9s_server))
    assert (first.returncode, second.returncode) == (0, 0), first.stderr
    assert first.stdout == "a-lighthouse-at-dawn-2.png\n"
    assert second.stdout == "a-lighthouse-at-dawn-3.png\n"
    assert (home / "a-lighthouse-at-dawn.png").read_bytes() == b"mine, keep it"
    assert (home / "a-lighthouse-at-dawn-3.png").read_bytes().startswith(b"\x89PNG")

    many = r9s(home, "images", "generate", "two cats", "-n", "2", env=env(r9s_server))
    assert many.stdout.split() == ["two-cats-1.png", "two-cats-2.png"]
    (home / "photo.png").write_bytes((home / "two-cats-1.png").read_bytes())
    edited = r9s(home, "images", "edit", "photo.png", "add a hat", env=env(r9s_server))
    assert edited.stdout == "photo-edited.png\n"

    spoken = r9s(home, "audio", "speech", "Hello from r9s", env=env(r9s_server))
    again = r9s(home, "audio", "speech", "Hello from r9s", "--format", "wav", env=env(r9s_server))
    assert "Wrote hello-from-r9s.mp3" in spoken.stderr
    assert "Wrote hello-from-r9s.wav" in again.stderr
    third = r9s(home, "audio", "speech", "Hello from r9s", env=env(r9s_server))
    assert "Wrote hello-from-r9s-2.mp3" in third.stderr
    assert (home / "hello-from-r9s-2.mp3").stat().st_size > 0


def test_a_failed_speech_leaves_no_file_behind(home: Path, r9s_server: LocalServer) -> None:
    r9s_server.inject("status=400")  # not retried
    done = r9s(home, "audio", "speech", "Hello", env=env(r9s_server))
    assert done.returncode == 1
    assert sorted(p.name for p in home.iterdir() if not p.name.startswith(".")) == []


def test_images_describe_asks_a_vision_model(home: Path, r9s_server: LocalServer) -> None:
    with sdk(r9s_server) as client:
        png = client.images.create(prompt="seed", response_format="b64_json").data[0].data()
    (home / "photo.png").write_bytes(png)
    done = r9s(home, "images", "describe", "photo.png", env=env(r9s_server))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: Describe this image in detail.\n"
    content = [r.json for r in r9s_server.requests if r.path == "/v1/chat/completions"][-1][
        "messages"
    ][0]["content"]
    assert content[0] == {"type": "text", "text": "Describe this image in detail."}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")

    asked = r9s(
        home,
        "images",
        "describe",
        "-",
        "What breed?",
        "--api",
        "messages",
        "-m",
        "claude-sonnet-4-5",
        input=None,
        env=env(r9s_server),
    )
    assert asked.returncode == 2 and "stdin" in asked.stderr  # nothing piped
    url = r9s(
        home,
        "images",
        "describe",
        "https://example.com/cat.jpg",
        "What breed?",
        "--api",
        "messages",
        "-m",
        "claude-sonnet-4-5",
        env=env(r9s_server),
    )
    assert url.returncode == 0 and url.stdout == "Echo: What breed?\n"
    message = [r.json for r in r9s_server.requests if r.path == "/v1/messages"][-1]["messages"][0]
    assert message["content"][0] == {
        "type": "image",
        "source": {"type": "url", "url": "https://example.com/cat.jpg"},
    }
    # a describe is no chat to continue
    assert not (home / ".r9s" / "chats").exists()

    missing = r9s(home, "images", "describe", "nope.png", env=env(r9s_server))
    assert missing.returncode == 2
    assert missing.stderr == "r9s: error: nope.png: No such file or directory: nope.png\n"
