"""``r9s chat``: talk to any model, interactively or from a script."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
With a prompt or piped input: the bare answer on stdout (exit 0; 1 with a one-line error
on stderr). Otherwise, on a terminal, an interactive chat (/help lists its commands).
Every turn is kept in the log (~/.r9s/log.db: r9s logs), unless --no-log or `r9s logs off`.
A first word that is no command is a question too: r9s "Hi" is r9s chat "Hi".

examples:
  git diff | r9s chat "Write a commit message for this diff"
  r9s chat -a report.pdf -a chart.png "Summarise the report and the chart"
  r9s chat -m claude-sonnet-4-5 --api messages --reasoning high "Prove it"
  r9s chat -c "And the longest?"             go on with the last chat ("What?" --resume: pick one)
  r9s chat -c 20250601-103200-a1b2c3 "More"  go on with that chat (ids: r9s logs)
  r9s chat -o temperature 0.2 -o seed 7 "Pick a number"
  r9s chat -x "A bash one-liner that counts lines in *.py" > count.sh
  r9s chat --schema 'name, age int, bio: a short bio' "Invent a person"
  r9s chat --functions tools.py "What is the weather in Oslo?"
  r9s chat --timing "Hi"                     router time, upstream first token, tokens/s
  r9s chat --save tr 'Translate into $lang: $input'    a template (sends nothing)
  r9s chat -t tr -p lang French "Good morning"         ... used
  r9s chat --agent reviewer --skill pdf "Summarise"     an agent, a skill

-o keys (--extra '{"key": ...}' sends any other; r9s models show MODEL: what it takes):
{options}
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    import textwrap

    from r9s.cli.common.options import EFFORTS, OPTIONS

    names = ", ".join(option.name for option in OPTIONS)
    listed = textwrap.fill(names, width=86, initial_indent="  ", subsequent_indent="  ")
    parser.epilog = _(EPILOG).replace("{options}", listed)
    parser.usage = "r9s chat [OPTIONS] [PROMPT ...]"

    asked = parser.add_argument_group(_("model and prompt"))
    asked.add_argument("prompt", nargs="*", metavar="PROMPT", help=_("the question (one-shot)"))
    asked.add_argument("-m", "--model", metavar="MODEL", help=_("model id (default: $R9S_MODEL)"))
    asked.add_argument("-s", "--system", metavar="TEXT", help=_("system prompt"))
    asked.add_argument(
        "--api",
        choices=("chat", "messages", "responses"),
        metavar="API",
        help=_("chat (default), messages or responses"),
    )

    presets = parser.add_argument_group(_("templates, agents and skills"))
    preset = presets.add_mutually_exclusive_group()
    preset.add_argument(
        "-t", "--template", metavar="NAME", help=_("use a saved template (r9s templates list)")
    )
    preset.add_argument(
        "--agent", metavar="NAME[@V]", help=_("use an agent: its latest version, or V (r9s agents)")
    )
    presets.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help=_("a value for $NAME in the template (repeatable)"),
    )
    presets.add_argument(
        "--skill",
        action="append",
        metavar="NAME",
        help=_("add a skill's instructions (repeatable)"),
    )
    presets.add_argument(
        "--save", metavar="NAME", help=_("save the command as template NAME (sends nothing)")
    )

    options = parser.add_argument_group(_("request options"))
    options.add_argument(
        "-o",
        "--option",
        nargs=2,
        action="append",
        metavar=("KEY", "VALUE"),
        help=_("a request option (repeatable; keys below)"),
    )
    options.add_argument("--temperature", type=float, metavar="T", help=_("0 to 2"))
    options.add_argument("--max-tokens", type=int, metavar="N", help=_("most tokens to generate"))
    options.add_argument(
        "--reasoning",
        choices=EFFORTS,
        metavar="LEVEL",
        help=_("low, medium or high (or none, minimal, xhigh)"),
    )
    options.add_argument(
        "--extra",
        action="append",
        metavar="JSON",
        help=_("JSON fields sent as they are (repeatable)"),
    )

    inputs = parser.add_argument_group(_("attachments, structured answers and tools"))
    inputs.add_argument(
        "-a",
        "--attach",
        action="append",
        metavar="FILE|URL",
        help=_("an image, PDF, WAV/MP3 or text file (repeatable)"),
    )
    inputs.add_argument(
        "-i", "--image", action="append", metavar="PATH", help=_("attach an image (repeatable)")
    )
    inputs.add_argument(
        "--schema",
        metavar="SCHEMA",
        help=_("a JSON object (a file, JSON or 'a, b int')"),
    )
    inputs.add_argument(
        "--schema-multi",
        metavar="SCHEMA",
        help=_('as --schema, a list of them: {"items": [...]}'),
    )
    inputs.add_argument(
        "--functions",
        action="append",
        metavar="FILE.py|CODE",
        help=_("a Python file's functions as tools (repeatable)"),
    )
    inputs.add_argument(
        "-y",
        "--yes",
        "--tools-approve",
        dest="yes",
        action="store_true",
        help=_("run tool calls without asking (interactive)"),
    )
    inputs.add_argument(
        "--max-turns",
        type=int,
        default=10,
        metavar="N",
        help=_("most requests of one tool run (default 10)"),
    )

    output = parser.add_argument_group(_("output"))
    output.add_argument("--no-stream", action="store_true", help=_("wait for the whole answer"))
    output.add_argument("--json", action="store_true", help=_("print the API's response as JSON"))
    output.add_argument("--plain", action="store_true", help=_("no Markdown rendering or colour"))
    output.add_argument(
        "-x",
        "--extract",
        action="store_true",
        help=_("print only the first fenced code block"),
    )
    output.add_argument(
        "--no-reasoning",
        action="store_true",
        help=_("hide the model's reasoning"),
    )
    output.add_argument(
        "--stats", action="store_true", help=_("tokens and speed after each answer (stderr)")
    )
    output.add_argument(
        "--timing",
        action="store_true",
        help=_("router and upstream time, tokens/s (stderr)"),
    )

    kept = parser.add_argument_group(_("conversation and log"))
    which = kept.add_mutually_exclusive_group()
    which.add_argument(
        "-c",
        "--continue",
        dest="continue_",
        nargs="?",
        const="",
        metavar="ID",
        help=_("go on with the last chat, or with chat ID"),
    )
    which.add_argument(
        "-r",
        "--resume",
        nargs="?",
        const="",
        metavar="ID",
        help=_("pick a chat, or chat ID (put the question first)"),
    )
    kept.add_argument("--no-log", action="store_true", help=_("keep this chat out of the log"))
    kept.add_argument("--no-save", dest="no_log", action="store_true", help=argparse.SUPPRESS)

    connection = parser.add_argument_group(_("connection"))
    add_connection_arguments(connection)
    connection.add_argument(
        "--retries", type=int, metavar="N", help=_("retries on 429/5xx (default 2)")
    )


def run(args: argparse.Namespace) -> int:
    from r9s.cli.chat.main import run as run_chat

    return run_chat(args)
