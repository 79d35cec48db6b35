# chainwatch — everything a fresh machine needs, with only Python 3.11, git and make.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck check bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@test -f /usr/share/ieee-data/oui.csv || { command -v apt-get >/dev/null 2>&1 && apt-get update -qq && apt-get install -y -qq ieee-data; } || echo "ieee-data not installed: MAC-prefix checks against the full registry are skipped"
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null 2>&1 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || echo "chromium not installed: browser tests will be skipped"
	touch $(STAMP)

install: $(STAMP)

# The main job: load the bundled public-domain list snapshot into the default SQLite store
# and screen the example counterparties against it.
demo: install
	$(BIN)/chainwatch lists load --bundled
	$(BIN)/chainwatch lists status
	$(BIN)/chainwatch screen "Hangzhou Hikvision Digital Tech. Limited" --country CN
	$(BIN)/chainwatch screen --file examples/counterparties.csv --out hits.csv
	@echo "hits written to hits.csv"

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy src

check: lint typecheck
	$(BIN)/lint-imports

test: check
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
