"""The httpx clients r9s makes when the caller gives none: httpx's own, with a cookie
jar that skips its work on answers that set no cookie.

httpx hands every answer to its cookie jar, which first wraps the request and the
answer in ``urllib`` and ``email`` objects: about 20 us a call, a twentieth of a small
sync call. An API answer seldom sets a cookie; when one does, it is stored as before.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["AsyncClient", "Client", "Cookies", "SkipsCookielessAnswers"]


class Cookies(httpx.Cookies):
    """httpx's cookies; an answer without a ``Set-Cookie`` header is not parsed."""

    def extract_cookies(self, response: httpx.Response) -> None:
        for key, _ in response.headers.raw:
            if key.lower().startswith(b"set-cookie"):  # Set-Cookie, Set-Cookie2
                super().extract_cookies(response)
                return


class SkipsCookielessAnswers:
    """A mixin for ``httpx`` clients: their cookies are a ``Cookies``."""

    _cookies: httpx.Cookies

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cookies = Cookies(self._cookies)

    @property
    def cookies(self) -> httpx.Cookies:
        """The cookies the client sends (and keeps from the answers that set some)."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: httpx._types.CookieTypes) -> None:
        self._cookies = Cookies(cookies)


class Client(SkipsCookielessAnswers, httpx.Client):
    """``httpx.Client`` (see the module's notes)."""


class AsyncClient(SkipsCookielessAnswers, httpx.AsyncClient):
    """``httpx.AsyncClient`` (see the module's notes)."""
