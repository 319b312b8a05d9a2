# medlens: two commands for users (make run, make test), plus install and bench.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.medlens-installed
PYTEST_ARGS ?=

.PHONY: install init run test test-fast bench clean

# Re-installs only when pyproject.toml changes; a second call with nothing changed takes well under a second.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# Create or migrate the knowledge base, load the curated cases, train the demo model if missing.
init: install
	$(VENV)/bin/medlens init

run: init
	$(VENV)/bin/medlens app

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything but the browser and slow tests, for a quick local loop.
test-fast: install
	$(PY) -m pytest -m "not e2e and not slow" $(PYTEST_ARGS)

bench: install
	$(PY) -m pip install --quiet --no-deps 'libemg==2.0.3'
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
