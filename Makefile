# The two commands of the README: `make demo` and `make test`. Both create what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test lint format bench clean

$(STAMP): setup.cfg pyproject.toml examples/erp-visitor-log/setup.cfg
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" -e examples/erp-visitor-log
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/erp init
	$(BIN)/erp demo
	$(BIN)/erp run --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Re-extract the UI strings (babel.cfg), merge them into the Chinese catalogue and compile it.
# New strings arrive with an empty msgstr: translate them in the .po, then run it again.
CATALOGUE := core/translations
.PHONY: translations
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -o $(CATALOGUE)/messages.pot -w 100 \
		--project erp-realestate --version 0.1.0 .
	$(BIN)/pybabel update -i $(CATALOGUE)/messages.pot -d $(CATALOGUE) -l zh_Hans_CN \
		-w 100 --ignore-obsolete --no-fuzzy-matching --init-missing
	$(BIN)/pybabel compile -d $(CATALOGUE) -l zh_Hans_CN --statistics
