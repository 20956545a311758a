# nnstudio: `make run` opens the designer, `make test` checks the code (lint, format, layer
# contracts) and runs the suite headless. Both create .venv in this checkout and install the
# project into it (quickly skipped when pyproject.toml has not changed since the last install).
# `make test-all` also runs the tests marked heavy (minutes each: every keras.applications
# architecture, every template in every export format, every template on every backend).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
TEST_MARKERS ?= not heavy

.PHONY: run test test-all check system-deps venv bundle benchmarks clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "nnstudio needs Python 3.11 or newer"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

system-deps:
	@sh packaging/system-deps.sh

# Bytecode as an installed copy has it: where PYTHONDONTWRITEBYTECODE is set, an editable
# checkout otherwise compiles its sources again at every launch (0.1 s of a 1 s start-up).
run: system-deps $(STAMP)
	@$(PY) -m compileall -q nnstudio
	$(VENV)/bin/nnstudio open --example

check: $(STAMP)
	$(VENV)/bin/ruff check nnstudio tests benchmarks packaging
	$(VENV)/bin/ruff format --check nnstudio tests benchmarks packaging
	$(VENV)/bin/lint-imports

test: system-deps $(STAMP) check
	QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=2 $(PY) -m pytest -q -m "$(TEST_MARKERS)" $(PYTEST_ARGS)

test-all:
	$(MAKE) test TEST_MARKERS="heavy or not heavy"

benchmarks: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/run_all.py

bundle: system-deps $(STAMP)
	$(PY) -m pip install --quiet -e '.[bundle]'
	$(VENV)/bin/pyinstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/nnstudio.spec

clean:
	rm -rf build dist .pytest_cache
