"""lolenhance.plotting (where figures go, fixed width) and the console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import lolenhance
from lolenhance import cli, plotting


def test_savefig_fixed_width_and_location(tmp_path, monkeypatch):
    monkeypatch.setenv("LOLENHANCE_FIGURES_DIR", str(tmp_path))
    widths = []
    for size in ((4, 3), (12, 3)):
        fig, ax = plt.subplots(figsize=size)
        ax.plot([0, 1], [0, 1])
        path = plotting.savefig(fig, f"00_w{size[0]}")
        plt.close(fig)
        assert path.parent == tmp_path and path.is_file()
        with Image.open(path) as written:
            widths.append(written.size[0])
    target = plotting.WIDTH_IN * plotting.DPI
    assert widths == [round(target)] * 2, widths
    assert not list(tmp_path.glob(".*")), "no temporary file may remain"


def test_figures_from_lol_root_go_to_ignored_folder(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    monkeypatch.delenv("LOLENHANCE_FIGURES_DIR", raising=False)
    monkeypatch.delenv("LOL_ROOT", raising=False)
    assert plotting.figures_dir() == tmp_path / "figures"
    monkeypatch.setenv("LOL_ROOT", "/somewhere/real")
    assert plotting.figures_dir() == tmp_path / "figures" / "local"


@pytest.mark.parametrize("name", ["", "a/b", "x.png"])
def test_savefig_rejects_bad_names(name):
    fig = plt.figure()
    with pytest.raises(ValueError, match="bare file stem"):
        plotting.savefig(fig, name)
    plt.close(fig)


def test_grid_and_histograms():
    images = [np.full((8, 12, 3), v, np.float32) for v in (0.1, 0.5, 0.9)]
    fig = plotting.image_grid([images, images[:2]], titles=["a", "b", "c"])
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "a"
    assert not fig.axes[5].axison  # the missing cell of the short row is hidden
    fig = plotting.brightness_histograms({"low": images[:1], "high": images[2:]})
    assert len(fig.axes) == 4 and fig.axes[0].get_title() == "luminance"
    plt.close("all")


def test_cli_version_and_data_info(capsys, monkeypatch):
    monkeypatch.delenv("LOL_ROOT", raising=False)
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and lolenhance.__version__ in capsys.readouterr().out
    assert cli.main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "train: 4 pairs; sizes 600x400 (4)" in out and "eval: 2 pairs" in out and "lol-v1" in out


def test_cli_data_info_on_a_broken_tree(make_tree, capsys):
    root = make_tree("v1", n_train=2, n_eval=1)
    (root / "our485" / "high" / "1.png").unlink()
    (root / "eval15" / "low" / "junk.csv").write_text("a,b")
    assert cli.main(["data", "info", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "no high partner" in err and "junk.csv" in err and "Traceback" not in err


def test_cli_missing_root_is_one_clear_line(tmp_path, capsys):
    assert cli.main(["data", "info", "--root", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lolenhance: error:") and str(tmp_path / "nothing") in err


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "lolenhance"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("lolenhance ")
