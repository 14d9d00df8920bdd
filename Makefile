# AgentStack — the newcomer's front door: `make run`, `make test`, `make demo`.
#
# Set-up is incremental: each step leaves a stamp and runs again only when its inputs change, so a warm
# `make run` goes straight to the launcher. Each step prints one line with its time; pip/npm/apt output goes
# to $(SETUP_LOG), which a failing step names.
PYTHON    ?= python3
DATA_DIR  := $(or $(AGENTSTACK_DATA_DIR),.agentstack)
SETUP_LOG := $(DATA_DIR)/logs/setup.log
STEP       = $(PYTHON) scripts/setup_progress.py --log $(SETUP_LOG)

VENV      := .venv
PY        := $(VENV)/bin/python
PIP       := $(PY) -m pip --disable-pip-version-check
# stamps: .venv holds the platform + SDK (what `make run` needs); `make test` adds the [test] and [lint] extras.
# The framework integrations' tests get their own venv (SDK + CrewAI/AutoGen/LangChain) so their pins stay out of .venv.
RUN_ENV   := $(VENV)/.platform-installed
TEST_ENV  := $(VENV)/.test-installed
FW_VENV   := .venv-integrations
FW_PY     := $(FW_VENV)/bin/python
FW_ENV    := $(FW_VENV)/.installed
UI_DEPS   := dashboard/node_modules/.installed
UI        := dashboard/dist/index.html
UI_SRC    := $(shell find dashboard/src -type f 2>/dev/null) dashboard/index.html dashboard/vite.config.ts dashboard/tsconfig.json

.PHONY: install install-test run demo bench test test-unit test-integration test-e2e test-cluster test-frameworks browser lint dashboard-kinds clean

install: $(RUN_ENV) $(UI)  ## set-up for `make run`: venv, platform + SDK, built UI

install-test: browser install $(TEST_ENV) $(FW_ENV)  ## set-up for `make test`: Chromium first (fails fast), test packages, integrations env

# --- set-up steps -------------------------------------------------------------------------------------------
define new_venv
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "AgentStack needs Python 3.11+; run make PYTHON=python3.11 ...")'
	@$(STEP) "$(2)" -- sh -c '$(PYTHON) -m venv $(1) && $(1)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip'
endef

$(PY):
	$(call new_venv,$(VENV),virtualenv ($(VENV)))

$(RUN_ENV): $(PY) pyproject.toml sdk/pyproject.toml
	@$(STEP) "platform packages (Ray, Serve, chDB, Valkey, security engine, SDK)" -- $(PIP) install -e ./sdk -e .
	@touch $@

$(TEST_ENV): $(RUN_ENV)
	@$(STEP) "test packages (pytest, Playwright, OpenTelemetry SDK, OpenAI/Anthropic clients, ruff, mypy)" -- $(PIP) install -e ./sdk -e ".[test,lint]"
	@touch $@

$(FW_PY):
	$(call new_venv,$(FW_VENV),virtualenv for the framework integrations ($(FW_VENV)))

$(FW_ENV): $(FW_PY) pyproject.toml sdk/pyproject.toml
	@$(STEP) "framework integration packages (CrewAI, AutoGen, LangChain, LangGraph)" -- $(FW_PY) -m pip install --disable-pip-version-check -e ./sdk --group frameworks
	@touch $@

$(UI_DEPS): dashboard/package.json dashboard/package-lock.json
	@$(STEP) "UI packages (npm ci)" -- sh -c 'cd dashboard && npm ci --no-audit --no-fund'
	@touch $@

$(UI): $(UI_DEPS) $(UI_SRC)
	@$(STEP) "UI build (vite)" -- sh -c 'cd dashboard && npm run build'

browser:  ## find Chromium for the browser tests, or install Debian's when allowed, or say what to run
	@$(PYTHON) -m tests.browser $(SETUP_LOG)

# --- what people run ----------------------------------------------------------------------------------------
run: install  ## start AgentStack locally (Ctrl-C stops it; data stays in .agentstack/)
	@$(PY) -m cluster.launcher

demo: $(RUN_ENV)  ## send a few realistic agent traces to the running system
	@$(PY) sdk/examples/demo.py

bench: install $(TEST_ENV)  ## end-to-end benchmark: the real stack under OTLP load (≈ 4 min; see README, Benchmarks)
	@$(PY) bench/e2e.py

test: install-test $(UI_DEPS)  ## everything CI checks: platform tests, framework integration tests, lint
	@failed=""; \
	echo "▸ platform tests (unit, integration, e2e)"; $(PY) -m pytest || failed="$$failed platform-tests"; \
	echo "▸ framework integration tests ($(FW_VENV))"; $(FW_PY) -m pytest tests/frameworks || failed="$$failed framework-tests"; \
	$(MAKE) --no-print-directory test-cluster || failed="$$failed cluster-tests"; \
	$(MAKE) --no-print-directory lint || failed="$$failed lint"; \
	if [ -n "$$failed" ]; then echo "✗ make test failed:$$failed"; exit 1; fi; \
	echo "✓ make test passed"

test-unit: $(TEST_ENV)
	$(PY) -m pytest tests/unit

test-integration: $(TEST_ENV)
	$(PY) -m pytest tests/integration

test-e2e: install $(TEST_ENV) browser
	$(PY) -m pytest tests/e2e

# Three Ray nodes as network namespaces (needs root and iproute2), under the machine's Ray lock; ~5 minutes.
RAY_LOCK ?= /tmp/agentstack-ray.lock
test-cluster: $(TEST_ENV)  ## multi-node test: AgentStack on 3 Ray nodes, one lost mid-load and back
	@echo "▸ multi-node cluster test (tests/cluster)"
	@[ "$$(id -u)" = 0 ] || { echo "  ✗ tests/cluster creates network namespaces: run it as root (CI does)"; exit 1; }
	flock $(RAY_LOCK) $(PY) -m pytest tests/cluster

test-frameworks: $(FW_ENV)
	$(FW_PY) -m pytest tests/frameworks

# mypy checks the SDK against .venv-integrations, where every library its integrations import is installed
# (in .venv they are missing and would type as Any), and actors/ against the platform's .venv.
lint: $(TEST_ENV) $(FW_ENV) $(UI_DEPS)  ## ruff, mypy --strict (sdk/agentstack, actors/), tsc and ESLint on the dashboard
	@echo "▸ lint"; failed=""; \
	$(VENV)/bin/ruff check cluster actors serve_apps sdk tests bench scripts || failed="$$failed ruff"; \
	$(VENV)/bin/mypy --strict --python-executable $(FW_PY) sdk/agentstack || failed="$$failed mypy-sdk"; \
	$(VENV)/bin/mypy --strict --ignore-missing-imports actors || failed="$$failed mypy-actors"; \
	(cd dashboard && npx --no-install tsc --noEmit) || failed="$$failed tsc"; \
	(cd dashboard && npx --no-install eslint --max-warnings=0 .) || failed="$$failed eslint"; \
	if [ -n "$$failed" ]; then echo "  ✗ lint failed:$$failed"; exit 1; fi; echo "  ✓ lint clean"

dashboard-kinds:  ## regenerate the UI's span kinds and colours from agentstack.schema.SpanKind
	$(PYTHON) dashboard/scripts/span_kinds.py

clean:  ## remove the venvs and build output (keeps your data in .agentstack/)
	rm -rf $(VENV) $(FW_VENV) dashboard/node_modules dashboard/dist
