# Every target creates and uses the local virtual environment in .venv,
# installed from this project's own pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Ray lives in a venv of its own: it pulls in click, whose presence makes `import httpx`
# import rich too (httpx's CLI), which would hide a slow import of ours. The Ray tests run
# `r9s batch --ray` with this venv's Python.
RAY_VENV ?= .venv-ray
RAY_STAMP := $(RAY_VENV)/.installed-stamp
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: demo test test-quick lint bench venv ray-venv clean i18n

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(RAY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(RAY_VENV)
	$(RAY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[ray]'
	touch $(RAY_STAMP)

ray-venv: $(RAY_STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP) $(RAY_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-quick: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The CLI's message catalogue (docs/cli.md, "Languages"): every _()/N_()/ngettext() message
# of src/r9s/cli into the template, merged into each language's .po, compiled to the .mo
# the wheel ships. Run it after adding or changing a message, then translate what it marks
# untranslated or fuzzy; tests/cli/test_i18n.py fails until every message is translated.
LOCALE := src/r9s/cli/locale
i18n: $(STAMP)
	$(BIN)/pybabel --quiet extract --project r9s --no-location --sort-output --no-wrap \
		--add-comments Translators: --msgid-bugs-address "" --header-comment "# The messages of the r9s command line (make i18n)." -o $(LOCALE)/r9s.pot src/r9s/cli src/r9s/web/serve.py
	$(BIN)/pybabel --quiet update --no-wrap --domain r9s --input-file $(LOCALE)/r9s.pot \
		--output-dir $(LOCALE)
	$(BIN)/pybabel compile --domain r9s --directory $(LOCALE) --statistics

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(RAY_VENV) .pytest_cache .mypy_cache .ruff_cache .cache
