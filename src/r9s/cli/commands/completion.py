"""``r9s completion SHELL``: print a completion script, generated from the parser."""

from __future__ import annotations

import argparse

from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
The script is generated from r9s's own argument parser, so it knows every command and
option of this version. Re-run it after upgrading r9s.

examples:
  r9s completion bash > ~/.local/share/bash-completion/completions/r9s
  r9s completion zsh > "${fpath[1]}/_r9s"          (then restart zsh)
  r9s completion fish > ~/.config/fish/completions/r9s.fish
  eval "$(r9s completion bash)"                     just for this shell
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    parser.add_argument("shell", choices=("bash", "zsh", "fish"), help=_("the shell"))


def run(args: argparse.Namespace) -> int:
    import sys

    from r9s.cli.completion import SHELLS
    from r9s.cli.main import build_parser

    script = SHELLS[args.shell](build_parser(full=True))
    sys.stdout.write(script)
    return 0
