"""The one door every user-facing message of the CLI goes through: English by default,
Simplified Chinese from the gettext catalogue ``r9s/cli/locale/zh_CN/LC_MESSAGES/r9s.mo``
when ``--lang``, ``R9S_LANG`` or the locale asks for it (:func:`choose`).

The rules that keep messages translatable:

- one call per whole sentence, with named placeholders filled after translation:
  ``_("model {name!r} not found").format(name=name)``; never a message joined from
  fragments (word order differs between languages);
- counts through :func:`ngettext`, never ``"s" if n != 1``;
- text computed at import time (a module's constants: an epilog, a table of commands) is
  marked with :func:`N_` and translated where it is used, ``_(EPILOG)``: the language is
  chosen when ``main`` starts, after the modules are imported.

Not translated: a model's answers, JSON output, file contents, diffs, command names,
flags and option values. ``docs/cli.md`` ("Languages") says how to add a language and how
to update the catalogue after changing a message.

Standard library only: the argument parsers use it too, and ``r9s --help`` must stay
fast (English loads no catalogue; Chinese loads one ``.mo`` file).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

DOMAIN = "r9s"
ENGLISH = "en"
CHINESE = "zh_CN"
LANGUAGES = (ENGLISH, CHINESE)
"""The languages r9s speaks, as catalogue folder names (English is the source)."""

_translation: Any = None  # gettext.GNUTranslations of the chosen language; None: English
_language = ENGLISH


def _(message: str) -> str:
    """``message`` in the user's language."""
    return message if _translation is None else str(_translation.gettext(message))


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for ``count``, in the user's language."""
    if _translation is None:
        return singular if count == 1 else plural
    return str(_translation.ngettext(singular, plural, count))


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue without translating it (module constants,
    translated with ``_()`` where they are shown)."""
    return message


def language() -> str:
    """The language in use: ``"en"`` or ``"zh_CN"``."""
    return _language


def normalize(code: str) -> str | None:
    """The catalogue a language code asks for: ``zh``, ``zh_CN``, ``zh-CN``,
    ``zh_CN.UTF-8``, ``zh-Hans`` (and ``zh_SG``, ``zh-Hans-CN``) are Simplified Chinese;
    ``en...``, ``C`` and ``POSIX`` English; None for any other (not one r9s speaks)."""
    code = code.strip().split(".", 1)[0].split("@", 1)[0].replace("-", "_").lower()
    if code in ("c", "posix") or code == "en" or code.startswith("en_"):
        return ENGLISH
    parts = code.split("_")
    if parts[0] != "zh":
        return None
    rest = parts[1:]
    if (
        not rest
        or rest[0] in ("cn", "sg")
        or (rest[0] == "hans" and rest[1:] in ([], ["cn"], ["sg"]))
    ):
        return CHINESE
    return None  # zh_TW, zh_HK, zh-Hant: Traditional Chinese, which r9s does not speak


def flag_value(argv: Sequence[str]) -> str | None:
    """The value of the last ``--lang X`` or ``--lang=X`` in ``argv`` (before ``--``)."""
    found = None
    for index, token in enumerate(argv):
        if token == "--":
            break
        if token == "--lang" and index + 1 < len(argv):
            found = argv[index + 1]
        elif token.startswith("--lang="):
            found = token.split("=", 1)[1]
    return found


class UnknownLanguage(ValueError):
    """``--lang`` or ``R9S_LANG`` (``where``) names a language r9s does not speak."""

    def __init__(self, code: str, where: str) -> None:
        super().__init__(code, where)
        self.code = code
        self.where = where

    def __str__(self) -> str:
        return _("{where} {code!r}: not a language r9s speaks (en, zh-CN)").format(
            where=self.where, code=self.code
        )


def choose(argv: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> str:
    """The language asked for: ``--lang``, else ``R9S_LANG``, else the locale in
    gettext's order (``LANGUAGE``, a list, unless the locale is C/POSIX; then the first
    set of ``LC_ALL``, ``LC_MESSAGES``, ``LANG``). A locale r9s does not speak is English;
    a language ``--lang`` or ``R9S_LANG`` asks for and r9s does not speak raises
    :class:`UnknownLanguage`."""
    environ = os.environ if environ is None else environ
    asked, where = flag_value(argv), "--lang"
    if asked is None:
        asked, where = environ.get("R9S_LANG") or None, "R9S_LANG"
    if asked is not None:
        found = normalize(asked)
        if found is None:
            raise UnknownLanguage(asked, where)
        return found
    locale = next(
        (environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), ""
    )
    if normalize(locale) == ENGLISH and locale.split(".")[0].upper() in ("C", "POSIX"):
        return ENGLISH  # GNU gettext ignores LANGUAGE under the C locale
    for code in environ.get("LANGUAGE", "").split(":"):
        found = normalize(code) if code else None
        if found is not None:
            return found
    return normalize(locale) or ENGLISH if locale else ENGLISH


def use(code: str) -> None:
    """Speak ``code`` (one of :data:`LANGUAGES`) from now on, argparse's own messages
    ("usage:", "options:", its errors) included. A missing catalogue means English."""
    global _translation, _language
    import argparse

    _translation, _language = None, ENGLISH
    if code != ENGLISH:
        from pathlib import Path

        path = Path(__file__).parent.parent / "locale" / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
        try:
            with path.open("rb") as file:
                import gettext

                _translation, _language = gettext.GNUTranslations(file), code
        except OSError:
            pass
    if _translation is None:
        import gettext

        argparse._ = gettext.gettext  # type: ignore[attr-defined]
        argparse.ngettext = gettext.ngettext  # type: ignore[attr-defined]
    else:
        argparse._ = _  # type: ignore[attr-defined]
        argparse.ngettext = ngettext  # type: ignore[attr-defined]


ARGPARSE = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("subcommands"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)
"""argparse's messages a user can see (it looks them up through ``argparse._``, which
:func:`use` points at the catalogue); "expected %s argument(s)" is a plural, below."""


def _argparse_plurals() -> None:  # never called: marks argparse's plural for extraction
    ngettext("expected %s argument", "expected %s arguments", 2)
