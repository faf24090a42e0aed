# Two set-up commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := .demo/demo.db

.PHONY: demo test install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

$(DEMO_DB): $(VENV)/.installed $(wildcard sample_data/*)
	mkdir -p .demo
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/orderdesk --db $(DEMO_DB) init --sample

demo: $(DEMO_DB)
	$(BIN)/orderdesk --db $(DEMO_DB)

# -n auto: one pytest worker per core (one process when ORDERDESK_TEST_DATABASE_URL names a shared database)
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto

clean:
	rm -rf $(VENV) .demo
