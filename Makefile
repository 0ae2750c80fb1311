# Two commands matter: `make demo` (serve the API with demo data) and `make test`.
# The demo installs only what the product needs at run time; the tests add Chromium, the test tools
# and Meta's vpdq (without vpdq, video is hashed by sampling a frame a second with ffmpeg).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup setup-test system-deps system-deps-test demo test lint fuzz bench clean

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

system-deps:
	./scripts/install-system-deps.sh runtime

system-deps-test:
	./scripts/install-system-deps.sh test

$(VENV)/.installed: pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed | system-deps-test
	$(BIN)/python -m pip install -q -e '.[test,video]'
	touch $@

demo: setup
	$(BIN)/bastion demo --port 8000

test: setup-test
	$(BIN)/python -m pytest -n 2 -q

lint: setup-test
	$(BIN)/ruff check bastion tests bench
	$(BIN)/mypy bastion

# Schemathesis for five minutes, every check, against `bastion serve` (the suite runs a short version in process).
fuzz: setup-test
	nice -n 10 $(BIN)/python bench/fuzz.py --minutes 5

clean:
	rm -rf $(VENV) bastion-data .pytest_cache
