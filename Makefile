# Two commands do everything on a fresh machine (each installs what it needs first):
#   make figures   the main job: execute notebooks 01-07 in place on the embedded data, regenerate figures/
#   make test      unit tests + every notebook under nbval (smoke mode)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: install figures test test-fast test-unit test-notebooks lint lab clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,export]"
	touch $@

# The main job always runs on the embedded default data, so the committed figures never show
# third-party images. The notebooks are executed in place and committed with their outputs, so
# they read with figures and tables on the repository's web page; tools/nbconvert_config.py drops
# execution timestamps and kernel metadata, so re-running with unchanged code and data leaves
# git status clean, and shows their inline images at a modest dpi. TF_CPP_MIN_LOG_LEVEL=2 keeps
# TensorFlow's time-stamped start-up lines out of the outputs (errors still show).
# TF_ENABLE_ONEDNN_OPTS=0: on CPUs where TensorFlow turns on its oneDNN kernels (AVX-512/AMX Xeons)
# they round differently from the kernels other CPUs run, and absl prints a time-stamped notice at
# import that TF_CPP_MIN_LOG_LEVEL does not catch (it landed in the notebooks' outputs). Off, every
# x86-64 CPU runs the same kernels; package versions can still move a figure by a few pixels.
figures: install
	env -u LOL_ROOT -u LOLENHANCE_FIGURES_DIR TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0 \
		$(BIN)/jupyter nbconvert --config tools/nbconvert_config.py --to notebook --execute --inplace $(NOTEBOOKS)

test: install
	env -u LOL_ROOT LOLENHANCE_SMOKE=1 LOLENHANCE_FIGURES_DIR=$(CURDIR)/build/test-figures $(BIN)/python -m pytest -q

# Everything but the tests marked slow (training runs, subprocesses, multi-device): a quick loop.
test-fast: install
	env -u LOL_ROOT LOLENHANCE_SMOKE=1 LOLENHANCE_FIGURES_DIR=$(CURDIR)/build/test-figures $(BIN)/python -m pytest -q -m "not slow" tests lolenhance

test-unit: install
	$(BIN)/python -m pytest -q tests lolenhance

# Notebooks only, on whatever LOL_ROOT says (CI points it at ../shared/data/lol-tiny).
test-notebooks: install
	LOLENHANCE_SMOKE=1 LOLENHANCE_FIGURES_DIR=$(CURDIR)/build/test-figures $(BIN)/python -m pytest -q notebooks

# Style (ruff), the layers of DESIGN.md (import-linter, contracts in pyproject.toml), types (mypy).
lint: install
	$(BIN)/ruff check lolenhance tests benchmarks tools notebooks
	$(BIN)/lint-imports
	$(BIN)/mypy

# JupyterLab on notebooks/ in the project's environment; data from LOL_ROOT if set, else the embedded set.
lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf build .pytest_cache
