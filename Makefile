# ecoplan — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
PORT ?= 8000
# Debian packages: scripts/system-deps.sh lists each with its reason and installs only what is
# missing (as root; otherwise it prints the sudo line). When nothing is missing apt is not called.
SYSTEM_DEPS := PYTHON=$(PYTHON) bash scripts/system-deps.sh

.PHONY: install demo test lint format clean serve system-deps system-deps-build system-deps-demo

system-deps:
	@$(SYSTEM_DEPS) test

system-deps-build:
	@$(SYSTEM_DEPS) build

system-deps-demo:
	@$(SYSTEM_DEPS) demo

$(STAMP): pyproject.toml constraints.txt hatch_build.py ecoplan/devices/_accel.c ecoplan/standards/_air_daily_kernel.c | system-deps-build
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: system-deps-demo install
	$(BIN)/ecoplan demo --home demo-workspace
	ECOPLAN_HOME=$(CURDIR)/demo-workspace $(BIN)/ecoplan serve --port $(PORT)

test: system-deps install
	$(BIN)/ruff check ecoplan tests
	$(BIN)/lint-imports  # layer contracts in .importlinter (docs/architecture.md)
	$(BIN)/python -m pytest -n 2 --timeout=900 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check ecoplan tests
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format ecoplan tests

clean:
	rm -rf $(VENV) demo-workspace test-artifacts .pytest_cache
