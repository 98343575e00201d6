"""``r9s audio``: text to speech, transcription and translation."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
Uploads and downloads show a progress bar on stderr (on a terminal); stdout carries only
the transcript (without -o) or nothing.

examples:
  r9s audio speech "Hello from r9s" -o hello.mp3
  r9s audio speech "Bonjour" -o hi.wav --voice nova --format wav --model gpt-4o-mini-tts
  r9s audio transcribe meeting.m4a
  r9s audio transcribe meeting.m4a -o meeting.srt --format srt
  r9s audio translate interview.mp3 -o interview.txt
""")


EXAMPLES = {
    "speech": N_("""\
The format follows the file's extension unless --format says otherwise.

examples:
  r9s audio speech "Hello from r9s" -o hello.mp3
  r9s audio speech "Hello from r9s"                 hello-from-r9s.mp3 (or -2, -3...)
  r9s audio speech - -o notes.wav --voice nova < notes.txt
"""),
    "transcribe": N_("""\
The text goes to stdout, or to -o FILE (its extension picks the format: .srt, .vtt, .json).

examples:
  r9s audio transcribe meeting.m4a
  r9s audio transcribe meeting.m4a -o meeting.srt --language en
"""),
    "translate": N_("""\
examples:
  r9s audio translate interview.mp3
  r9s audio translate interview.mp3 -o interview.vtt
"""),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    raw = argparse.RawDescriptionHelpFormatter
    speech = sub.add_parser(
        "speech",
        help=_("speak TEXT into an audio file"),
        description=_("speak TEXT into an audio file"),
        epilog=_(EXAMPLES["speech"]),
        formatter_class=raw,
    )
    speech.add_argument("text", metavar="TEXT", help=_("what to say ('-' reads stdin)"))
    speech.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=_("audio file (default: named after TEXT, in this folder, never over a file)"),
    )
    speech.add_argument("--voice", default="alloy", help=_("voice (default alloy)"))
    speech.add_argument("-m", "--model", default="tts-1", metavar="MODEL", help=_("default tts-1"))
    speech.add_argument(
        "--format",
        choices=("mp3", "opus", "aac", "flac", "wav", "pcm"),
        help=_("audio format (default: from the file name, else mp3)"),
    )
    speech.add_argument("--speed", type=float, metavar="X", help=_("0.25 to 4"))
    for name, text in (
        ("transcribe", "audio to text in its language"),
        ("translate", "audio to English text"),
    ):
        child = sub.add_parser(
            name, help=text, description=text, epilog=_(EXAMPLES[name]), formatter_class=raw
        )
        child.add_argument("file", metavar="FILE", help=_("the audio file"))
        child.add_argument("-o", "--output", metavar="FILE", help=_("write here, not to stdout"))
        child.add_argument(
            "-m", "--model", default="whisper-1", metavar="MODEL", help=_("default whisper-1")
        )
        child.add_argument(
            "--format",
            choices=("text", "json", "verbose_json", "srt", "vtt"),
            help=_("default: text (or from the -o file's extension)"),
        )
        child.add_argument("--prompt", metavar="TEXT", help=_("context or spellings to follow"))
        if name == "transcribe":
            child.add_argument("--language", metavar="CODE", help=_("the language, e.g. en"))
    for child in sub.choices.values():
        add_connection_arguments(child)


def run(args: argparse.Namespace) -> int:
    from r9s.cli.media.audio import run as run_audio

    return run_audio(args)
