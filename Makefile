# Two commands matter: `make demo` (serve the API with demo data) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup system-deps demo test lint bench clean

setup: $(VENV)/.installed

system-deps:
	./scripts/install-system-deps.sh

$(VENV)/.installed: pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,video]'
	touch $@

demo: setup
	$(BIN)/bastion demo --port 8000

test: setup
	$(BIN)/python -m pytest -n 2 -q

lint: setup
	$(BIN)/ruff check bastion tests bench
	$(BIN)/mypy bastion

clean:
	rm -rf $(VENV) bastion-data .pytest_cache
