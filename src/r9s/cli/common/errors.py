"""Turn any exception into the one line the CLI prints: what went wrong and what to do.

Commands :func:`remember` what they know (the connection, the model asked for, the
timeout), so that an error can say which key was rejected or which models come
closest to a name the router does not know.
"""

from __future__ import annotations

import sys
from typing import Any

from r9s.cli.common.i18n import _

_context: dict[str, Any] = {}


class UsageError(Exception):
    """The command cannot run as given (a missing value, no terminal to ask on...): one
    line on stderr and exit status 2, like argparse's own errors."""


SUGGESTIONS = 3


def remember(**values: Any) -> None:
    """Note facts for later error messages: ``connection``, ``model``, ``timeout``, and
    ``model_names``, a function listing the server's model ids (to suggest a close one)."""
    _context.update({key: value for key, value in values.items() if value is not None})


def forget() -> None:
    _context.clear()


def describe(exc: BaseException, *, model: str | None = None) -> str:
    """A one-line, key-free description of ``exc`` for the terminal. ``model``: the
    model the failed request asked for, when it is not the one :func:`remember` holds
    (the web page asks several at once)."""
    errors = sys.modules.get("r9s.errors")
    if errors is not None and isinstance(exc, errors.R9SError):
        text = _describe_api(exc, errors, model)
    elif isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        text = f"{exc.strerror}{where}"
    else:
        text = str(exc) or type(exc).__name__
    return _one_line(text)


def _one_line(text: str) -> str:
    """One line, safe for a terminal: a server's message may hold escape sequences."""
    from r9s.cli.common.terminal import printable

    text = printable(text, keep_lines=True)
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
    return " ".join(lines) if len(lines) <= 3 else lines[0]


def _describe_api(exc: Any, errors: Any, model: str | None = None) -> str:
    conn = _context.get("connection")
    base = getattr(conn, "base_url", None)
    if isinstance(exc, errors.IncompleteStreamError):
        # before the connection errors: a stream cut by the network is one of them too,
        # but the server was reached and the answer had begun
        if exc.reason == "connection_lost":
            return _(
                "the connection broke in the middle of the answer ({reason}): "
                "it is incomplete; try again"
            ).format(reason=connection_reason(exc))
        if exc.reason == "closed":
            return str(exc)
        return _("the server ended the answer before its end: it is incomplete; try again")
    if isinstance(exc, errors.APITimeoutError):
        timeout = _context.get("timeout")
        server = base or _("the server")
        if timeout:
            return _(
                "timed out: no answer from {server} within {seconds:g} s "
                "(try again, or raise --timeout)"
            ).format(server=server, seconds=timeout)
        return _("timed out: no answer from {server} (try again, or raise --timeout)").format(
            server=server
        )
    if isinstance(exc, errors.APIConnectionError):
        server = base or _("the server")
        reason = connection_reason(exc)
        if conn is not None:
            return _(
                "network error: cannot reach {server} ({source}): {reason}; "
                "check the connection and the base URL"
            ).format(server=server, source=conn.base_source, reason=reason)
        return _(
            "network error: cannot reach {server}: {reason}; check the connection and the base URL"
        ).format(server=server, reason=reason)
    if not isinstance(exc, errors.APIStatusError):
        return str(exc)
    status = exc.status_code
    message = _short(exc.message)
    if isinstance(exc, errors.AuthenticationError):
        if conn is not None and conn.api_key:
            from r9s._config import mask_key

            return _(
                "authentication failed (401): the API key ({key} from {source}) was rejected; "
                "run `r9s login` or pass --api-key"
            ).format(key=mask_key(conn.api_key), source=conn.key_source)
        return _(
            "authentication failed (401): the API key was rejected; "
            "run `r9s login` or pass --api-key"
        )
    if isinstance(exc, errors.PermissionDeniedError):
        return _("permission denied (403): {message}").format(message=message)
    if isinstance(exc, errors.RateLimitError):
        wait = exc.retry_after
        if wait is not None:
            return _("rate limited (429): {message}; retry in {wait}").format(
                message=message, wait=_seconds(wait)
            )
        return _("rate limited (429): {message}; wait a moment and retry").format(message=message)
    if isinstance(exc, errors.NotFoundError) and _is_model_error(exc):
        return _model_not_found(message, model)
    from r9s.errors import _REASONS

    if status >= 500:
        reason = _REASONS.get(status, "server error")
        return _("server error ({status} {reason}): {message}; try again later").format(
            status=status, reason=reason, message=message
        )
    line = f"{status} {_REASONS.get(status, 'error')}: {message}"
    if exc.request_id:
        line = _("{error} (request id {request_id})").format(error=line, request_id=exc.request_id)
    if isinstance(exc, errors.NotFoundError) and base:
        # not the model (above): the path, so most often a base URL missing its /v1 or
        # pointing at another server
        if conn is not None:
            return _("{error}; is the base URL right? ({base} from {source})").format(
                error=line, base=base, source=conn.base_source
            )
        return _("{error}; is the base URL right? ({base})").format(error=line, base=base)
    return line


