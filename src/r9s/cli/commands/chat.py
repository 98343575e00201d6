"""``r9s chat``: talk to any model, interactively or from a script."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments
from r9s.cli.common.i18n import _

EPILOG = """\
With a prompt or piped input, prints the bare answer on stdout and exits (0, or 1 with
a one-line error on stderr). Without either, on a terminal, starts an interactive chat:
Enter sends, Esc then Enter (or Ctrl-J) adds a line, Ctrl-R searches the history, Ctrl-C
stops an answer, Ctrl-C on an empty line or Ctrl-D exits; /help lists the commands.
Chats are saved in ~/.r9s/chats/.

examples:
  r9s chat                                   interactive chat
  r9s chat "Name three rivers"               one answer, for scripts
  r9s "Name three rivers"                    the same: a word that is not a command is a question
  git diff | r9s chat "Write a commit message for this diff"
  cat photo.png | r9s chat "What is in this picture?"
  r9s chat --image a.png --image b.png "What differs?"
  r9s chat -m claude-sonnet-4-5 --api messages "Hi"    Anthropic's native endpoint
  r9s chat --continue "And the longest?"     go on with the last chat
  r9s chat --resume                          pick a saved chat to go on with
  r9s chat "What else?" --resume             pick one, then ask it this question
  r9s chat --json --no-stream "Hi" | jq .usage
  r9s chat -a report.pdf -a chart.png "Summarise the report and the chart"
  r9s chat -o temperature 0.2 -o seed 7 "Pick a number"
  r9s chat --reasoning high -m o4-mini "Prove that sqrt(2) is irrational"
  r9s chat -x "A bash one-liner that counts lines in *.py" > count.sh
  r9s chat --schema 'name, age int, bio: a short bio' "Invent a person"
  r9s chat --schema-multi 'name, population int' "The three largest cities of Japan"
  r9s chat --functions tools.py "What is the weather in Oslo?"
  r9s chat --timing "Hi"                     router time, upstream first token, total, tokens/s

-o KEY VALUE (checked for the --api in use; --extra '{"key": ...}' sends anything else):
{options}
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from r9s.cli.chat.options import EFFORTS, help_table

    parser.epilog = EPILOG.replace("{options}", help_table())
    parser.add_argument("prompt", nargs="*", metavar="PROMPT", help="the question (one-shot)")
    parser.add_argument("-m", "--model", metavar="MODEL", help="model id (default: $R9S_MODEL)")
    parser.add_argument("-s", "--system", metavar="TEXT", help="system prompt")
    parser.add_argument("-t", "--temperature", type=float, metavar="T", help="0 to 2")
    parser.add_argument("--max-tokens", type=int, metavar="N", help="most tokens to generate")
    parser.add_argument(
        "--api",
        choices=("chat", "messages", "responses"),
        help="endpoint: chat completions (default), Anthropic messages, or OpenAI responses",
    )
    parser.add_argument(
        "-i", "--image", action="append", metavar="PATH", help="attach an image (repeatable)"
    )
    parser.add_argument(
        "-a",
        "--attach",
        action="append",
        metavar="FILE|URL",
        help=_("attach an image, PDF, audio (WAV, MP3) or text file (repeatable)"),
    )
    parser.add_argument(
        "-o",
        "--option",
        nargs=2,
        action="append",
        metavar=("KEY", "VALUE"),
        help=_("a request option, e.g. -o temperature 0.2 (repeatable; listed below)"),
    )
    parser.add_argument(
        "--extra",
        action="append",
        metavar="JSON",
        help=_("fields sent as they are, e.g. '{\"seed\": 7}' (repeatable)"),
    )
    parser.add_argument(
        "--reasoning",
        choices=EFFORTS,
        metavar="LEVEL",
        help=_(
            "how hard a reasoning model thinks: low, medium or high (also none, minimal, xhigh)"
        ),
    )
    parser.add_argument(
        "--no-reasoning",
        action="store_true",
        help=_("do not show the model's reasoning (shown dim, on stderr in one-shot mode)"),
    )
    parser.add_argument(
        "-x",
        "--extract",
        action="store_true",
        help=_("print only the first fenced code block of the answer (one-shot)"),
    )
    parser.add_argument(
        "--schema",
        metavar="SCHEMA",
        help=_(
            "answer with one JSON object of this schema: a JSON schema file, inline JSON, "
            "or fields like 'name, age int, bio: a short bio'"
        ),
    )
    parser.add_argument(
        "--schema-multi",
        metavar="SCHEMA",
        help=_('as --schema, for a list of such objects ({"items": [...]})'),
    )
    parser.add_argument(
        "--functions",
        action="append",
        metavar="FILE.py|CODE",
        help=_("offer the top-level functions of a Python file (or code) as tools (repeatable)"),
    )
    parser.add_argument(
        "-y",
        "--yes",
        "--tools-approve",
        dest="yes",
        action="store_true",
        help=_("run the tools the model calls without asking (interactive chat)"),
    )
    parser.add_argument(
        "--max-turns",
        type=int,
        default=10,
        metavar="N",
        help=_("most requests in one tool run (default 10)"),
    )
    parser.add_argument(
        "--timing",
        action="store_true",
        help=_(
            "after each answer: router time, upstream time to first token, total, tokens/s (stderr)"
        ),
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
