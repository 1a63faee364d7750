# The README's two commands: `make run` (set up and serve the demo) and `make test`
# (set up everything, including test-only system packages, then lint, type-check and test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# uv uses the system interpreter, never a downloaded one, and the project's .venv.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(VENV)
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := web/node_modules/.installed
WEB_STAMP := web/static/dist/.built
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/build.mjs web/package.json
SYSTEM_PACKAGES := chromium redis-server coturn
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=
# One tier of tests/ (unit, api, store, multinode, browser, security, faults, redis_ha);
# empty: all of them. `make test TIER=browser`.
TIER ?=
PYTEST_PATHS := $(if $(TIER),tests/$(TIER),tests)

.PHONY: run test setup setup-test system-deps lint lock-check lock typecheck pytest bench clean openapi

run: setup
	$(BIN)/coview serve

test: setup-test lint typecheck pytest

setup: $(RUN_STAMP) $(WEB_STAMP) demo-media

setup-test: system-deps $(DEV_STAMP) $(WEB_STAMP) demo-media

# uv itself comes from tools.lock (pinned, hash-checked); everything else from uv.lock.
$(UV): tools.lock
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --require-hashes -r tools.lock
	touch $@

# Runtime packages only, exactly as locked (--frozen: the lock is never re-resolved here).
$(RUN_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-progress
	touch $@

# Runtime and dev packages, exactly as locked.
$(DEV_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-progress --extra dev
	touch $@ $(RUN_STAMP)

# Refresh the lock to the newest versions pyproject.toml allows; then run the whole of
# `make test` before committing the new uv.lock.
lock: | $(UV)
	$(UV) lock --upgrade

# The committed API contract (docs/openapi.json), written again after an API change.
openapi: $(DEV_STAMP)
	$(BIN)/coview openapi > docs/openapi.json

# Fails when pyproject.toml and uv.lock disagree (a dependency added to one only).
lock-check: | $(UV)
	$(UV) lock --check

$(NODE_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(WEB_STAMP): $(NODE_STAMP) $(WEB_SOURCES)
	cd web && npm run build
	touch $@

.PHONY: demo-media
demo-media: $(RUN_STAMP)
	@$(BIN)/python -m media.demo_video --if-missing

# Test-only system packages (Debian's chromium, redis-server, coturn), installed when missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v turnserver >/dev/null || missing="$$missing coturn"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

lint: $(DEV_STAMP) lock-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layer contract in pyproject.toml (docs/architecture.md)

typecheck: $(DEV_STAMP) $(NODE_STAMP)
	$(BIN)/mypy
	cd web && npm run --silent typecheck

pytest: setup-test
	@[ -z "$(TIER)" ] || [ -d tests/$(TIER) ] || { echo "no tier tests/$(TIER)"; exit 2; }
	$(BIN)/python -m pytest $(PYTEST_PATHS) $(PYTEST_ARGS)

bench: setup-test
	$(BIN)/python -m bench.escalation

clean:
	rm -rf $(VENV) $(TOOLS) web/node_modules web/static/dist data tests/artifacts
