# The two commands: `make demo` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
# The payment provider's local stand-in (standins/payment_provider), started by `make demo` beside runserver.
PAYMENTS_PORT ?= 8765
PAYMENTS_WEBHOOK_PATH ?= /api/v1/payments/webhook/

.PHONY: demo test e2e bench-smoke venv system-packages lint

$(BIN)/.installed: pyproject.toml
	@bash scripts/system-packages.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

venv: $(BIN)/.installed

system-packages:
	@bash scripts/system-packages.sh

## make demo: install, migrate (SQLite file unless DATABASE_URL is set), load the Korean demo data, serve on PORT.
## load_demo starts the payment stand-in itself while it pledges (when none answers on PAYMENTS_PORT); both it and
## the stand-in started beside runserver keep the stand-in's state in PAYMENTS_STATE, so the demo's billing keys work.
PAYMENTS_STATE ?= var/payment-provider.json
demo: venv system-packages
	$(BIN)/python manage.py migrate --noinput
	PAYMENTS_PROVIDER_URL=http://$(HOST):$(PAYMENTS_PORT) $(BIN)/python manage.py load_demo
	@echo ""
	@echo "  The pages:              http://$(HOST):$(PORT)/   (console /console/, enterprise portal /my/)"
	@echo "  API docs (Swagger UI):  http://$(HOST):$(PORT)/api/docs/"
	@echo "  OpenAPI schema:         http://$(HOST):$(PORT)/api/schema/"
	@echo "  Browsable API:          http://$(HOST):$(PORT)/api/v1/"
	@echo "  Admin:                  http://$(HOST):$(PORT)/admin/"
	@echo "  Health:                 http://$(HOST):$(PORT)/healthz"
	@echo "  Payment provider:       http://$(HOST):$(PAYMENTS_PORT)/   (stand-in; test cards in standins/payment_provider/README.md)"
	@echo ""
	@$(BIN)/python -m standins.payment_provider --host $(HOST) --port $(PAYMENTS_PORT) \
	    --webhook-url http://$(HOST):$(PORT)$(PAYMENTS_WEBHOOK_PATH) --state-file $(PAYMENTS_STATE) \
	    >payment-provider.log 2>&1 & \
	  provider=$$!; trap 'kill $$provider 2>/dev/null' EXIT INT TERM; \
	  PAYMENTS_PROVIDER_URL=http://$(HOST):$(PAYMENTS_PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the whole suite, in PYTEST_WORKERS processes (pytest-xdist; default: one per core). SQLite by default;
## DATABASE_URL=postgres://... runs it on PostgreSQL (each worker has its own test database). The page tests
## (tests/web) drive Debian's headless chromium through chromedriver, installed here when missing.
PYTEST_WORKERS ?= auto
test: venv
	@bash scripts/system-packages.sh --browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

## make e2e: the production processes (gunicorn, a Celery worker and beat, their own Redis, a fresh PostgreSQL
## database through cuttable proxies) driven over HTTP through the whole story, then the faults (deploy/e2e/).
## Needs PostgreSQL on 127.0.0.1:5432 and redis-server on the PATH.
e2e: venv
	@bash scripts/system-packages.sh --e2e
	$(BIN)/python deploy/e2e/run.py

## make bench-smoke: every bench/ script in its smoke mode (--smoke: tiny sizes, a few seconds each, throwaway
## databases, nothing written to bench/results, no target judged, the end-of-run checks still run), so that a
## benchmark breaks the build the day the code it drives moves. Needs PostgreSQL on 127.0.0.1:5432, Redis on
## 127.0.0.1:6379 (bench/contention.py) and redis-server on the PATH (bench/load.py); installs the [bench] extra.
bench-smoke: venv $(BIN)/.bench-installed
	@bash scripts/system-packages.sh --e2e
	$(BIN)/python bench/smoke.py

$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	@touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
