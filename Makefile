# gridwatch: set up, run and test from a clean clone.
#
#   make run     the dashboard on http://127.0.0.1:$${PORT:-8501}
#   make serve   the same with $${WORKERS:-2} Streamlit processes behind nginx (sticky) on one PostgreSQL
#   make test    the whole test suite (what CI runs via .ci/run)
#   make bench   the benchmarks in bench/
#
# Every setup step is stamped or checks before it acts, so a second `make test`
# goes straight to pytest.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed

LEAFLET_DIR := dashboard/static/vendor/leaflet
ASSETS_STAMP := $(LEAFLET_DIR)/.installed

PG_HOST := 127.0.0.1
PG_PORT := 5432

.PHONY: help venv system assets db run serve test bench

help:
	@echo "make run | serve | test | bench   (setup: venv system assets db)"

# --- venv: Python packages, reinstalled only when requirements.txt changes ----
venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt
	@if [ ! -x $(PY) ]; then \
	    $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	        || { echo "venv: $(PYTHON) is older than 3.11; run make PYTHON=python3.11 ..." >&2; exit 1; }; \
	    echo "venv: creating $(VENV) with $$($(PYTHON) --version)"; \
	    $(PYTHON) -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# --- system: Debian packages and a running PostgreSQL (never fails) ----------
system:
	@bash scripts/ensure_system.sh

# --- assets: Leaflet served locally, from the committed package-lock.json ----
assets: $(ASSETS_STAMP)

$(ASSETS_STAMP): package.json package-lock.json scripts/vendor_assets.sh
	@bash scripts/vendor_assets.sh $@

# --- db: a demo district when no database is configured ---------------------
db: venv
	@if [ -z "$${DATABASE_URL:-}" ]; then \
	    $(PY) -m loaders demo --scale district --if-missing; \
	else \
	    echo "db: DATABASE_URL is set; leaving that database alone"; \
	fi

# PYTHONPATH: Streamlit puts only dashboard/ on sys.path; pages import geodata.
run: venv system assets db
	PYTHONPATH=$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH} $(VENV)/bin/streamlit run dashboard/server.py --server.address 127.0.0.1 --server.port $${PORT:-8501}

# Several processes need one PostgreSQL: DATABASE_URL, else a local database `gridwatch`, created and loaded
# with the demo ($${SERVE_SCALE:-district}) when missing. nginx listens on $${PORT:-8501}, the workers on
# $${WORKER_PORT:-8601}.. (scripts/serve_multi.sh, scripts/nginx.conf.template).
SERVE_DB := postgresql+psycopg://postgres@$(PG_HOST):$(PG_PORT)/gridwatch

serve: venv system assets
	@DATABASE_URL="$${DATABASE_URL:-$(SERVE_DB)}" PYTHON=$(CURDIR)/$(PY) bash scripts/serve_multi.sh

test: venv system assets
	@check="exec 3<>/dev/tcp/$(PG_HOST)/$(PG_PORT)"; \
	if command -v pg_isready >/dev/null 2>&1; then check="pg_isready -q -h $(PG_HOST) -p $(PG_PORT)"; fi; \
	if (eval "$$check") 2>/dev/null; then \
	    echo "test: PostgreSQL answers on $(PG_HOST):$(PG_PORT): PostgreSQL tests will run"; \
	else \
	    echo "test: PostgreSQL does NOT answer on $(PG_HOST):$(PG_PORT): PostgreSQL tests will be skipped"; \
	fi
	$(PY) -m pytest -q -rs

bench: venv
	$(PY) -m bench
