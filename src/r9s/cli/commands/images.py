"""``r9s images``: generate or edit images, saved to files."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
Results are saved whether the server sends them inline (b64_json) or as URLs. -o names a
file (several images: NAME-1.png, NAME-2.png...) or an existing folder (or one ending
in /); without -o, files named after the prompt go in the current folder, never over an
existing file. The saved paths are printed on stdout, one per line. describe asks a
vision model about an image and prints its answer.

examples:
  r9s images generate "a lighthouse at dawn" -o lighthouse.png
  r9s images generate "a lighthouse at dawn"        a-lighthouse-at-dawn.png (or -2, -3...)
  r9s images generate "a cat" -n 3 --size 1024x1024 -o cats/
  r9s images edit photo.png "add a red hat" --mask mask.png -o hat.png
  r9s images edit a.png b.png "combine both into one poster" --model gpt-image-1 -o poster.png
  r9s images describe photo.png
  r9s images describe https://example.com/chart.png "What trend does it show?"
""")


GENERATE_EXAMPLES = N_("""\
examples:
  r9s images generate "a lighthouse at dawn" -o lighthouse.png
  r9s images generate "a lighthouse at dawn"      a-lighthouse-at-dawn.png (never over a file)
  r9s images generate "a cat" -n 3 --size 1024x1024 -o cats/     cats/image-1.png...
""")

DESCRIBE_EXAMPLES = N_("""\
The answer streams to stdout like r9s chat's (rendered on a terminal).

examples:
  r9s images describe photo.png
  r9s images describe photo.png "Which breed is the dog?" -m claude-sonnet-4-5
  cat scan.jpg | r9s images describe - "Transcribe the text"
""")

EDIT_EXAMPLES = N_("""\
The last argument is the prompt; every image before it is sent.

examples:
  r9s images edit photo.png "add a red hat" -o hat.png
  r9s images edit a.png b.png "one poster of both" --mask mask.png -o poster.png
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    raw = argparse.RawDescriptionHelpFormatter
    generate = sub.add_parser(
        "generate",
        help=_("an image from a prompt"),
        description=_("an image from a prompt"),
        epilog=_(GENERATE_EXAMPLES),
        formatter_class=raw,
    )
    generate.add_argument("prompt", metavar="PROMPT", help=_("what to draw"))
    edit = sub.add_parser(
        "edit",
        help=_("edit one or more images with a prompt"),
        description=_("edit one or more images with a prompt (all images are sent)"),
        epilog=_(EDIT_EXAMPLES),
        formatter_class=raw,
    )
    edit.add_argument("images", nargs="+", metavar="IMAGE", help=_("image files, then the prompt"))
    edit.add_argument("--mask", metavar="PATH", help=_("a PNG whose transparent areas are edited"))
    for child in (generate, edit):
        child.add_argument(
            "-o",
            "--output",
            metavar="FILE|DIR",
            help=_("where to save (default: named after the prompt, in this folder)"),
        )
        child.add_argument("-n", type=int, default=None, metavar="N", help=_("how many images"))
        child.add_argument("--size", metavar="WxH", help=_("e.g. 1024x1024"))
        child.add_argument("-m", "--model", metavar="MODEL", help=_("image model"))
        child.add_argument("--quality", metavar="Q", help=_("e.g. low, medium, high, hd"))
        child.add_argument(
            "--format", choices=("b64_json", "url"), help=_("ask for inline data or URLs")
        )
        add_connection_arguments(child)
    describe = sub.add_parser(
        "describe",
        help=_("ask a vision model about an image"),
        description=_("ask a vision model about an image"),
        epilog=_(DESCRIBE_EXAMPLES),
        formatter_class=raw,
    )
    describe.add_argument(
        "image", metavar="IMAGE", help=_("an image file, an http(s) URL, or - for stdin")
    )
    describe.add_argument(
        "prompt",
        nargs="?",
        default=None,
        metavar="PROMPT",
        help=_("what to ask (default: describe it in detail)"),
    )
    describe.add_argument(
        "-m", "--model", metavar="MODEL", help=_("a vision model (default: $R9S_MODEL)")
    )
    describe.add_argument(
        "--api",
        choices=("chat", "messages", "responses"),
        help=_("endpoint: chat completions (default), Anthropic messages, or responses"),
    )
    describe.add_argument("--plain", action="store_true", help=_("no Markdown rendering"))
    add_connection_arguments(describe)


def run(args: argparse.Namespace) -> int:
    if args.action == "describe":
        from r9s.cli.chat.main import describe_image

        return describe_image(args)
    from r9s.cli.media.images import run as run_images

    return run_images(args)
