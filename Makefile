# Wuye — `make run` serves the demo, `make test` runs every check. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
WUYE := $(BIN)/wuye
WUYE_PORT ?= 8000
export WUYE_PORT

.PHONY: run install install-test test lint typecheck check-migrations messages serve demo clean bench bench-tickets bench-campaign

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install it (apt-get install chromium) to run the browser tests" >&2; exit 1; fi; \
	fi

run: install
	$(WUYE) compilemessages --ignore=.venv -v 0 2>/dev/null || true
	$(WUYE) migrate --no-input -v 0
	$(WUYE) demo
	$(WUYE) serve --port $(WUYE_PORT)

lint: install-test
	$(BIN)/ruff check wuye tests benchmarks conftest.py

typecheck: install-test
	$(BIN)/mypy

check-migrations: install-test
	$(BIN)/python manage.py makemigrations --check --dry-run

test: install-test lint check-migrations typecheck
	$(BIN)/pytest -p no:randomly

bench: install
	$(BIN)/python -m benchmarks.run

bench-tickets: install
	$(BIN)/python -m benchmarks.tickets

bench-campaign: install-test
	$(BIN)/python -m benchmarks.campaign

messages: install
	cd wuye && ../$(BIN)/django-admin makemessages -l zh_Hans --ignore=tests --no-obsolete
	$(WUYE) compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
