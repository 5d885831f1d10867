# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/safeguard

.PHONY: demo test test-postgres lint install serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/safeguard migrate --noinput
	$(BIN)/safeguard demo
	$(BIN)/safeguard runserver 127.0.0.1:8000

test: $(STAMP)
	SAFEGUARD_FAST_HASHER=1 $(BIN)/pytest

test-postgres: $(STAMP)
	SAFEGUARD_FAST_HASHER=1 DATABASE_URL=$(PG_URL) $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var
