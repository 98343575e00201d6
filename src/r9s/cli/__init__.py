"""The ``r9s`` command-line interface (argparse; commands are imported lazily)."""
