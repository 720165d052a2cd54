# The two commands: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test install install-dev lint typecheck pytest serve messages clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || (echo "Python 3.11+ is required" >&2; exit 1)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

## make demo: install, migrate, load the fictional demo, print the logins, serve on 127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/intermediary demo --host 127.0.0.1 --port 8000

## make test: install dev tools, then ruff, ruff format --check, mypy --strict, the pytest suite
test: $(DEV_STAMP) lint typecheck pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy src tests

pytest: $(DEV_STAMP)
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; fi; \
	exit $$rc

serve: $(STAMP)
	$(BIN)/intermediary serve

## make messages: refresh and compile the translations (needs GNU gettext)
messages: $(DEV_STAMP)
	cd src/intermediary && ../../$(BIN)/django-admin makemessages -l ar -l he --settings=intermediary.settings
	cd src/intermediary && ../../$(BIN)/django-admin compilemessages --settings=intermediary.settings

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
