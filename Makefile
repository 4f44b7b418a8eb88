# Rectify — two commands: `make run` sets up and serves the demo; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ADDR   ?= 127.0.0.1:8000

.PHONY: run install test test-postgres lint bench load clean

$(BIN)/rectify: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(BIN)/rectify

run: install
	$(BIN)/rectify manage migrate --no-input -v 0
	$(BIN)/rectify demo
	@echo "打开 http://$(ADDR)/ 登录（账号见上）"
	$(BIN)/rectify serve $(ADDR)

test: install
	$(BIN)/pytest

# The same suite on the local PostgreSQL (pytest-django creates and drops test_<name>).
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(BIN)/pytest

# The gates (.ci/run runs this first): ruff with its security (S) and complexity (C901, McCabe ≤ 12)
# rules, each exception commented where it stands; mypy with strict = true (pyproject lists what is not yet).
lint: install
	$(BIN)/ruff check rectify ingest conftest.py benchmarks
	$(BIN)/mypy

# Page timings per role on SQLite and, with DATABASE_URL or BENCH_PG_URL, PostgreSQL (docs/operations.md).
# Scale with BENCH_TASKS (default 3000), e.g. BENCH_TASKS=30000 BENCH_PG_URL=postgres://…/empty_db make bench
bench: install
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_pages.py
	$(BIN)/python benchmarks/bench_export.py
	$(BIN)/python benchmarks/bench_import.py

# Load test, not in CI (docs/operations.md): 100 users for 5 minutes against rectify serve on PostgreSQL,
# then a check of every write against the history chain. LOAD_DB=postgres://…/db (filled by rectify generate),
# LOAD_TIME=2m for a shorter run.
load: install
	BIN=$(BIN) sh benchmarks/load.sh

clean:
	rm -rf $(VENV) data *.egg-info
