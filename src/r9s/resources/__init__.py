"""One module per API resource; each method is a thin typed wrapper over the pipeline."""
