"""The engines of ``r9s images`` and ``r9s audio``: files in, files out."""
