"""Masking credentials in text shown to the person (diffs of config files, mostly).

What counts as a credential: the value of every setting whose name says it holds one
(``*token*``, ``*key*``, ``*secret*``, ``*password*``, ``*credential*``, auth headers,
cookies), the password (or token) of a URL with user information
(``https://user:pass@host``), what follows ``Bearer``/``Basic`` in a header value, and
each secret the caller names. Masking works on the whole text, so a quoted value spread
over several lines is masked as a whole. Standard library only.
"""

from __future__ import annotations

import re

__all__ = ["mask_secrets"]

# A setting whose name says it holds a credential: ANTHROPIC_AUTH_TOKEN, apiKey,
# GEMINI_API_KEY, experimental_bearer_token, MY_SERVICE_KEY, password, Authorization...
_SECRET_NAME = re.compile(
    r"key|token|secret|passw|credential|bearer|authori[sz]ation|cookie|session[_-]?id",
    re.IGNORECASE,
)
# ...except those whose value names a variable rather than holding a key (Codex's
# env_key, Qwen Code's envKey).
_NAMES_A_VARIABLE = re.compile(r"env[_-]?key", re.IGNORECASE)

_QUOTED = (
    r'"""[\s\S]*?"""|'
    r"'''[\s\S]*?'''|"  # TOML multi-line strings
    r'"(?:[^"\\]|\\.)*"|'  # JSON, TOML, .env: may span lines in a .env file
    r"'[^']*'|"
    r"`[^`]*`"
)
# NAME = "value", "NAME": "value", NAME=value (.env, optionally `export`); several per
# line for inline tables and one-line JSON objects.
_SETTING = re.compile(
    r"""(?P<name>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z_][\w.-]*)"""
    r"""(?P<sep>\s*[:=]\s*)"""
    rf"""(?P<value>{_QUOTED}|(?<==)[^\s"'`#,{{}}\[\]][^\s#,{{}}\[\]]*)"""
)
# scheme://user:password@ or scheme://token@
_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s/?#@\"'`<>:]*)"
    r"(?::(?P<password>[^\s/?#@\"'`<>]*))?@"
)
_AUTH_SCHEME = re.compile(r"\b(?P<scheme>Bearer|Basic)(?P<space>\s+)(?P<credential>[\w.~+/=-]+)")
MASK = "****"


def mask_secrets(text: str, *secrets: str) -> str:
    """``text`` with every credential masked (see the module's docstring); each of
    ``secrets`` is masked wherever it appears."""
    from r9s._config import mask_key

    def setting(match: re.Match[str]) -> str:
        name = match["name"].strip("\"'").rsplit(".", 1)[-1]
        if not _SECRET_NAME.search(name) or _NAMES_A_VARIABLE.fullmatch(name):
            return match[0]
        value = match["value"]
        quote = next((q for q in ('"""', "'''", '"', "'", "`") if value.startswith(q)), "")
        inner = value[len(quote) : len(value) - len(quote)] if quote else value
        return f"{match['name']}{match['sep']}{quote}{mask_key(inner)}{quote}"

    def userinfo(match: re.Match[str]) -> str:
        if match["password"] is not None:
            return f"{match['scheme']}{match['user']}:{MASK}@"
        return f"{match['scheme']}{MASK}@" if match["user"] else match[0]

    text = _SETTING.sub(setting, text)
    text = _USERINFO.sub(userinfo, text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m['scheme']}{m['space']}{MASK}", text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, mask_key(secret))
    return text
