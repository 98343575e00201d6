"""``r9s audio``: text to speech into a file, transcription and translation of a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from r9s.cli.common.api import connect
from r9s.cli.common.files import output_mode, write_atomic
from r9s.cli.common.i18n import _
from r9s.cli.media.transfer import content_length, fresh_path, save_stream, slug, uploading

SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
TRANSCRIPT_FORMATS = {".srt": "srt", ".vtt": "vtt", ".json": "json", ".txt": "text"}


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common.errors import remember

    remember(model=args.model)
    if args.action == "speech":
        return _speech(args)
    return _transcript(args)


def _speech(args: argparse.Namespace) -> int:
    from r9s.cli.common.interact import say

    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise ValueError(_("nothing to say: TEXT is empty"))
    reserved = not args.output
    if args.output:
        target = Path(args.output).expanduser()
        fmt = args.format or (target.suffix.lower().lstrip(".") or "mp3")
        if fmt not in SPEECH_FORMATS:
            fmt = "mp3"
    else:
        # named after the words, in the current folder, never over an existing file
        fmt = args.format or "mp3"
        target = fresh_path(Path("."), slug(text, "speech"), f".{fmt}")
    params: dict[str, Any] = {
        "model": args.model,
        "input": text,
        "voice": args.voice,
        "response_format": fmt,
    }
    if args.speed is not None:
        params["speed"] = args.speed
    try:
        with connect(args)[1] as r9s, r9s.audio.speech(**params) as audio:
            written = save_stream(
                audio.iter_bytes(),
                target,
                content_length(audio.headers),
                f"downloading {target.name}",
            )
    except BaseException:
        if reserved:  # the empty file that held the name
            target.unlink(missing_ok=True)
        raise
    say(
        _("Wrote {target} ({written} bytes, {value})").format(
            target=target, written=written, value=audio.content_type or fmt
        )
    )
    return 0


def _transcript(args: argparse.Namespace) -> int:
    import json

    from r9s.cli.common.interact import say

    target = Path(args.output).expanduser() if args.output else None
    fmt = args.format
    if fmt is None:
        fmt = TRANSCRIPT_FORMATS.get(target.suffix.lower(), "text") if target else "text"
    params: dict[str, Any] = {"model": args.model, "response_format": fmt}
    if args.prompt:
        params["prompt"] = args.prompt
    if getattr(args, "language", None):
        params["language"] = args.language
    source = Path(args.file).expanduser()
    with connect(args)[1] as r9s, uploading([source], "uploading") as (upload,):
        operation: Any = (
            r9s.audio.transcribe if args.action == "transcribe" else r9s.audio.translate
        )
        result = operation(file=upload, **params)
    if isinstance(result, str):
        text = result
    else:
        text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    if not text.endswith("\n"):
        text += "\n"
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(target, text.encode("utf-8"), output_mode())
        say(_("Wrote {target}").format(target=target))
    return 0
