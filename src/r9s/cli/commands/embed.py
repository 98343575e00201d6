"""``r9s embed``: embedding vectors, and a small local collection to search by similarity."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
Prints one JSON array of floats per text, a line each. With --store NAME the vectors go
into a collection in ~/.r9s/embeddings.db (SQLite) instead; --similar NAME prints the
stored texts closest to the query, the closest first, with their cosine similarity.
A collection keeps the model it was made with; its texts are replaced when stored again
under the same ID (default: the file and line they came from, else a hash of the text).

examples:
  r9s embed "a sentence"                       one vector
  r9s embed -i notes.txt                       the vector of a file
  r9s embed -i faq.txt --lines --store faq     each line of faq.txt into the collection faq
  r9s embed "how do I reset my password" --similar faq -n 3
  r9s embed --collections                      the collections, with their size and model
  r9s embed --drop faq                         delete the collection faq
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    parser.add_argument("text", nargs="*", metavar="TEXT", help=_("texts to embed (each one)"))
    parser.add_argument(
        "-i",
        "--input",
        action="append",
        metavar="FILE",
        help=_("embed the text of FILE ('-' reads stdin; repeatable)"),
    )
    parser.add_argument(
        "--lines", action="store_true", help=_("each non-empty line of the input is a text")
    )
    parser.add_argument(
        "-m",
        "--model",
        metavar="MODEL",
        help=_("embedding model (default: the collection's, else text-embedding-3-small)"),
    )
    parser.add_argument("--dimensions", type=int, metavar="N", help=_("shorter vectors"))
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--store", metavar="NAME", help=_("store the texts and vectors in collection NAME")
    )
    group.add_argument(
        "--similar", metavar="NAME", help=_("the texts of collection NAME closest to TEXT")
    )
    group.add_argument(
        "--collections", action="store_true", help=_("list the collections and leave")
    )
    group.add_argument("--drop", metavar="NAME", help=_("delete collection NAME and leave"))
    parser.add_argument("--id", metavar="ID", help=_("the ID to store a single text under"))
    parser.add_argument(
        "-n", type=int, default=10, metavar="N", help=_("how many similar texts (default 10)")
    )
    parser.add_argument("--json", action="store_true", help=_("--similar as a JSON list"))
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from r9s.cli.media.embed import run as run_embed

    return run_embed(args)
