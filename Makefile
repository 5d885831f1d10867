# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/safeguard

.PHONY: demo test test-postgres lint install serve clean conformance frontend bench-web lock

# Dependencies come from lock files with hashes (requirements/*.lock, made by `make lock`): the app's
# own in app.lock (a production install takes only these), the test tools added in test.lock.
$(STAMP): pyproject.toml requirements/test.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Re-make the lock files after changing pyproject.toml's dependencies (needs network to PyPI).
lock:
	test -x var/pip-tools/bin/pip-compile || ($(PYTHON) -m venv var/pip-tools && var/pip-tools/bin/pip install --quiet pip-tools)
	for extra in app test; do \
	  var/pip-tools/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	    --no-emit-find-links $$( [ $$extra = test ] && echo --extra test ) -o requirements/$$extra.lock pyproject.toml; \
	done

install: $(STAMP) frontend

# GOV.UK Frontend from the npm registry into var/ (ignored); WhiteNoise serves it. Without npm the
# pages still work, unstyled.
FRONTEND := var/frontend/node_modules/govuk-frontend/package.json
GOVUK_FRONTEND_VERSION := 6.6.0
$(FRONTEND):
	@mkdir -p var/frontend
	@if command -v npm >/dev/null; then \
	  npm install --silent --no-audit --no-fund --prefix var/frontend govuk-frontend@$(GOVUK_FRONTEND_VERSION); \
	else echo "npm not found: pages will be unstyled (apt-get install npm, then make install)"; fi

frontend: $(FRONTEND)

# axe-core (accessibility checks in the browser journeys) from the npm registry into var/axe.
AXE := var/axe/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.14.1
$(AXE):
	@mkdir -p var/axe
	npm install --silent --no-audit --no-fund --prefix var/axe axe-core@$(AXE_VERSION)

# liiatools 0.2.0's sample returns (MIT), read by safeguard/returns/tests/test_sample_returns.py:
# only its wheel is fetched and unpacked (its dependencies do not build on Python 3.11).
LIIATOOLS_SPEC := var/liiatools/liiatools/spec
$(LIIATOOLS_SPEC):
	@mkdir -p var/liiatools
	$(BIN)/pip download --quiet --no-deps --only-binary=:all: liiatools==0.2.0 -d var/liiatools
	echo "094193496eedc96899c6e7292044b7af170bdd1c96adde69c1d36e36d8b7fa90  var/liiatools/liiatools-0.2.0-py3-none-any.whl" | sha256sum -c --quiet
	$(BIN)/python -m zipfile -e var/liiatools/liiatools-0.2.0-py3-none-any.whl var/liiatools

demo: $(STAMP) $(FRONTEND)
	$(BIN)/safeguard migrate --noinput
	$(BIN)/safeguard generate --size small --seed 1 --skip-existing
	$(BIN)/safeguard demo
	@echo "Sign in at http://127.0.0.1:8000/ with a username and password above."
	SAFEGUARD_INSECURE_COOKIES=1 $(BIN)/safeguard runserver 127.0.0.1:8000

# The suite runs on every core (pytest-xdist: each worker has its own test database).
WORKERS ?= $(shell nproc)

test: $(STAMP) $(FRONTEND) $(AXE) $(LIIATOOLS_SPEC)
	LIIATOOLS_SPEC=$(LIIATOOLS_SPEC) SAFEGUARD_FAST_HASHER=1 $(BIN)/pytest -n $(WORKERS)

test-postgres: $(STAMP) $(FRONTEND) $(AXE) $(LIIATOOLS_SPEC)
	LIIATOOLS_SPEC=$(LIIATOOLS_SPEC) SAFEGUARD_FAST_HASHER=1 DATABASE_URL=$(PG_URL) $(BIN)/pytest -n $(WORKERS) $(PYTEST_ARGS)

VALIDATORS := .venv-validators
$(VALIDATORS)/.installed:
	test -x $(VALIDATORS)/bin/python || $(PYTHON) -m venv $(VALIDATORS)
	$(VALIDATORS)/bin/pip install --quiet --upgrade pip
	$(VALIDATORS)/bin/pip install --quiet csc-validator-be-903==0.1.17 csc-validator-be-cin==0.1.13
	touch $@

# The DfE community validators pin pandas 1.5, so they live in their own environment.
conformance: $(STAMP) $(VALIDATORS)/.installed
	$(BIN)/python safeguard/returns/conformance/conform.py

# The layers of ARCHITECTURE.md that hold: contracts in .importlinter.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var

# Web app under load: locust, headless, loopback, against the database in DATABASE_URL.
bench-web: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/web.py
