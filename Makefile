# ssoenv developer tasks. `make help` lists them.
SHELL := bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
# The bash and zsh integration: their shared part and each shell's own (see ssoenv/commands/init.py).
SH_PARTS := shell/common.sh shell/bash.sh shell/zsh.sh
SHELL_SCRIPTS_DIR ?= build/shell

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

test-fast: install ## The edit-test loop: the tests that start no shell or process (< 30 s)
	$(PY) -m pytest -m "not shell and not slow"

test-shells: install ## Only the tests that run real bash, zsh and fish
	$(PY) -m pytest -m shell

test-browser: install ## Only the browser login in a real headless Chromium (part of make test)
	$(PY) -m pytest -m browser

lint: install ## ruff, mypy --strict, the import layers, shellcheck, shfmt, zsh -n, fish_indent, nu-check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/shellcheck --shell=bash $(SH_PARTS) shell/direnv.sh completions/ssoenv.bash tests/demo.sh
	$(VENV)/bin/shellcheck tests/browser/headless_chromium.sh
	$(VENV)/bin/shfmt -d -i 4 tests/browser/headless_chromium.sh
	$(VENV)/bin/shfmt -d -i 4 completions/ssoenv.bash
	$(VENV)/bin/shfmt -d -i 4 -ln bash $(SH_PARTS) shell/direnv.sh
	zsh -n shell/common.sh
	zsh -n shell/zsh.sh
	zsh -n completions/_ssoenv
	fish_indent --check shell/ssoenv.fish completions/ssoenv.fish
	$(VENV)/bin/ssoenv init nu | nu --no-config-file --stdin -c 'nu-check --debug'
	$(PY) -m tests.pwsh  # `ssoenv init pwsh` and completions/ssoenv.ps1, through a PowerShell parser

fmt: install ## Format the Python code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The bench's peers (aws-sso-util) go into the same venv, only when the bench runs:
# `make install`, `make lint` and `make test` (and so CI) never need them.
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) ## Measure the felt latencies against the emulator (see README); ARGS=--quick
	$(PY) bench/bench.py $(ARGS)

build: install ## Build the sdist and wheel into dist/
	$(PY) -m build --no-isolation --outdir dist .

shell-scripts: ## Write build/shell/ssoenv.{bash,zsh,fish,nu,ps1,direnv}: what `ssoenv init` prints, for packagers
	$(PYTHON) -m ssoenv.commands.init $(SHELL_SCRIPTS_DIR)

clean: ## Remove the venv and build leftovers
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache

.PHONY: help install demo test test-fast test-shells test-browser lint fmt bench build shell-scripts clean
