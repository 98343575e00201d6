"""``r9s chat``: talk to any model, interactively or from a script."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments
from r9s.cli.common.i18n import _

EPILOG = """\
With a prompt or piped input: the bare answer on stdout (exit 0; 1 with a one-line error
on stderr). Otherwise, on a terminal, an interactive chat (/help lists its commands).
Chats are saved in ~/.r9s/chats/. A first word that is no command is a question too:
r9s "Name three rivers" is r9s chat "Name three rivers".

examples:
  git diff | r9s chat "Write a commit message for this diff"
  r9s chat -a report.pdf -a chart.png "Summarise the report and the chart"
  r9s chat -m claude-sonnet-4-5 --api messages --reasoning high "Prove it"
  r9s chat --continue "And the longest?"     go on with the last chat ("What?" --resume: pick one)
  r9s chat -o temperature 0.2 -o seed 7 "Pick a number"
  r9s chat -x "A bash one-liner that counts lines in *.py" > count.sh
  r9s chat --schema 'name, age int, bio: a short bio' "Invent a person"
  r9s chat --functions tools.py "What is the weather in Oslo?"
  r9s chat --timing "Hi"                     router time, upstream first token, tokens/s
  r9s chat --json --no-stream "Hi" | jq .usage

-o keys (--extra '{"key": ...}' sends any other; r9s models show MODEL: what it takes):
{options}
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    import textwrap

    from r9s.cli.chat.options import EFFORTS, OPTIONS

    names = ", ".join(option.name for option in OPTIONS)
    listed = textwrap.fill(names, width=86, initial_indent="  ", subsequent_indent="  ")
    parser.epilog = EPILOG.replace("{options}", listed)
    parser.usage = "r9s chat [OPTIONS] [PROMPT ...]"
    parser.add_argument("prompt", nargs="*", metavar="PROMPT", help="the question (one-shot)")
    parser.add_argument("-m", "--model", metavar="MODEL", help="model id (default: $R9S_MODEL)")
    parser.add_argument("-s", "--system", metavar="TEXT", help="system prompt")
    parser.add_argument("-t", "--temperature", type=float, metavar="T", help="0 to 2")
    parser.add_argument("--max-tokens", type=int, metavar="N", help="most tokens to generate")
    parser.add_argument(
        "--api",
        choices=("chat", "messages", "responses"),
        metavar="API",
        help=_("chat (default), messages or responses"),
    )
    parser.add_argument(
        "-i", "--image", action="append", metavar="PATH", help="attach an image (repeatable)"
    )
    parser.add_argument(
        "-a",
        "--attach",
        action="append",
        metavar="FILE|URL",
        help=_("an image, PDF, WAV/MP3 or text file (repeatable)"),
    )
    parser.add_argument(
        "-o",
        "--option",
        nargs=2,
        action="append",
        metavar=("KEY", "VALUE"),
        help=_("a request option (repeatable; keys below)"),
    )
    parser.add_argument(
        "--extra",
        action="append",
        metavar="JSON",
        help=_("JSON fields sent as they are (repeatable)"),
    )
    parser.add_argument(
        "--reasoning",
        choices=EFFORTS,
        metavar="LEVEL",
        help=_("low, medium or high (or none, minimal, xhigh)"),
    )
    parser.add_argument(
        "--no-reasoning",
        action="store_true",
        help=_("hide the model's reasoning"),
    )
    parser.add_argument(
        "-x",
        "--extract",
        action="store_true",
        help=_("print only the first fenced code block"),
    )
    parser.add_argument(
        "--schema",
        metavar="SCHEMA",
        help=_("one JSON object; SCHEMA: a file, JSON, 'a, b int'"),
    )
    parser.add_argument(
        "--schema-multi",
        metavar="SCHEMA",
        help=_('as --schema, a list of them: {"items": [...]}'),
    )
    parser.add_argument(
        "--functions",
        action="append",
        metavar="FILE.py|CODE",
        help=_("a Python file's functions as tools (repeatable)"),
    )
    parser.add_argument(
        "-y",
        "--yes",
        "--tools-approve",
        dest="yes",
        action="store_true",
        help=_("run tool calls without asking (interactive)"),
    )
    parser.add_argument(
        "--max-turns",
        type=int,
        default=10,
        metavar="N",
        help=_("most requests of one tool run (default 10)"),
    )
    parser.add_argument(
        "--timing",
        action="store_true",
        help=_("router and upstream time, tokens/s (stderr)"),
    )
    parser.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    parser.add_argument("--json", action="store_true", help="print the API's response as JSON")
    parser.add_argument("--plain", action="store_true", help="no Markdown rendering or colour")
    parser.add_argument(
        "--stats", action="store_true", help="tokens and speed after each answer (stderr)"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-c", "--continue", dest="continue_", action="store_true", help="go on with the last chat"
    )
    group.add_argument(
        "-r",
        "--resume",
        nargs="?",
        const="",
        metavar="ID",
        help="go on with a saved chat: this ID, else pick one from a list (a word right "
        "after --resume is taken as the ID: put the question first)",
    )
    parser.add_argument("--no-save", action="store_true", help="do not save this chat")
    add_connection_arguments(parser)
    parser.add_argument("--retries", type=int, metavar="N", help="retries on 429/5xx (default 2)")


def run(args: argparse.Namespace) -> int:
    from r9s.cli.chat.main import run as run_chat

    return run_chat(args)
