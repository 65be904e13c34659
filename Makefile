# pmkit — the two commands of the README's quick start are `make serve` and `make test`.
# Everything else here is what they build on. Needs only Python 3.11+ and git (and make).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
PORT   ?= 8866
# Exact versions `make test` passed with, used as pip *constraints* (-c): a package missing from
# the lock (a dependency added on another branch) still installs, unpinned. Refresh after a
# merge that changes dependencies: `make lock`. If the lock conflicts with pyproject.toml, setup
# says so and installs without it.
LOCK   := requirements/lock.txt
EXTRAS := test,docs,pdf

.PHONY: hub setup setup-test serve test lint typecheck unit notebooks browser bench browser-deps clean lock docs

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pmkit needs Python 3.11+, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# pip install with the lock as constraints, or without it (and a warning) when they conflict
PIN = sh -c '$(PIP) install -c $(LOCK) "$$@" || { echo "WARNING: $(LOCK) conflicts with pyproject.toml; installing unpinned (run make lock)" >&2; $(PIP) install "$$@"; }' pin

$(VENV)/.setup: pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(PIN) -e .
	@touch $@

# the team deployment (PostgreSQL store, JupyterHub): docs/DEPLOY.md; tested by `make test`
$(VENV)/.setup-team: pyproject.toml $(LOCK) $(VENV)/.setup
	$(PIN) -e '.[team]'
	@touch $@

$(VENV)/.setup-test: pyproject.toml $(LOCK) $(VENV)/.setup $(VENV)/.setup-team
	$(PIN) -e '.[$(EXTRAS)]'
	@# MPXJ (MPP/XER/P6 files) is optional: it needs Java, so install it only where Java is.
	@# Root (CI) installs Debian's headless Java first, so the MPXJ tests never skip there.
	@if ! command -v java >/dev/null 2>&1 && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; fi
	@if command -v java >/dev/null 2>&1; then $(PIN) -e '.[mpxj]' || echo "mpxj not installed (optional)"; fi
	@touch $@

## lock: re-resolve requirements/lock.txt (exact versions of every dependency and extra)
lock: | $(VENV)/bin/python
	$(PIP) install 'pip-tools>=7.4'
	mkdir -p $(dir $(LOCK))
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-trusted-host --no-emit-find-links \
		--extra test --extra docs --extra pdf --extra team --extra mpxj --output-file $(LOCK) pyproject.toml
	@echo "$(LOCK) refreshed: commit it, then make setup-test"

## docs: the API reference (site/) from the docstrings, offline
docs: $(VENV)/.setup-test
	$(VENV)/bin/mkdocs build --strict --site-dir site

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
	$(VENV)/bin/lint-imports --no-cache  # the layers of docs/ARCHITECTURE.md (pyproject.toml)

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
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .mypy_cache build dist site
