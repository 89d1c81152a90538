"""lolenhance.plotting: where figures go, their fixed width, the image grid and histograms.

Kinds: smoke, known values, exceptions.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from lolenhance import plotting


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
