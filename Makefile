# ssoenv developer tasks. `make help` lists them.
SHELL := bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv with ssoenv (editable) and the dev tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install ## Log in, use and log out end to end against the local Identity Center emulator
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash tests/demo.sh

test: install ## Run the whole test suite (real bash, zsh, fish; emulator on loopback)
	$(PY) -m pytest

lint: install ## ruff, mypy --strict, shellcheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/shellcheck --shell=bash shell/ssoenv.bash completions/ssoenv.bash tests/demo.sh

fmt: install ## Format the Python code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install ## Measure the felt latencies against the emulator (see README)
	$(PY) bench/bench.py

build: install ## Build the sdist and wheel into dist/
	$(PY) -m build --no-isolation --outdir dist .

clean: ## Remove the venv and build leftovers
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis

.PHONY: help install demo test lint fmt bench build clean
