# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JOBS ?= 2

.PHONY: run test test-fast lab serve bench check clean chromium libreoffice

# A virtualenv installed from pyproject.toml (the single source of dependencies).
#
# rfc3987-syntax: jsonschema imports it, when present, for its optional "iri" format checker,
# and it builds Lark parsers at import time — about 2.7 s on every papermill run, kernel and
# Voila server here (python-jsonschema/jsonschema#1392, #1428, #1521). jupyter-events pulls it
# in through jsonschema[format-nongpl]; nothing in this project validates IRIs, and jsonschema
# simply skips that checker when the module is absent. Removing it is the documented way to opt
# out of an optional format checker. benchmarks/report_bench.py measures the difference.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,cluster]'
	$(BIN)/python -m pip uninstall --quiet -y rfc3987-syntax
	touch $@

# Debian's chromium for the browser tests (Playwright cannot download its own browser here),
# and the Liberation fonts, so the browser draws chart text in the font vl-convert measured it with.
chromium:
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "liberation sans" || { \
	  echo "Installing Debian's chromium and fonts-liberation for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null; }

# LibreOffice without a desktop, for the tests that recalculate model.xlsx (workbook report --xlsx)
# in a real spreadsheet application: `soffice --headless`.
libreoffice:
	@command -v soffice >/dev/null || { \
	  echo "Installing Debian's libreoffice-calc-nogui for the spreadsheet tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null; }

run: $(BIN)/.installed
	$(BIN)/workbook report params/*.yaml --out reports --jobs $(JOBS)

# The fast tier first, so a failure there shows within minutes; then the slow tier (servers,
# browsers, kernels, batches). Both always run; the target fails if either did.
test: $(BIN)/.installed chromium libreoffice
	@$(BIN)/python -m pytest -m "not slow"; fast=$$?; \
	$(BIN)/python -m pytest -m slow; slow=$$?; \
	echo "fast tier: exit $$fast; slow tier: exit $$slow"; test $$fast -eq 0 -a $$slow -eq 0

# The fast tier, while you work: every test that starts no server, browser, kernel or batch
# (the `slow` marker, given by folder in tests/conftest.py). `make test` runs them all.
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -m "not slow" -q

check: $(BIN)/.installed
	$(BIN)/workbook check params/*.yaml

# JupyterLab on notebooks/ (workbook/apps/labhooks.py: saves keep the notebooks free of outputs;
# --allow-root only when run as root; no news feed from the web).
lab: $(BIN)/.installed
	$(BIN)/python -m workbook.apps.labhooks notebooks/

# Voila on 127.0.0.1:8866 (workbook serve --ip ADDRESS for a workshop room; a token is then printed).
serve: $(BIN)/.installed
	$(BIN)/workbook serve

bench: $(BIN)/.installed chromium
	$(BIN)/python benchmarks/model_bench.py
	$(BIN)/python benchmarks/batch_bench.py
	$(BIN)/python benchmarks/portfolio_bench.py
	$(BIN)/python benchmarks/dashboard_bench.py
	$(BIN)/python benchmarks/report_bench.py
	$(BIN)/python benchmarks/workshop_bench.py
	$(BIN)/python benchmarks/programme_bench.py

clean:
	find reports -mindepth 1 -not -name README.md -exec rm -rf {} +
