"""One module per command: ``add_arguments(parser)`` and ``run(args) -> int``.

Module level imports stay in the standard library; heavy imports go inside ``run``.
"""
