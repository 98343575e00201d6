"""One module per coding tool that ``r9s set`` / ``reset`` / ``run`` / ``doctor`` support."""
