"""``r9s chat``: talk to any model, interactively or from a script."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments

EPILOG = """\
With a prompt or piped input, prints the bare answer on stdout and exits (0, or 1 with
a one-line error on stderr). Without either, on a terminal, starts an interactive chat:
Enter sends, Esc then Enter (or Ctrl-J) adds a line, Ctrl-R searches the history, Ctrl-C
stops an answer, Ctrl-C on an empty line or Ctrl-D exits; /help lists the commands.
Every turn is kept in the log (~/.r9s/log.db: r9s logs), unless --no-log or `r9s logs off`.

examples:
  r9s chat                                   interactive chat
  r9s chat "Name three rivers"               one answer, for scripts
  git diff | r9s chat "Write a commit message for this diff"
  r9s chat -m claude-sonnet-4-5 --api messages "Hi"    Anthropic's native endpoint
  r9s chat -c "And the longest?"             go on with the last chat
  r9s chat -c 20250601-103200-a1b2c3 "More"  go on with that chat (ids: r9s logs)
  r9s chat "What else?" --resume             pick a chat, then ask it this question
  r9s chat --save tr 'Translate into $lang: $input'    a template (sends nothing)
  r9s chat -t tr -p lang French "Good morning"         ... used
  r9s chat --agent reviewer --skill pdf "Summarise"     an agent, a skill
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("prompt", nargs="*", metavar="PROMPT", help="the question (one-shot)")
    parser.add_argument("-m", "--model", metavar="MODEL", help="model id (default: $R9S_MODEL)")
    parser.add_argument("-s", "--system", metavar="TEXT", help="system prompt")
    preset = parser.add_mutually_exclusive_group()
    preset.add_argument(
        "-t", "--template", metavar="NAME", help="use a saved template (r9s templates list)"
    )
    preset.add_argument(
        "--agent", metavar="NAME[@V]", help="use an agent, its latest version or V (r9s agents)"
    )
    parser.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a value for $NAME in the template (repeatable)",
    )
    parser.add_argument(
        "--skill", action="append", metavar="NAME", help="add a skill's instructions (repeatable)"
    )
    parser.add_argument(
        "--save", metavar="NAME", help="save this command line as template NAME; sends nothing"
    )
    parser.add_argument("--temperature", type=float, metavar="T", help="0 to 2")
    parser.add_argument("--max-tokens", type=int, metavar="N", help="most tokens to generate")
    parser.add_argument(
        "--api",
        choices=("chat", "messages", "responses"),
        help="endpoint: chat completions (default), Anthropic messages, or OpenAI responses",
    )
    parser.add_argument(
        "-i", "--image", action="append", metavar="PATH", help="attach an image (repeatable)"
    )
    parser.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    parser.add_argument("--json", action="store_true", help="print the API's response as JSON")
    parser.add_argument("--plain", action="store_true", help="no Markdown rendering or colour")
    parser.add_argument(
        "--stats", action="store_true", help="tokens and speed after each answer (stderr)"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-c",
        "--continue",
        dest="continue_",
        nargs="?",
        const="",
        metavar="ID",
        help="go on with the last chat, or chat ID (another word: the question)",
    )
    group.add_argument(
        "-r",
        "--resume",
        nargs="?",
        const="",
        metavar="ID",
        help="pick a chat to go on with, or chat ID (put the question first)",
    )
    parser.add_argument("--no-log", action="store_true", help="keep this chat out of the log")
    parser.add_argument("--no-save", dest="no_log", action="store_true", help=argparse.SUPPRESS)
    add_connection_arguments(parser)
    parser.add_argument("--retries", type=int, metavar="N", help="retries on 429/5xx (default 2)")


def run(args: argparse.Namespace) -> int:
    from r9s.cli.chat.main import run as run_chat

    return run_chat(args)
