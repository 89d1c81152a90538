"""The committed notebooks: executed (they read with outputs on the web page), small, nothing per-run.

``make figures`` executes them in place (``tools/nbconvert_config.py``); these tests catch a notebook
committed unexecuted, half-executed or with what changes on every run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_executed_top_to_bottom(path: Path) -> None:
    cells = [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts}; run `make figures` and commit the executed notebook")
    errors = [output for cell in cells for output in cell["outputs"] if output["output_type"] == "error"]
    assert not errors, f"{path.name}: committed with an error output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_holds_nothing_that_changes_per_run(path: Path) -> None:
    notebook = json.loads(path.read_text())
    assert set(notebook["metadata"].get("language_info", {})) <= {"name"}, "Python version in the metadata"
    for cell in notebook["cells"]:
        assert "execution" not in cell.get("metadata", {}), f"{path.name}: execution timestamps"


#: A duration in an output: it would change whenever the benchmark is re-measured or a run is timed.
TIMING = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|seconds|min)\b")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_outputs_state_no_timing(path: Path) -> None:
    """Timings live in the benchmark's table (README), never in a committed output."""
    found = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
            found += [f"cell {index}: {match.group(0)}" for match in TIMING.finditer(text)]
    assert not found, f"{path.name}: timings in the outputs {found}"


def test_notebooks_stay_small() -> None:
    total = sum(path.stat().st_size for path in NOTEBOOKS)
    assert total <= 8_000_000, f"notebooks/ holds {total / 1e6:.1f} MB of notebooks (limit 8 MB)"
    assert len(NOTEBOOKS) >= 7
