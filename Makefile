PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv installs the environment from uv.lock (every version pinned, with hashes). It is
# bootstrapped at this pinned version with pip into its own small venv in the user's cache
# (kept across clones and `make clean`, so with uv's cache filled `UV_OFFLINE=1 make venv`
# needs no network); a fresh machine still needs only Python 3.11 and make.
UV_VERSION := 0.13.9
UV_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/workbench-uv-$(UV_VERSION)
UV := $(UV_DIR)/bin/uv
# only the interpreter we name (never a downloaded one), and the project's env is $(VENV)
UV_RUN := UV_PYTHON=$(PYTHON) UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV) $(UV)
EXTRAS := --extra dev --extra spark
# every core (pytest-xdist), one test file per worker at a time so module fixtures are built once
PYTEST := $(BIN)/python -m pytest --doctest-modules workbench tests --durations=20 -n auto --maxprocesses 4 --dist loadfile
QUICK := not slow and not browser and not notebook and not spark

.PHONY: venv lock upgrade demo test quick lint lab bench clean

$(UV):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) on PATH"; exit 1; }
	rm -rf $(UV_DIR)
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# exactly what uv.lock says (extras dev and spark), the project itself editable (as
# `pip install -e .`); fails when pyproject.toml's dependencies changed without `make lock`
$(STAMP): pyproject.toml uv.lock | $(UV)
	test -f $(VENV)/pyvenv.cfg || $(PYTHON) -m venv $(VENV)
	$(UV_RUN) sync --locked $(EXTRAS)
	touch $(STAMP)

venv: $(STAMP)

# re-lock after editing the dependencies in pyproject.toml (keeps every other pin)
lock: | $(UV)
	$(UV_RUN) lock

# the weekly path: newest versions pyproject.toml allows, installed, then the whole suite
upgrade: | $(UV)
	$(UV_RUN) lock --upgrade
	$(UV_RUN) sync --locked $(EXTRAS)
	touch $(STAMP)
	$(MAKE) test

demo: $(STAMP)
	$(BIN)/workbench demo --out demo-case

test: $(STAMP)
	$(BIN)/ruff check workbench tests benchmarks
	$(PYTEST)

# the fast tests only: no slow, browser, notebook or Spark ones
quick: $(STAMP)
	$(BIN)/ruff check workbench tests benchmarks
	$(PYTEST) -m "$(QUICK)"

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: $(STAMP)
	$(BIN)/ruff check workbench tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) demo-case .pytest_cache notebooks/_work
