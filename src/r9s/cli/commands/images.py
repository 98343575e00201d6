"""``r9s images``: generate or edit images, saved to files."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments

EPILOG = """\
Results are saved whether the server sends them inline (b64_json) or as URLs. -o names a
file (several images: NAME-1.png, NAME-2.png...) or an existing folder (or one ending
in /). The saved paths are printed on stdout, one per line.

examples:
  r9s images generate "a lighthouse at dawn" -o lighthouse.png
  r9s images generate "a cat" -n 3 --size 1024x1024 -o cats/
  r9s images edit photo.png "add a red hat" --mask mask.png -o hat.png
  r9s images edit a.png b.png "combine both into one poster" --model gpt-image-1 -o poster.png
"""


GENERATE_EXAMPLES = """\
examples:
  r9s images generate "a lighthouse at dawn" -o lighthouse.png
  r9s images generate "a cat" -n 3 --size 1024x1024 -o cats/     cats/image-1.png...
"""

EDIT_EXAMPLES = """\
The last argument is the prompt; every image before it is sent.

examples:
  r9s images edit photo.png "add a red hat" -o hat.png
  r9s images edit a.png b.png "one poster of both" --mask mask.png -o poster.png
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    raw = argparse.RawDescriptionHelpFormatter
    generate = sub.add_parser(
        "generate",
        help="an image from a prompt",
        description="an image from a prompt",
        epilog=GENERATE_EXAMPLES,
        formatter_class=raw,
    )
    generate.add_argument("prompt", metavar="PROMPT", help="what to draw")
    edit = sub.add_parser(
        "edit",
        help="edit one or more images with a prompt",
        description="edit one or more images with a prompt (all images are sent)",
        epilog=EDIT_EXAMPLES,
        formatter_class=raw,
    )
    edit.add_argument("images", nargs="+", metavar="IMAGE", help="image files, then the prompt")
    edit.add_argument("--mask", metavar="PATH", help="a PNG whose transparent areas are edited")
    for child in (generate, edit):
        child.add_argument(
            "-o", "--output", required=True, metavar="FILE|DIR", help="where to save"
        )
        child.add_argument("-n", type=int, default=None, metavar="N", help="how many images")
        child.add_argument("--size", metavar="WxH", help="e.g. 1024x1024")
        child.add_argument("-m", "--model", metavar="MODEL", help="image model")
        child.add_argument("--quality", metavar="Q", help="e.g. low, medium, high, hd")
        child.add_argument(
            "--format", choices=("b64_json", "url"), help="ask for inline data or URLs"
        )
        add_connection_arguments(child)


def run(args: argparse.Namespace) -> int:
    from r9s.cli.media.images import run as run_images

    return run_images(args)
