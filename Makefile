# DiODo: `make run` starts everything, `make test` runs every test. `make help` lists all.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
BOT_VENV := .venv-bot
APP_PY   := $(VENV)/bin/python
BOT_PY   := $(BOT_VENV)/bin/python
DIODO    := $(VENV)/bin/diodo
PIP_FLAGS := --disable-pip-version-check --no-input -q
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: help run test install train knowledge lint typecheck validate bot-test nlu-report clean lock browser axe

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: install ## Install what is missing, train if the data changed, start everything on :8000
	@# Training (TensorFlow) and embedding the articles (one e5 thread) share two cores well.
	$(MAKE) --no-print-directory -j2 train knowledge
	$(DIODO) run

test: ## Install what is missing and run every test (lint, types and data checks included)
	@# Each part starts as soon as what it needs is there (tools/run-tests.sh).
	PYTEST_ARGS="$(PYTEST_ARGS)" tools/run-tests.sh

install: $(VENV)/.installed $(BOT_VENV)/.installed ## Create both Python environments from the lock files

$(VENV)/.installed: requirements/app.lock pyproject.toml
	@py=$$(tools/find-python.sh 3.11+) && echo "App environment: $$py" && \
	  { [ -x $(APP_PY) ] || $$py -m venv $(VENV); }
	$(APP_PY) -m pip install $(PIP_FLAGS) -r requirements/app.lock
	$(APP_PY) -m pip install $(PIP_FLAGS) --no-deps --no-build-isolation -e .
	@touch $@

$(BOT_VENV)/.installed: requirements/bot.lock requirements/bot-test.lock
	@py=$$(tools/find-python.sh 3.10) && echo "Rasa environment: $$py" && \
	  { [ -x $(BOT_PY) ] || $$py -m venv $(BOT_VENV); }
	$(BOT_PY) -m pip install $(PIP_FLAGS) -r requirements/bot.lock -r requirements/bot-test.lock
	@touch $@

train: install ## Train the Rasa model if config, domain or data changed
	$(DIODO) train

knowledge: $(VENV)/.installed ## Check the articles and pre-build the search index (cached in var/cache)
	$(DIODO) knowledge warm

browser: ## Make sure Debian's Chromium is there for the browser tests
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Installing Chromium for the browser tests (apt-get) ..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' (or set CHROMIUM=/path)." >&2; exit 1; fi; \
	fi

# axe-core for the accessibility browser tests: the version and its sha512 are pinned in
# tools/axe/package-lock.json, which `npm ci` checks; installed under var/ (not committed).
AXE_JS := var/axe/node_modules/axe-core/axe.min.js

axe: $(AXE_JS) ## Fetch axe-core (pinned, integrity-checked) for the accessibility tests

$(AXE_JS): tools/axe/package.json tools/axe/package-lock.json
	@if ! command -v npm >/dev/null; then \
	  echo "Installing npm for the accessibility tests (apt-get) ..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else echo "npm is missing: run 'sudo apt-get install npm'." >&2; exit 1; fi; \
	fi
	rm -rf var/axe && mkdir -p var/axe
	cp tools/axe/package.json tools/axe/package-lock.json var/axe/
	cd var/axe && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

lint: $(VENV)/.installed ## Ruff and the layer contracts
	$(VENV)/bin/ruff check helpdesk knowledge actions botserver tests bench
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.installed ## mypy (strict) on helpdesk and knowledge
	$(VENV)/bin/mypy

validate: install ## rasa data validate
	$(BOT_VENV)/bin/rasa data validate --config config.yml --domain bot/domain --data bot/data --fail-on-warnings

bot-test: train ## Rasa's own NLU and story tests on held-out data (fails below weighted F1 0.85)
	@rm -rf var/rasa-results
	$(BOT_VENV)/bin/rasa test nlu --nlu tests/bot/test_nlu.yml --model models/diodo.tar.gz --domain bot/domain --out var/rasa-results --no-plot
	$(BOT_PY) tools/check_nlu_report.py var/rasa-results/intent_report.json 0.85
	$(BOT_VENV)/bin/rasa test core --stories tests/bot/test_stories.yml --model models/diodo.tar.gz --out var/rasa-results --fail-on-prediction-errors --no-plot

nlu-report: train ## Rasa NLU cross-validation and confusion matrix into docs/nlu-report.md (about 10 min)
	@rm -rf var/nlu-cv var/nlu-heldout
	$(BOT_VENV)/bin/rasa test nlu --nlu bot/data/nlu --config config.yml --cross-validation --folds 5 --out var/nlu-cv --no-plot
	$(BOT_VENV)/bin/rasa test nlu --nlu tests/bot/test_nlu.yml --model models/diodo.tar.gz --domain bot/domain --out var/nlu-heldout --no-plot
	$(BOT_PY) tools/nlu_report.py var/nlu-cv var/nlu-heldout docs/nlu-report.md 5

lock: ## Re-resolve and re-pin both environments (review the diff!)
	$(APP_PY) -m pip freeze --all --exclude-editable | grep -v "^pip==" > requirements/app.lock
	( echo "# Locked runtime for the Rasa side (.venv-bot, Python 3.10). Regenerate: make lock"; \
	  $(BOT_PY) -m pip freeze ) > requirements/bot.lock

clean: ## Remove environments, the model and local data (var/)
	rm -rf $(VENV) $(BOT_VENV) models var .pytest_cache
