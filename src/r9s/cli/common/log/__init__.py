"""The log: every exchange with a model, in one SQLite database (``~/.r9s/log.db``).

Shared by everything that talks to models for a person (``r9s chat``, ``r9s logs``,
``r9s usage``, the web page), so a conversation started in one can go on in another.
Standard library only (sqlite3, json); it knows nothing of rendering or terminals.

- :class:`Log` -- ``Log.open(path)`` creates (mode 0600) and migrates the database
  (:mod:`._schema`; WAL, so readers never wait and writers queue up to
  ``BUSY_TIMEOUT``); :meth:`Log.record` adds an :class:`Exchange` to a
  :class:`ConversationInfo`; ``conversations``/``conversation``/``exchanges_of``/
  ``exchange`` read; :meth:`Log.find` lists or searches (FTS5) with :class:`Filters`;
  :meth:`Log.usage` sums tokens and cost by day and model; ``delete_*`` remove (and
  scrub the deleted text from the files).
- :func:`open_log` -- the user's log, after importing the JSON chat files of r9s 1.0
  (:mod:`._chats`); :func:`chat_document` -- a logged conversation in those files' form
  (:func:`file_of`/:func:`file_entry` and :func:`tool_rounds_of`/:func:`tool_columns`
  turn a chat's attached files and tool rounds into the log's columns and back).
- :func:`is_enabled`/:func:`set_enabled` -- ``r9s logs off``/``on``;
  :func:`parse_since` -- ``--since`` values.

What is never stored: API keys, headers, base URLs. Errors are :class:`LogError`, one
line for the person.

>>> with Log.open(path) as log:                                       # doctest: +SKIP
...     conversation = ConversationInfo(id="c1", model="gpt-4o-mini")
...     log.record(conversation, Exchange(prompt="hi", response="hello"))
...     [e.response for e in log.find(Filters(text="hello"))]
['hello']
"""

from __future__ import annotations

from r9s.cli.common.log._chats import (
    ImportReport,
    NotAChat,
    chat_document,
    chats_dir,
    file_entry,
    file_of,
    import_chats,
    open_log,
    parse_chat_file,
    tool_columns,
    tool_rounds_of,
)
from r9s.cli.common.log._schema import MIGRATIONS, VERSION
from r9s.cli.common.log._since import parse_since
from r9s.cli.common.log._store import (
    ConversationInfo,
    Exchange,
    Filters,
    Log,
    LogError,
    UsageRow,
    has_fts5,
    is_enabled,
    log_path,
    now_text,
    search_terms,
    set_enabled,
    title_of,
)
from r9s.cli.common.sqlite import BUSY_TIMEOUT

__all__ = [
    "BUSY_TIMEOUT",
    "MIGRATIONS",
    "VERSION",
    "ConversationInfo",
    "Exchange",
    "Filters",
    "ImportReport",
    "Log",
    "LogError",
    "NotAChat",
    "UsageRow",
    "chat_document",
    "chats_dir",
    "file_entry",
    "file_of",
    "has_fts5",
    "import_chats",
    "is_enabled",
    "log_path",
    "now_text",
    "open_log",
    "parse_chat_file",
    "parse_since",
    "search_terms",
    "set_enabled",
    "title_of",
    "tool_columns",
    "tool_rounds_of",
]
