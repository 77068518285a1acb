# ecoplan — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install demo test lint format clean serve

$(STAMP): pyproject.toml constraints.txt hatch_build.py ecoplan/devices/_accel.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/ecoplan demo --home demo-workspace
	ECOPLAN_HOME=$(CURDIR)/demo-workspace $(BIN)/ecoplan serve

test: install
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
