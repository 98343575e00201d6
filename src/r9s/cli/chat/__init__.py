"""``r9s chat``: one-shot answers for scripts and the interactive chat."""
