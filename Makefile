# Two commands do all the set-up: `make report` and `make test`.
# Every target bootstraps .venv (and the mkbidx package in it) by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/mkbidx report --period 2024-08 --scope 083 --force

test: $(STAMP)
	$(BIN)/ruff check mkbidx tests
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check mkbidx tests
	$(BIN)/ruff format --check mkbidx tests

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_scoring.py
	$(BIN)/python tests/benchmarks/bench_report.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
