# imgworker: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install test-deps lint typecheck bench clean

$(BIN)/imgworker: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/imgworker

## run: install into .venv and run the example Asset Compute request (renditions land in out/)
run: install
	$(BIN)/imgworker run examples/request.json

## test-deps: install what the tests need besides Python packages (Debian redis + chromium, npm azurite)
test-deps:
	bash scripts/install-test-deps.sh

## test: install everything, then run the whole suite (tests start their own servers on 127.0.0.1)
test: install test-deps
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy

bench: install test-deps
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) out .imgworker node_modules
