"""Stream kinds: how each operation's events decode and fold into a final result.

One module per kind (chat, completions, messages, responses, images): a ``StreamSpec``,
a pure accumulator (no I/O, shared by the sync and async streams) and ``EventStream``
subclasses that add the helper names users of the official SDKs know. Loaded with their
resource.
"""
