# kim-intake: `make run` starts the stack, `make test` runs every test.
# Two virtualenvs: .venv-rasa (Rasa 3.6 on Python 3.10) and .venv (everything else).

SHELL := /bin/bash
PYTHON ?= python3
# Rasa 3.6 needs Python 3.10: the newest 3.10 of pyenv, else a python3.10 on PATH.
PY310 ?= $(shell v=$$(pyenv versions --bare 2>/dev/null | grep '^3\.10' | tail -1); \
	if [ -n "$$v" ]; then PYENV_VERSION=$$v pyenv which python; else command -v python3.10; fi)

APP := .venv/.installed
RASA := .venv-rasa/.installed
RESPONSES := bot/domain/responses.yml
MODEL := models/kim-intake.tar.gz
# The Telegram Bot API emulator (npm telegram-test-api) the gateway's tests talk to.
EMULATOR := tests/telegram_emulator/node_modules/.installed
# axe-core (npm), which the browser tests run in the web chat for WCAG 2.1 A/AA rules.
AXE := tests/browser/node_modules/.installed
# Debian's Chromium for the browser tests (Playwright drives it; no browser is downloaded).
CHROMIUM := /usr/bin/chromium
# The intent model also reads the word lists (nlu_components/vocabulary_featurizer.py).
BOT_DATA := config.yml $(wildcard bot/domain/*.yml bot/rules/*.yml bot/stories/*.yml nlu/*.yml) $(RESPONSES) \
	$(wildcard nlu_components/*.py data/vocabulary/*.yml data/vocabulary/languages/*.yml data/vocabulary/cues/*.yml)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: run test build model check clean bench-nlu bench-telegram bench changes evaluate

run: $(APP) $(MODEL)
	.venv/bin/intake db upgrade
	.venv/bin/intake stack

test: $(APP) $(RASA) $(MODEL) $(EMULATOR) $(AXE) $(CHROMIUM)
	.venv/bin/pytest -q

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Chromium is needed at $@ for the browser tests"; exit 1; }
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -q
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -q chromium

$(EMULATOR): tests/telegram_emulator/package.json tests/telegram_emulator/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for the Telegram tests"; exit 1; }
	cd tests/telegram_emulator && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(APP): pyproject.toml
	$(PYTHON) -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -e '.[test]'
	touch $@

$(RASA): requirements/rasa.txt
	@test -n "$(PY310)" || { echo "Python 3.10 is needed for Rasa 3.6 (pyenv install 3.10)"; exit 1; }
	$(PY310) -m venv .venv-rasa
	.venv-rasa/bin/pip install -q --upgrade pip 'setuptools<70' wheel
	.venv-rasa/bin/pip install -q -r requirements/rasa.txt
	touch $@

build: $(RESPONSES)

$(RESPONSES): $(APP) $(wildcard locales/*.yml) bot/buttons.yml data/screening/institutions.yml
	.venv/bin/intake check
	.venv/bin/intake build

model: $(MODEL)

# Retrained only when the model is missing or older than its data. The model it replaces is
# kept in models/previous/ first (the running Rasa server may still use it; `intake model
# restore` goes back to it). Rasa's data validation (about 30 s of the 3-minute budget) is
# left to `make check`, which runs it before a model is made, and to `make test`. Make decides
# when to retrain, so `--force`: bot/rasa_train.py keeps no cache of Rasa's to compare with.
$(MODEL): $(RASA) $(BOT_DATA)
	mkdir -p models
	.venv/bin/intake model keep
	.venv-rasa/bin/python -m bot.rasa_train train --force --skip-validation --domain bot/domain --data nlu bot/rules bot/stories \
		--config config.yml --out models --fixed-model-name kim-intake
	.venv/bin/intake changes --save

# What changed in the training data and the rules since the last model.
changes: $(APP)
	.venv/bin/intake changes

# Intent figures per language on held-out examples, as an HTML report (var/evaluation/).
# Faster: make evaluate ARGS="--languages de,en".
evaluate: $(APP) $(RASA)
	.venv/bin/intake evaluate $(ARGS)

check: $(APP) $(RASA) $(RESPONSES)
	.venv/bin/intake check
	.venv-rasa/bin/rasa data validate --domain bot/domain --data nlu bot/rules bot/stories \
		--config config.yml

# NLU figures on a split of the data, next to Rasa's stock pipeline (not a test).
bench-nlu: $(APP) $(RASA) $(RESPONSES)
	.venv/bin/pip install -q -e '.[bench]'
	.venv/bin/python bench/nlu.py

# Round-trip latency of the Telegram gateway through the emulator, next to REST (not a test).
bench-telegram: $(APP) $(RASA) $(MODEL) $(EMULATOR)
	.venv/bin/python bench/telegram_latency.py

# Load on the production configuration (2 Rasa servers, PostgreSQL, Redis) next to stock Rasa,
# results in bench/results/load.json (not a test). Smoke run: make bench ARGS=--quick
bench: $(APP) $(RASA) $(MODEL)
	.venv/bin/pip install -q -e '.[bench]'
	.venv/bin/python bench/load.py $(ARGS)

clean:
	rm -rf models var .pytest_cache
