# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/safeguard

.PHONY: demo test test-postgres lint install serve clean conformance

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/safeguard migrate --noinput
	$(BIN)/safeguard generate --size small --seed 1 --skip-existing
	$(BIN)/safeguard demo
	$(BIN)/safeguard runserver 127.0.0.1:8000

test: $(STAMP)
	SAFEGUARD_FAST_HASHER=1 $(BIN)/pytest

test-postgres: $(STAMP)
	SAFEGUARD_FAST_HASHER=1 DATABASE_URL=$(PG_URL) $(BIN)/pytest

VALIDATORS := .venv-validators
$(VALIDATORS)/.installed:
	test -x $(VALIDATORS)/bin/python || $(PYTHON) -m venv $(VALIDATORS)
	$(VALIDATORS)/bin/pip install --quiet --upgrade pip
	$(VALIDATORS)/bin/pip install --quiet csc-validator-be-903==0.1.17 csc-validator-be-cin==0.1.13
	touch $@

# The DfE community validators pin pandas 1.5, so they live in their own environment.
conformance: $(STAMP) $(VALIDATORS)/.installed
	$(BIN)/python safeguard/returns/conformance/conform.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var
