# On a fresh machine with Python 3.11 and make (the environment .venv is made on first use):
#   make run     - the baseline (100 seeds): tables, scorecard and figures in results/baseline/
#   make score   - the scorecard of results/baseline (patterns T1-T17)
#   make app     - the explorer for students at http://127.0.0.1:8765
#   make test    - the whole test suite
#   make clean   - remove .venv and results/baseline
# If `python3` is not 3.11, name the interpreter: make PYTHON=python3.11 run
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SEEDS ?= 100
WORKERS ?= 2
OUT ?= results/baseline

.PHONY: help run score app test lint clean $(VENV)/.installed

help:
	@sed -n 's/^#   make /make /p' Makefile

# Phony on purpose: .ci/ensure-venv decides (in one interpreter start-up) whether the
# environment is up to date, and rebuilds it if a wrong Python or a broken install made it.
$(VENV)/.installed:
	@bash .ci/ensure-venv "$(PYTHON)" "$(VENV)"

run: $(VENV)/.installed
	$(PY) -m sim run scenarios/baseline.toml --seeds $(SEEDS) --workers $(WORKERS) --out $(OUT)
	@echo "Baseline results, scorecard and figures are in $(OUT)/ (figures in $(OUT)/figures/)"

score: $(VENV)/.installed
	@test -f $(OUT)/summary.json || { echo "error: no results in $(OUT)/: run 'make run' first" >&2; exit 2; }
	$(PY) -m sim score $(OUT)

app: $(VENV)/.installed
	$(PY) -m sim app

test: $(VENV)/.installed
	-bash .ci/install-browser
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
