# Two entry points for a fresh machine:  make demo  and  make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

$(BIN)/picodec: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(BIN)/picodec

demo: install
	$(BIN)/pip install -q -e ".[demo]"
	$(BIN)/picodec demo

test: install
	$(BIN)/ruff check picodec tests benchmarks training
	$(BIN)/pytest -q

.PHONY: install demo test
