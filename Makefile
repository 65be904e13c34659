# pmkit — the two commands of the README's quick start are `make serve` and `make test`.
# Everything else here is what they build on. Needs only Python 3.11+ and git (and make).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
PORT   ?= 8866

.PHONY: hub setup setup-test serve test lint typecheck unit notebooks browser bench browser-deps clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pmkit needs Python 3.11+, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.setup: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	@touch $@

# the team deployment (PostgreSQL store, JupyterHub): docs/DEPLOY.md; tested by `make test`
$(VENV)/.setup-team: pyproject.toml $(VENV)/.setup
	$(PIP) install -e '.[team]'
	@touch $@

$(VENV)/.setup-test: pyproject.toml $(VENV)/.setup $(VENV)/.setup-team
	$(PIP) install -e '.[test]'
	@# MPXJ (MPP/XER/P6 files) is optional: it needs Java, so install it only where Java is.
	@# Root (CI) installs Debian's headless Java first, so the MPXJ tests never skip there.
	@if ! command -v java >/dev/null 2>&1 && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; fi
	@if command -v java >/dev/null 2>&1; then $(PIP) install -e '.[mpxj]' || echo "mpxj not installed (optional)"; fi
	@touch $@

## setup: create .venv and install pmkit (idempotent)
setup: $(VENV)/.setup

setup-test: $(VENV)/.setup-test browser-deps

## serve: every dashboard with Voila on the sample portfolio at http://127.0.0.1:8866
serve: setup
	$(VENV)/bin/pmkit serve --port $(PORT)

## hub: a trial JupyterHub on http://127.0.0.1:8000 (sign up, then approve users as an admin;
## HUB_ADMIN names the admin account). Production: docs/DEPLOY.md
HUB_ADMIN ?= admin
hub: $(VENV)/.setup-team
	PMKIT_HUB_ADMINS=$(HUB_ADMIN) $(VENV)/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

## browser-deps: Debian's Chromium for the browser tests (root installs it; others are told how)
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; \
	else echo "NOTE: /usr/bin/chromium is missing; browser tests will be skipped (sudo apt-get install chromium)"; fi

lint: $(VENV)/.setup-test
	$(VENV)/bin/ruff check pmkit tests bench
	$(VENV)/bin/ruff format --check pmkit tests bench

typecheck: $(VENV)/.setup-test
	$(VENV)/bin/mypy

## test: lint, type check, then every test (unit, notebooks, browser), ending with pytest's summary
test: setup-test lint typecheck
	$(VENV)/bin/pytest -p no:cacheprovider tests

unit: $(VENV)/.setup-test
	$(VENV)/bin/pytest tests/unit

notebooks: $(VENV)/.setup-test
	$(VENV)/bin/pytest tests/notebooks

browser: setup-test
	$(VENV)/bin/pytest tests/browser

## bench: the benchmarks (print numbers and ratios; not tests)
bench: $(VENV)/.setup-test
	for b in bench/bench_*.py bench/conformance.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .mypy_cache
