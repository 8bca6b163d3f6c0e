# gridwatch: set up, run and test from a clean clone.
#
#   make run     the dashboard on http://127.0.0.1:$${PORT:-8501}
#   make serve   the same with $${WORKERS:-cores+1} Streamlit processes behind nginx (sticky) on one PostgreSQL
#   make test    the whole test suite (what CI runs via .ci/run), on $${TEST_WORKERS:-2} pytest-xdist workers
#   make bench   the benchmarks in bench/
#   make screenshots   docs/screenshots/*.png, made again from a fresh demo city (scripts/screenshots.py)
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

PG_HOST := 127.0.0.1
PG_PORT := 5432

.PHONY: help venv system assets db run serve test bench screenshots

help:
	@echo "make run | serve | test | bench | screenshots   (setup: venv system assets db)"

# --- venv: Python packages, reinstalled only when requirements.txt changes ----
# The project itself goes in editable (no deps, no build isolation: setuptools is pinned in requirements.txt), so
# `streamlit run dashboard/server.py` and `python -m loaders …` find dashboard/geodata/loaders without PYTHONPATH.
venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt pyproject.toml
	@if [ ! -x $(PY) ]; then \
	    $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	        || { echo "venv: $(PYTHON) is older than 3.11; run make PYTHON=python3.11 ..." >&2; exit 1; }; \
	    echo "venv: creating $(VENV) with $$($(PYTHON) --version)"; \
	    $(PYTHON) -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# --- system: Debian packages and a running PostgreSQL (never fails) ----------
system:
	@bash scripts/ensure_system.sh

# --- assets: Leaflet and Leaflet.draw are committed under dashboard/static/vendor/ (no npm); this checks ------
assets:
	@bash scripts/vendor_assets.sh

# --- db: a demo district when no database is configured ---------------------
db: venv
	@if [ -z "$${DATABASE_URL:-}" ]; then \
	    $(PY) -m loaders demo --scale district --if-missing; \
	else \
	    echo "db: DATABASE_URL is set; leaving that database alone"; \
	fi

# No PYTHONPATH: `make venv` installed the project into the venv (editable), so the pages find geodata.
run: venv system assets db
	$(VENV)/bin/streamlit run dashboard/server.py --server.address 127.0.0.1 --server.port $${PORT:-8501}

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
	$(PY) -m pytest -q -rs -n $${TEST_WORKERS:-2} --dist loadgroup --durations=15

bench: venv
	$(PY) -m bench

# docs/screenshots/*.png from a fresh demo city (SCREENSHOT_SCALE=city for the large one), in headless Chromium
screenshots: venv system assets
	$(PY) scripts/screenshots.py --scale $${SCREENSHOT_SCALE:-district}
