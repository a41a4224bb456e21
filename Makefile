# Two commands do all the set-up: `make report` and `make test`.
# Every target bootstraps .venv (and the mkbidx package in it) by itself.
#
#   make test       lint + the whole suite (unit, integration, doctests, notebooks, browser)
#   make test-fast  ruff + the unit tests and doctests, without notebooks, browser and slow tests
#                   (< 60 s: the loop while editing; hypothesis profile "fast", a quarter of the
#                   examples; tests/integration and every example run in make test)
#   make lint       ruff check, ruff format --check, notebooks stripped, no large file
#                   (the checks of .pre-commit-config.yaml, without git hooks)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist: the suite in parallel on every core (2 workers on a 2-core machine).
JOBS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(JOBS) --dist loadfile
FAST := not notebooks and not browser and not slow
MAX_KB := 500
# Files allowed above MAX_KB (also excluded in .pre-commit-config.yaml).
LARGE_OK := data/sample/mkbidx-sample-counts.csv data/sample/dossiers/mkbidx-sample-dossiers.parquet \
	data/units/vn-units.csv

.PHONY: report test test-fast lint bench clean

# The set-up installs with uv (in parallel; about 40 s from nothing where pip takes 70-90 s),
# then compiles the installed packages to bytecode as pip does (compileall on every core: 16 s,
# where uv's --compile-bytecode takes 21 s). pyspark comes only as source: its wheel is built
# without compression (its 400 MB are jars, already compressed), in half the time.
# Where uv cannot be installed or cannot reach an index, pip does the same install. A file that
# does not compile (a package's file for another Python) costs only its own bytecode.
# mkbidx's own modules are compiled too, so that no kernel or test process compiles them
# again when PYTHONDONTWRITEBYTECODE is set.
INSTALL := -e '.[dev,spark]'
UV_INSTALL := $(BIN)/python -m uv pip install --quiet --python $(BIN)/python \
	--config-settings-package 'pyspark:--build-option=--compression=stored'
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	( $(BIN)/python -m pip install --quiet uv 2>/dev/null && $(UV_INSTALL) $(INSTALL) ) \
	|| ( echo "uv unavailable: installing with pip" \
	  && $(BIN)/python -m pip install --quiet --upgrade pip \
	  && $(BIN)/python -m pip install --quiet $(INSTALL) )
	-$(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(BIN)/python -m compileall -q mkbidx tests >/dev/null
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/mkbidx report --period 2024-08 --scope 083 --force

test: lint
	$(PYTEST)

test-fast: $(STAMP)
	$(BIN)/ruff check mkbidx tests
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-fast} $(PYTEST) -m "$(FAST)" mkbidx tests/unit

lint: $(STAMP)
	$(BIN)/ruff check mkbidx tests
	$(BIN)/ruff format --check mkbidx tests
	$(BIN)/nbstripout --keep-id --verify notebooks/*/*.ipynb
	@git ls-files -z 2>/dev/null | xargs -0 -r stat -c '%s %n' | awk -v max=$$(( $(MAX_KB) * 1024 )) \
		-v ok=" $(LARGE_OK) " 'BEGIN { bad = 0 } $$1 > max { name = substr($$0, index($$0, " ") + 1); \
		if (index(ok, " " name " ") == 0) { print "larger than $(MAX_KB) KB: " name; bad = 1 } } \
		END { exit bad }'

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_scoring.py
	$(BIN)/python tests/benchmarks/bench_report.py
	$(BIN)/python tests/benchmarks/bench_dossiers.py
	$(BIN)/python tests/benchmarks/bench_explorer.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
