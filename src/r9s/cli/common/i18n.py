"""The one door every user-facing message of the CLI goes through, so that a later pass can
catalogue them with gettext (``xgettext``/``pybabel extract`` find ``_`` and ``ngettext``
by default) and translate them.

The rules that keep messages translatable:

- one call per whole sentence, with named placeholders filled after translation:
  ``_("model {name!r} not found").format(name=name)``; never a message joined from
  fragments (word order differs between languages);
- counts through :func:`ngettext`, never ``"s" if n != 1``.

Until a catalogue exists both return the English text unchanged. Standard library only:
the argument parsers use it too, and ``r9s --help`` must stay fast.
"""

from __future__ import annotations


def _(message: str) -> str:
    """``message`` in the user's language (English for now)."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for ``count``, in the user's language."""
    return singular if count == 1 else plural
