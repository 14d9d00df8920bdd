# AgentStack — the newcomer's front door: `make run`, `make test`, `make demo`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
UI_SRC := $(shell find dashboard/src -type f 2>/dev/null) dashboard/index.html dashboard/package.json dashboard/package-lock.json dashboard/vite.config.ts

.PHONY: install run demo test test-unit test-integration test-e2e lint dashboard-kinds clean

install: $(STAMP) dashboard/dist/index.html  ## set-up shared by run and test: venv, platform + SDK, built UI

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "AgentStack needs Python 3.11+; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml sdk/pyproject.toml
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ./sdk -e ".[test]"
	@touch $@

dashboard/dist/index.html: $(UI_SRC)
	cd dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run build

run: install  ## start AgentStack locally (Ctrl-C stops it; data stays in .agentstack/)
	$(PY) -m cluster.launcher

demo: $(STAMP)  ## send a few realistic agent traces to the running system
	$(PY) sdk/examples/demo.py

test: install  ## the whole suite: unit, integration (real Valkey/Redis + chDB), e2e (Ray + Serve + browser)
	$(PY) -m pytest

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

test-integration: $(STAMP)
	$(PY) -m pytest tests/integration

test-e2e: install
	$(PY) -m pytest tests/e2e

lint: $(STAMP)  ## ruff + mypy (sdk/ and actors/ are kept mypy-clean)
	$(PIP) install --quiet ruff mypy
	$(VENV)/bin/ruff check --select E,F,W --ignore E501,E402 cluster actors serve_apps sdk tests
	$(VENV)/bin/mypy --ignore-missing-imports actors sdk/agentstack

dashboard-kinds:  ## regenerate the UI's span kinds and colours from agentstack.schema.SpanKind
	$(PYTHON) dashboard/scripts/span_kinds.py

clean:  ## remove the venv and build output (keeps your data in .agentstack/)
	rm -rf $(VENV) dashboard/node_modules dashboard/dist