def _short(message: str, limit: int = 200) -> str:
    text = " ".join(_html_title(message).split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _html_title(message: str) -> str:
    """A proxy's HTML error page (nginx's "502 Bad Gateway") as "an HTML page (its title)"."""
    start = message.lstrip()[:200].lower()
    if not start.startswith("<") or not any(t in start for t in ("<html", "<!doctype", "<head")):
        return message
    import re

    found = re.search(r"<title[^>]*>(.*?)</title>", message, re.IGNORECASE | re.DOTALL)
    title = " ".join(found.group(1).split()) if found else ""
    return _("an HTML page ({title})").format(title=title) if title else _("an HTML page")


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 1 else f"{value:.1f} s"


def _is_model_error(exc: Any) -> bool:
    data = exc.data
    code = getattr(getattr(data, "error", None), "code", None) if data is not None else None
    return code == "model_not_found" or "model" in exc.message.lower()


def _model_not_found(message: str, model: str | None = None) -> str:
    model = model or _context.get("model")
    if not model:
        return _("not found (404): {message}").format(message=message)
    close = closest_models(model, _model_names())
    if close:
        return _(
            "model {model!r} not found; did you mean: {close}? (`r9s models` lists them all)"
        ).format(model=model, close=", ".join(close))
    return _("model {model!r} not found (`r9s models` lists the available ones)").format(
        model=model
    )


def closest_models(name: str, names: list[str]) -> list[str]:
    """The few model ids nearest to ``name`` (a typo), else those containing it."""
    import difflib

    close = difflib.get_close_matches(name, names, n=SUGGESTIONS, cutoff=0.4)
    return close or [other for other in names if name.lower() in other.lower()][:SUGGESTIONS]


def did_you_mean(word: str, choices: list[str], cutoff: float = 0.6) -> str | None:
    """The choice closest to ``word`` (a mistyped command, flag or slash command), if
    one is close enough."""
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    return close[0] if close else None


def _model_names() -> list[str]:
    """The ids the server lists, through what :func:`remember` was given
    (``model_names``: the client's connection lists them); none when that fails."""
    lister = _context.get("model_names")
    if lister is None or not getattr(_context.get("connection"), "api_key", None):
        return []
    try:
        names: list[str] = lister()
    except Exception:  # a suggestion is a bonus: never a second error
        return []
    return names


def connection_reason(exc: BaseException) -> str:
    """``connection refused`` out of ``Connection error: [Errno 111] Connection refused (...)``."""
    import re

    text = str(exc)
    for prefix in ("Connection error: ", "Timed out: "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    # a stream cut: what it cut is said apart (", after 3 events of the chat stream: ...")
    text = re.sub(r", after \d+ events? of .*$", "", text, flags=re.DOTALL)
    text = text.split(" (", 1)[0] if text.endswith(")") else text
    if "] " in text and text.startswith("["):
        text = text.split("] ", 1)[1]
    return text.strip().lower() or type(exc).__name__
