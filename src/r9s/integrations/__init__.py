"""Integrations of r9s with other frameworks, each behind its own extra (``r9s[ray]``).

Nothing here is imported by ``import r9s``; each module imports its framework on use.
"""
