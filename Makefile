# Arrival — the front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export RASA_TELEMETRY_ENABLED := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
# Rasa 3.6 supports Python 3.8-3.10: prefer a 3.10 interpreter (pyenv or PATH), else 3.11.
RASA_PYTHON ?= $(shell for c in $$(pyenv root 2>/dev/null)/versions/3.10*/bin/python3.10 python3.10 python3.11; do \
	"$$c" -c 'import sys; assert sys.version_info[:2] in ((3,10),(3,11))' >/dev/null 2>&1 && { command -v "$$c" || echo "$$c"; } && break; done)
RASA_LOCK = nlu/rasa-py$(shell $(RASA_PYTHON) -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")' 2>/dev/null).lock.txt
BOT_PYTHON ?= $(shell for c in python3.11 python3.12 python3.13 python3; do \
	"$$c" -c 'import sys; assert sys.version_info >= (3,11)' >/dev/null 2>&1 && { command -v "$$c"; break; }; done)
EMULATOR := tests/emulator

.PHONY: help setup system-deps train run console test lint bench clean content-check

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(RASA_VENV)/.installed $(EMULATOR)/node_modules/.installed ## install both environments and the test emulator

system-deps: ## system packages the tests need (PostgreSQL, docker-compose, Node.js)
	@bash scripts/system-deps.sh

$(VENV)/.installed: requirements/bot.lock pyproject.toml
	@test -n "$(BOT_PYTHON)" || { echo "Python >= 3.11 is needed for the bot"; exit 1; }
	$(BOT_PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements/bot.lock
	@touch $@

$(RASA_VENV)/.installed: nlu/rasa-py310.lock.txt nlu/rasa-py311.lock.txt
	@test -n "$(RASA_PYTHON)" || { echo "Python 3.10 (preferred) or 3.11 is needed for Rasa"; exit 1; }
	@echo "Installing Rasa 3.6.21 with $(RASA_PYTHON) from $(RASA_LOCK) (about 2 minutes, 2.7 GB)"
	$(RASA_PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -q --upgrade "pip<25"
	$(RASA_VENV)/bin/pip install -q --no-deps --ignore-requires-python -r $(RASA_LOCK)
	RASA_TELEMETRY_ENABLED=false $(RASA_VENV)/bin/rasa telemetry disable >/dev/null 2>&1 || true
	@touch $@

$(EMULATOR)/node_modules/.installed: $(EMULATOR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the Telegram emulator tests: run make system-deps"; exit 1; }
	cd $(EMULATOR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

train: $(VENV)/.installed $(RASA_VENV)/.installed ## train the NLU model (only when data or config.yml changed)
	$(PY) -m bot train

run: setup train ## start the bot: Telegram with TELEGRAM_BOT_TOKEN, else the console chat
	$(PY) -m bot run

console: setup train ## chat with the bot in this terminal
	$(PY) -m bot console

content-check: $(VENV)/.installed ## check content/ for errors and show translation coverage
	$(PY) -m bot content check

test: system-deps setup train ## run every test (trains the model first if needed)
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(VENV)/.installed ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy bot nlu actions guides storage

bench: setup train ## accuracy, latency and load benchmarks -> bench/results.md
	$(PY) -m bench

clean: ## remove environments, models and local data
	rm -rf $(VENV) $(RASA_VENV) models var $(EMULATOR)/node_modules
