"""``r9s web``: a local page to chat with models and compare them side by side."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_connection_arguments
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
The page: chat with streaming Markdown, attachments and a stop button; Compare sends
one prompt to 2-4 models at once, timed side by side, and keeps the answer you pick;
History searches every chat in the log (r9s chat -c ID goes on with one in the
terminal); Images and Audio generate, edit, speak and transcribe. Needs the web extra:
pip install 'r9s[web]'. Key and base URL as every command resolves them; the key stays
in this process. Bound to 127.0.0.1 unless --host says otherwise (then --token).

examples:
  r9s web                               serve on 127.0.0.1, open the browser
  r9s web --no-open --port 8780         a fixed port, no browser
  r9s web --host 0.0.0.0 --token        on the network, with a new random token
  R9S_WEB_TOKEN=s3cret r9s web --host 0.0.0.0 --token
  r9s mock & r9s web --base-url http://127.0.0.1:8765/v1 --api-key any   offline
""")

TOKEN_ENV = "R9S_WEB_TOKEN"
NEW_TOKEN = "\0new"  # --token without a value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="HOST",
        help=_("address to serve on (default 127.0.0.1; any other needs --token)"),
    )
    parser.add_argument(
        "--port", type=int, default=0, metavar="PORT", help=_("port (default: a free one)")
    )
    parser.add_argument(
        "--token",
        nargs="?",
        const=NEW_TOKEN,
        metavar="TOKEN",
        help=_("require this token on every request (no value: $R9S_WEB_TOKEN or a new one)"),
    )
    parser.add_argument(
        "--no-open", action="store_true", help=_("do not open the page in a browser")
    )
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import importlib.util
    import os
    import secrets

    from r9s.cli.common.api import client, connection
    from r9s.cli.common.errors import UsageError

    for module in ("starlette", "h11"):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise UsageError(
                _(
                    "r9s web needs the web extra: pip install 'r9s[web]' ({module} is missing)"
                ).format(module=module)
            )
    token: str | None = args.token
    if token == NEW_TOKEN:
        token = os.environ.get(TOKEN_ENV, "").strip() or secrets.token_urlsafe(24)
    if token is not None and not token.strip():
        raise UsageError(_("--token is empty"))
    from r9s.web.guard import is_loopback

    if token is None and not is_loopback(args.host):
        raise UsageError(
            _(
                "--host {host} serves to the network: add --token (a new one is made if you "
                "give none)"
            ).format(host=args.host)
        )
    if not 0 <= args.port <= 65535:
        raise UsageError(_("--port {port}: not a port (0 to 65535)").format(port=args.port))
    conn = connection(args.api_key, args.base_url)
    client(conn).close()  # no key: the same one-line error as every command
    from r9s.web.serve import serve

    try:
        return serve(
            conn,
            host=args.host,
            port=args.port,
            token=token,
            open_browser=not args.no_open,
            timeout=args.timeout,
        )
    except OSError as exc:
        if exc.errno in (98, 48, 10048):  # address in use (Linux, macOS, Windows)
            raise UsageError(
                _("{host}:{port} is in use: pick another --port (0: any free one)").format(
                    host=args.host, port=args.port
                )
            ) from None
        raise
