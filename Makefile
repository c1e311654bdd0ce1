# MAX-LOYALTY: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# The Kubernetes version the manifests (deploy/kubernetes) are validated against by `make lint`.
KUBERNETES_VERSION := 1.34.0

.PHONY: run stop-db test lint prod-smoke bench bench-stages install install-dev browser migrate demo messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP) install -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

## make run: virtualenv, dependencies, database (embedded unless DATABASE_URL), migrations, demo data, server on
## :$(PORT) (default 8000) through gunicorn with auto-reload, a Celery worker with beat (maxloyalty/devserver.py)
run: install
	$(BIN)/python -m maxloyalty.devserver

## Stops the embedded PostgreSQL under .data/pg (make run stops it itself when it started it).
stop-db: install
	$(BIN)/python -c "import os; from pathlib import Path; from maxloyalty.embedded_postgres import stop_embedded_server; \
	stop_embedded_server(Path(os.environ.get('EMBEDDED_POSTGRES_DIR', '.data/pg')).resolve())"

migrate: install
	$(BIN)/python manage.py migrate_schemas --noinput

demo: install
	$(BIN)/python manage.py seed_demo

## Browser tests drive Debian's Chromium through Playwright (no browser download is possible here). The same apt step
## brings Debian's prometheus for its promtool, which checks the alert rules (deploy/monitoring) in make lint, and
## nginx-light, the TLS proxy of the production smoke (make prod-smoke; nginx lives in /usr/sbin).
browser:
	@{ command -v chromium && command -v promtool && { command -v nginx || test -x /usr/sbin/nginx; }; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium prometheus nginx-light >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium prometheus nginx-light >/dev/null; fi; }

## make test: everything the tests need, then lint and the whole suite against real PostgreSQL and Redis
test: install-dev browser
	$(MAKE) --no-print-directory lint
	DJANGO_SETTINGS_MODULE=maxloyalty.settings.test $(BIN)/python -m pytest $(PYTEST_ARGS)

## make lint: ruff (lint and format), mypy (strict for every app: pyproject.toml [tool.mypy], its cache in .mypy_cache/,
## gitignored; its Django plugin reads the test settings, given a database address it never connects to so that they
## do not start the embedded PostgreSQL), bandit (its exclusions, each justified: pyproject.toml [tool.bandit]) and
## pip-audit of the pinned requirements with their dependencies, which fails on any known vulnerability. A
## vulnerability without a fixed version would be ignored here, with `--ignore-vuln ID` and a comment saying why;
## none is. Packages the index has no record of are listed as skipped, not failed.
## Then actionlint checks the GitHub Actions workflow, and each Kubernetes overlay, rendered by kubectl's kustomize,
## is validated by kubernetes-validate against the schemas of KUBERNETES_VERSION (strict: unknown fields fail; KEDA's
## ScaledObjects have no schema there: tests/test_kubernetes_manifests.py checks them). Last, promtool checks the
## Prometheus alert rules and runs their unit tests (deploy/monitoring/alerts_test.yml).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL=postgres://mypy@127.0.0.1:1/never_connected $(BIN)/mypy
	$(BIN)/bandit -q -c pyproject.toml -r .
	$(BIN)/pip-audit --progress-spinner off -s pypi -r requirements.txt -r requirements-dev.txt
	$(BIN)/actionlint
	@command -v kubectl >/dev/null 2>&1 || { echo "make lint: kubectl is missing; its kustomize renders deploy/kubernetes (README, Operations)"; exit 1; }
	@for overlay in deploy/kubernetes/overlays/*/; do \
	  echo "kubernetes-validate $$overlay (Kubernetes $(KUBERNETES_VERSION))"; \
	  rendered=$$(kubectl kustomize $$overlay) || exit 1; \
	  printf '%s\n' "$$rendered" | $(BIN)/kubernetes-validate -k $(KUBERNETES_VERSION) --strict --quiet --no-warn - || exit 1; \
	done
	@command -v promtool >/dev/null 2>&1 || { echo "make lint: promtool is missing; make browser installs it (Debian's prometheus)"; exit 1; }
	promtool check rules deploy/monitoring/alerts.yml
	promtool test rules deploy/monitoring/alerts_test.yml

## make prod-smoke: the production processes without containers (tests/prod_smoke.py): gunicorn with the production
## settings behind nginx over TLS (a self-signed certificate), a Celery worker and beat, started by the image's entry
## point against this machine's PostgreSQL and Redis; a sign-in over HTTPS, a signed POS check that becomes points,
## /readyz and the metrics; everything it started is stopped. On a database of its own, created and dropped (its
## migration takes a minute or two); `make test` runs the same test on the suite's database.
prod-smoke: install-dev browser
	DJANGO_SETTINGS_MODULE=maxloyalty.settings.test $(BIN)/python -m tests.prod_smoke

bench: install-dev
	DJANGO_SETTINGS_MODULE=maxloyalty.settings.processes $(BIN)/python -m bench

## make bench-stages: where a webhook check's CPU goes, per process and stage (a diagnostic; no results.json)
bench-stages: install-dev
	DJANGO_SETTINGS_MODULE=maxloyalty.settings.processes $(BIN)/python -m bench.webhook_stages

messages: install-dev
	$(BIN)/python manage.py makemessages -l ru -l en --ignore=.venv --ignore=.data --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
