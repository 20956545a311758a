# nnstudio: `make run` opens the designer, `make test` runs the whole suite headless.
# Both create .venv in this checkout and install the project into it (quickly skipped
# when pyproject.toml has not changed since the last install).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test system-deps venv bundle benchmarks clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "nnstudio needs Python 3.11 or newer"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

system-deps:
	@sh packaging/system-deps.sh

run: system-deps $(STAMP)
	$(VENV)/bin/nnstudio open --example

test: system-deps $(STAMP)
	QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=2 $(PY) -m pytest -q $(PYTEST_ARGS)

benchmarks: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/run_all.py

bundle: system-deps $(STAMP)
	$(PY) -m pip install --quiet -e '.[bundle]'
	$(VENV)/bin/pyinstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/nnstudio.spec

clean:
	rm -rf build dist .pytest_cache
