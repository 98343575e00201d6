"""The TLS context the clients r9s makes verify servers with: built once a process, on a
background thread started when an ``R9S`` is made, so that the certificates are read
while its first call loads its types.

Reading the certificate bundle (certifi's, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``) takes
20-30 ms, in OpenSSL, without the GIL; httpx reads it again for every client it makes.
The context comes from httpx's own ``create_ssl_context``, so it trusts what a plain
``httpx.Client()`` trusts. One context serves every client r9s makes (OpenSSL contexts
are made to be shared); a change to those two variables gets a new one. Should building
it fail, the client is made as before and httpx reports the error where it always has.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

_ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR")


class _Build:
    """One context being built (or built) for one setting of the variables."""

    __slots__ = ("key", "done", "context")

    def __init__(self, key: tuple[str, ...]) -> None:
        self.key = key
        self.done = threading.Event()
        self.context: ssl.SSLContext | None = None

    def run(self) -> None:
        try:
            import httpx

            self.context = httpx.create_ssl_context()
        except Exception:  # noqa: BLE001 - the client is then made as before, and fails there
            self.context = None
        finally:
            self.done.set()


_lock = threading.Lock()
_build: _Build | None = None


def _key() -> tuple[str, ...]:
    return tuple(os.environ.get(name, "") for name in _ENV)


def _current(key: tuple[str, ...]) -> tuple[_Build, bool]:
    """The build for ``key``, and whether the caller must run it (it is new)."""
    global _build
    with _lock:
        build = _build
        if build is not None and build.key == key:
            return build, False
        build = _build = _Build(key)
        return build, True


def prepare() -> None:
    """Start building the context on a background thread, unless it is built, or being
    built, for the environment as it is."""
    build, new = _current(_key())
    if new:
        # Not a daemon: a program ending while OpenSSL reads the certificates must wait
        # for it (tens of ms), as Python frees what a daemon thread runs on under it.
        threading.Thread(target=build.run, name="r9s-tls-context", daemon=False).start()


def context() -> ssl.SSLContext | None:
    """The context (waiting for a build under way, or building it now); ``None`` if it
    could not be built."""
    build, new = _current(_key())
    if new:
        build.run()
    build.done.wait()
    return build.context


def _forget_unfinished() -> None:
    """In a forked child: a build the parent's thread was running never ends here."""
    global _build, _lock
    _lock = threading.Lock()
    if _build is not None and not _build.done.is_set():
        _build = None


os.register_at_fork(after_in_child=_forget_unfinished)
