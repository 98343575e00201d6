"""What an HTTP client r9s made holds: its connections in use, whether they were closed.
For httpx's transport and for aiohttp's (``httpx_aiohttp``), sync or async."""

from __future__ import annotations

from typing import Any


def _session(http: Any) -> Any:
    """The aiohttp session of a client on aiohttp's transport (``None`` otherwise)."""
    import aiohttp

    session = getattr(http._transport, "client", None)
    return session if isinstance(session, aiohttp.ClientSession) else None


def busy_connections(http: Any) -> int:
    """Connections the client holds for a request or a response in progress."""
    session = _session(http)
    if session is not None:
        return len(session.connector._acquired) if session.connector is not None else 0
    return sum(not connection.is_idle() for connection in http._transport._pool.connections)


def released(http: Any) -> bool:
    """Whether the client's connections were closed (not just dropped)."""
    session = _session(http)
    if session is not None:
        return bool(session.closed)
    return not http._transport._pool.connections
