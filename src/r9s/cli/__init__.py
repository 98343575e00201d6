"""The ``r9s`` command-line interface (argparse; commands are imported lazily).

Layers, each importing only from those below it (``tests/cli/test_layout.py`` checks):

- ``main`` -- the entry point and ``COMMANDS``, the one table of commands: the parser,
  ``--help`` and shell completion read it. ``completion`` -- bash/zsh/fish scripts
  generated from the parser.
- ``commands/`` -- one thin module per command: ``add_arguments(parser)`` (standard
  library only, so ``--help`` stays fast) and ``run(args) -> int``; ``_args`` holds the
  arguments several commands share.
- ``chat/`` -- ``r9s chat``: ``main`` (arguments to a conversation; one-shot or the
  loop), ``turn`` (one request, streamed and rendered), ``repl`` (the interactive loop
  and its slash commands), ``conversation`` (chats kept and sent in each API's form),
  ``history`` (turns recorded in the log, chats read back from it), ``render`` (plain
  or Markdown output while streaming).
- ``media/`` -- ``r9s images`` and ``r9s audio``: ``images``, ``audio``, ``transfer``
  (uploads, downloads and their progress bars).
- ``tools/`` -- the coding tools of ``set``/``reset``/``run``/``doctor``: the registry
  (``__init__``), one public module per tool (``claude_code``, ``codex``...), and the
  machinery they share: ``_base`` (what a tool is), ``_target`` (which tool, which
  URL, key and model), ``_configure`` (planning and applying set/reset), ``_backups``,
  ``_docs`` (the tool tables of ``--help`` and the docs).
- ``common/`` -- what every command shares: ``settings`` (where each setting comes
  from), ``config_file`` (editing ``~/.r9s/config.toml``), ``api`` (the SDK client and
  the model list), ``errors`` (any exception as one line), ``interact`` (messages,
  styles and prompts on the terminal), ``files`` (snapshots, atomic writes, the lock,
  masked diffs), ``formats`` (editing JSON/JSONC/TOML/.env in place), ``jsonc``,
  ``images`` (recognising image bytes), ``log/`` (the SQLite log of every exchange),
  ``templates``, ``agents``, ``skills`` (what ``r9s chat -t``/``--agent``/``--skill`` bring).

Adding a coding tool: a module in ``tools/`` defining ``TOOL`` (see ``tools/_base.py``),
and its case in ``tests/cli/tools/cases/``. Adding a command: a module in
``commands/`` and one line in ``main.COMMANDS``. See README.md, "Contributing".
"""
