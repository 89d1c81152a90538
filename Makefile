# Two commands do everything on a fresh machine (each installs what it needs first):
#   make figures   the main job: execute notebooks 01-06 on the embedded data, regenerate figures/
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
# third-party images; executed copies of the notebooks land in build/notebooks/.
figures: install
	mkdir -p build/notebooks
	env -u LOL_ROOT -u LOLENHANCE_FIGURES_DIR $(BIN)/jupyter nbconvert --to notebook --execute \
		--ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.kernel_name=python3 \
		--output-dir build/notebooks $(NOTEBOOKS)

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
	$(BIN)/ruff check lolenhance tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

# JupyterLab on notebooks/ in the project's environment; data from LOL_ROOT if set, else the embedded set.
lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf build .pytest_cache
