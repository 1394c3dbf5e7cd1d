# Two commands on a fresh machine with python3 and make:
#   make run    - the calibrated baseline (100 seeds) with tables, scorecard and figures in results/baseline/
#   make test   - the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SEEDS ?= 100
WORKERS ?= 2

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(PY) -m sim run scenarios/baseline.toml --seeds $(SEEDS) --workers $(WORKERS) --out results/baseline
	@echo "Baseline results, scorecard and figures are in results/baseline/ (figures in results/baseline/figures/)"

test: $(VENV)/.installed
	-bash .ci/install-browser
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) results/baseline .pytest_cache
