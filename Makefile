# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv with
# the pinned dependencies when it is missing or out of date, then runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench serve package lock clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rollcall needs Python 3.11+ (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rollcall demo

serve: $(STAMP)
	$(BIN)/rollcall serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest --cov --cov-report=term:skip-covered

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench

# Re-lock transitive versions after changing requirements*.txt.
lock:
	rm -rf /tmp/rollcall-lock && $(PYTHON) -m venv /tmp/rollcall-lock
	/tmp/rollcall-lock/bin/pip install --quiet -r requirements-dev.txt
	/tmp/rollcall-lock/bin/pip freeze --exclude-editable | grep -v '^rollcall' > constraints.txt

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .coverage
