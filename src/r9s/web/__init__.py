"""``r9s web``: a local page to chat with models and compare them side by side
(``pip install 'r9s[web]'``: Starlette and uvicorn).

- :mod:`.app` -- the ASGI app: the page, its JSON API, the event streams.
- :mod:`.guard` -- what every request must show: the right Host, the token, and for a
  change a same-origin request with the page's header.
- :mod:`.runs` -- one prompt sent to one to four models at once, each answer streamed
  to its pane as server-sent events, timed, and recorded in the log.
- :mod:`.history` -- the log (the CLI's, ``~/.r9s/log.db``) as the page reads it.
- :mod:`.media` -- images (generate, edit) and audio (speech, transcription).
- :mod:`.serve` -- binding, the printed URL, the browser, Ctrl-C.

Nothing here is imported by ``import r9s`` or the CLI, except by ``r9s web`` itself.
The API key stays in this process: no answer to the page carries it.
"""
