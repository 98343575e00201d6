"""Running ``r9s web``: bind, serve (:mod:`.server`), print the URL once it answers,
open the browser, stop cleanly on Ctrl-C (or SIGTERM).

The socket is bound here, before the app is made, so that the port is known (``--port
0``: a free one) for the Host check, and so that a port in use is a one-line error.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from r9s.cli.common.i18n import _
from r9s.web.guard import Guard, is_loopback
from r9s.web.server import Server

GRACE = 1.0  # seconds open streams get when the server stops, before they are cut


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port); OSError if taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_of(host: str, port: int, token: str | None) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    address = f"http://{shown}:{port}/"
    return f"{address}?token={token}" if token else address


def can_open_browser() -> bool:
    """Whether a browser can show the page: on Linux a display is needed (else Python's
    webbrowser would start a text browser in this terminal); $BROWSER always counts."""
    if os.environ.get("BROWSER"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def serve(
    conn: Any,
    *,
    host: str,
    port: int,
    token: str | None,
    open_browser: bool,
    timeout: float | None = None,
    home: Path | None = None,
    say: Callable[[str], None] = print,
) -> int:
    """Serve until Ctrl-C or SIGTERM; 0 once stopped."""
    from r9s.web.app import create_app

    sock = bind(host, port)
    port = sock.getsockname()[1]
    app = create_app(conn, Guard(host, port, token), home=home, timeout=timeout)
    url = url_of(host, port, token)

    def ready() -> None:
        say(f"r9s web: {url}")
        where = conn.base_url
        say(
            _("  answers from {where} (key from {source}); Ctrl-C stops it").format(
                where=where, source=conn.key_source
            )
        )
        if not is_loopback(host):
            say(_("  listening on {host}: every request needs the token").format(host=host))
        sys.stdout.flush()
        if open_browser:
            if can_open_browser():
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
            else:
                say(_("  (no display to open a browser on: open the URL yourself)"))

    server = Server(app, sock, grace=GRACE, on_stop=app.state.stopping.set)
    try:
        asyncio.run(_until_signal(server, ready))
    except KeyboardInterrupt:  # where the loop cannot take signals (Windows)
        pass
    finally:
        sock.close()
    print(_("r9s web stopped."), file=sys.stderr, flush=True)
    return 0


async def _until_signal(server: Server, ready: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, server.stop)
    await server.serve(ready)
