"""``r9s mock``: run the bundled r9s-compatible server until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from r9s.cli.common.i18n import N_, _

EXAMPLES = N_("""\
examples:
  r9s mock                          serve on http://127.0.0.1:8765/v1, any key accepted
  r9s mock --port 0 --api-key sk-1  a free port; only the key sk-1 is accepted
  r9s mock --rate-limit 600,90000   429 with Retry-After over 600 requests or 90,000 tokens a minute
  curl -s http://127.0.0.1:8765/v1/models -H 'Authorization: Bearer any'

faults, per request:   -H 'X-R9S-Fault: status=503;retry_after=1'
faults, queued:        POST /__r9s/faults {"spec": "drop=mid_stream;after=2", "times": 1}
recorded requests:     GET /__r9s/requests (DELETE to clear)
rate-limit counts:     GET /__r9s/rate-limit (DELETE to reset)
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EXAMPLES)
    parser.add_argument(
        "--host", default="127.0.0.1", help=_("address to bind (default 127.0.0.1)")
    )
    parser.add_argument(
        "--port", type=int, default=8765, help=_("port (default 8765; 0 = any free)")
    )
    parser.add_argument(
        "--api-key",
        action="append",
        metavar="KEY",
        help=_("accept only this key (repeatable); by default any non-empty key is accepted"),
    )
    parser.add_argument(
        "--rate-limit",
        metavar="RPM[,TPM]",
        type=_rate_limit,
        help=_(
            "refuse requests over RPM requests (and TPM tokens) a minute with 429 and "
            "Retry-After; tokens are estimated as body bytes / 4 plus max_tokens"
        ),
    )
    parser.add_argument(
        "--probe-delay",
        type=float,
        default=0.0,
        metavar="S",
        help=_(
            "seconds before the ': R9S PROCESSING' comment a stream asked for with "
            "X-NextRouter-SSE-Probe starts with (default 0)"
        ),
    )
    parser.add_argument("--quiet", action="store_true", help=_("do not log each request"))
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help=_("drop a client whose request head takes longer (default 10)"),
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help=_("close a connection idle this long, or a stalled upload (default 60)"),
    )


def _rate_limit(text: str) -> object:
    from r9s.testing._ratelimit import RateLimit

    try:
        return RateLimit.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from r9s.testing import LocalServer

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    server = LocalServer(
        api_key=args.api_key,
        host=args.host,
        port=args.port,
        log=None if args.quiet else log,
        probe_delay=args.probe_delay,
        header_timeout=args.header_timeout,
        idle_timeout=args.idle_timeout,
        rate_limit=args.rate_limit,
    )
    server.start()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    key = args.api_key[0] if args.api_key else "any-key"
    try:
        print(_("r9s local server listening on {url}").format(url=server.url), flush=True)
        print(f"  export R9S_BASE_URL={server.url} R9S_API_KEY={key}")
        print(
            _("  Anthropic- and Gemini-style clients: base URL {url}").format(url=server.root_url)
        )
        if args.rate_limit is not None:
            print(
                _("  rate limit: {limit} (requests[,tokens] per minute)").format(
                    limit=args.rate_limit
                )
            )
        print(_("Press Ctrl-C to stop."), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
    print(_("r9s local server stopped."), file=sys.stderr, flush=True)
    return 0
