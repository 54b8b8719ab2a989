# Two commands do all set-up on a fresh machine:
#   make run    serve the whole pipeline on 127.0.0.1:8000 (embedded AWS, builtin helpdesk)
#   make test   lint, type-check and run every test (starts moto and a real Request Tracker 5)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench bench-scoring bench-polls bench-long-text bench-replies layer servers venv clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m infra.local

# Request Tracker 5 and Chromium (+ chromedriver) come from Debian packages: installed when we are root, otherwise the
# RT tests say they were skipped and why (under CI=true nothing may be skipped).
servers:
	@if [ "$$(id -u)" = 0 ]; then tests/servers/rt5/install.sh; \
	else echo "make test: not root, cannot apt-get Request Tracker 5; its tests will be skipped"; fi
	@if [ "$$(id -u)" = 0 ]; then tests/servers/chromium/install.sh; \
	else echo "make test: not root, cannot apt-get Chromium; the health page browser test will be skipped"; fi
	@if command -v npm >/dev/null; then tests/servers/prism/install.sh \
	  || echo "make test: Prism not installed (see above); the Jira contract tests will be skipped"; \
	else echo "make test: no npm, cannot install Prism; the Jira contract tests will be skipped"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) servers
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/pipeline.py

bench-scoring: $(STAMP)
	$(BIN)/python bench/scoring.py

bench-polls: $(STAMP)
	$(BIN)/python bench/polls.py

bench-long-text: $(STAMP)
	$(BIN)/python bench/long_text.py

bench-replies: $(STAMP)
	$(BIN)/python bench/replies.py

# Chalice's managed layer (requirements.txt + our functions/), packaged and checked: pins, imports, sizes.
layer: $(STAMP)
	$(BIN)/python -m layers.check

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build
