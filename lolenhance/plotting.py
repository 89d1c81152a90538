"""Figures: one :func:`savefig` into ``figures/``, image grids and histograms.

Every figure of the repository goes through :func:`savefig`, which fixes the width (``WIDTH_IN``
inches) and resolution (``DPI``) and strips volatile PNG metadata so that regenerating an
unchanged figure gives an identical file.

Where figures go: ``$LOLENHANCE_FIGURES_DIR`` if set; otherwise ``figures/`` of the repository
(found by walking up from the working directory to the folder holding ``pyproject.toml``).
When the data come from ``LOL_ROOT`` rather than the embedded default, figures go to
``figures/local/`` instead, which git ignores: third-party images must never end up in the
committed ``figures/``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["figures_dir", "savefig", "image_grid", "brightness_histograms", "DPI", "WIDTH_IN"]

DPI = 85
WIDTH_IN = 10.0


def figures_dir() -> Path:
    """Return (and create) the folder :func:`savefig` writes to; see the module docstring.

    Returns
    -------
    Path
    """
    if os.environ.get("LOLENHANCE_FIGURES_DIR"):
        folder = Path(os.environ["LOLENHANCE_FIGURES_DIR"])
    else:
        here = Path.cwd().resolve()
        repo = next((p for p in (here, *here.parents) if (p / "pyproject.toml").is_file()), here)
        folder = repo / "figures"
        if os.environ.get("LOL_ROOT"):
            folder = folder / "local"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def savefig(fig, name: str) -> Path:
    """Save a Matplotlib figure as ``<figures_dir>/<name>.png`` at a fixed width and dpi.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File stem, conventionally ``NN_what`` with the notebook number (``"01_histograms"``).

    Returns
    -------
    Path
        The written file (written atomically: temp file + rename).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> savefig(fig, "00_example")  # doctest: +SKIP
    """
    if not name or "/" in name or name.endswith(".png"):
        raise ValueError(f"name must be a bare file stem like '01_histograms', got {name!r}")
    width, height = fig.get_size_inches()
    fig.set_size_inches(WIDTH_IN, height * WIDTH_IN / width)
    target = figures_dir() / f"{name}.png"
    temp = target.with_name(f".{target.name}.partial.png")
    try:
        if fig.get_layout_engine() is None:
            fig.tight_layout()  # re-layout at the new size; no bbox trimming, so the width stays fixed
        fig.savefig(temp, dpi=DPI, metadata={"Software": None})
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def image_grid(
    rows: Sequence[Sequence[np.ndarray]],
    *,
    titles: Sequence[Sequence[str]] | Sequence[str] | None = None,
    row_labels: Sequence[str] | None = None,
    cell_height_in: float = 2.2,
):
    """Show images in a grid with titles.

    Parameters
    ----------
    rows : sequence of sequences of (H, W, 3) ndarray of float32 in [0, 1]
        ``rows[i][j]`` is drawn in row ``i``, column ``j``. Rows may differ in length.
    titles : sequence of str, or sequence of sequences of str, optional
        One title per column (applied to every row), or one per cell.
    row_labels : sequence of str, optional
        Label on the left of each row.
    cell_height_in : float
        Height of one row in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    n_rows = len(rows)
    n_cols = max(len(row) for row in rows)
    aspect = max(image.shape[1] / image.shape[0] for row in rows for image in row)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(n_cols * cell_height_in * aspect, n_rows * cell_height_in), squeeze=False
    )
    for i, row in enumerate(rows):
        for j in range(n_cols):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            if j >= len(row):
                ax.set_axis_off()
                continue
            ax.imshow(np.clip(row[j], 0, 1), interpolation="nearest")
            if titles is not None:
                title = titles[i][j] if titles and not isinstance(titles[0], str) else titles[j]
                ax.set_title(title, fontsize=9)
            if row_labels is not None and j == 0:
                ax.set_ylabel(row_labels[i], fontsize=9)
    fig.tight_layout()
    return fig


def brightness_histograms(
    images: dict[str, Sequence[np.ndarray]], *, bins: int = 64, per_channel: bool = True
):
    """Histograms of luminance (and optionally each RGB channel) for groups of images.

    Parameters
    ----------
    images : dict of str to sequence of (H, W, 3) ndarray of float32 in [0, 1]
        One entry per group (e.g. ``{"low": lows, "high": highs}``); pixels of a group are pooled.
    bins : int
        Bins over [0, 1].
    per_channel : bool
        Add one panel per RGB channel beside the luminance panel.

    Returns
    -------
    matplotlib.figure.Figure
        Densities on a shared [0, 1] axis; luminance is Rec. 709 ``0.2126 R + 0.7152 G + 0.0722 B``
        on the sRGB values.
    """
    import matplotlib.pyplot as plt

    panels = ["luminance"] + (["red", "green", "blue"] if per_channel else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 2.8), squeeze=False)
    weights = np.array([0.2126, 0.7152, 0.0722], np.float32)
    edges = np.linspace(0, 1, bins + 1)
    for name, group in images.items():
        pixels = np.concatenate([np.asarray(image).reshape(-1, 3) for image in group])
        for ax, panel in zip(axes[0], panels):
            values = pixels @ weights if panel == "luminance" else pixels[:, panels.index(panel) - 1]
            ax.hist(values, bins=edges, density=True, histtype="step", label=name, linewidth=1.4)
    for ax, panel in zip(axes[0], panels):
        ax.set_title(panel, fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_yscale("log")
        ax.set_xlabel("value")
    axes[0][0].set_ylabel("density (log)")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
