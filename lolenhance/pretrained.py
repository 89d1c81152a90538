"""The shipped weights: one registry of learned models, their weight files and JSON cards.

====================  ===============================  ==========================================
kind                  weights (``lolenhance/weights/``)  network
====================  ===============================  ==========================================
``"denoiser"``        ``denoiser.weights.h5``          :func:`lolenhance.models.build_denoiser`
``"curve"``           ``curve.weights.h5``             :func:`lolenhance.models.build_dce_net` ``("curve")``
``"zero-dce"``        ``zero_dce.weights.h5``          :func:`lolenhance.models.build_dce_net` ``("zero-dce")``
====================  ===============================  ==========================================

Beside each weights file, ``<stem>.json`` (the card: the one command that trained it, its data,
configuration, wall time and measured test scores) and ``<stem>_history.csv`` (the training
history). Every loader raises :class:`WeightsError` naming the file for a missing, empty, non-HDF5
or mismatched file.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lolenhance.curves import EXPOSURE_FEATURES, exposure_features_of_width

if TYPE_CHECKING:
    import keras

__all__ = ["KINDS", "WEIGHTS_DIR", "WeightsError", "weights_path", "card", "load", "default_model",
           "exposure_features_of", "first_that_loads", "is_weights_file", "failure_summary"]

#: The learned models that ship with weights.
KINDS = ("denoiser", "curve", "zero-dce")
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
_CACHE: dict[str, keras.Model] = {}


class WeightsError(ValueError):
    """A weights file is missing, unreadable or does not fit the architecture."""


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    return kind


def weights_path(kind: str) -> Path:
    """The shipped weights file of ``kind``.

    Parameters
    ----------
    kind : {"denoiser", "curve", "zero-dce"}

    Returns
    -------
    Path

    Examples
    --------
    >>> weights_path("zero-dce").name
    'zero_dce.weights.h5'
    """
    return WEIGHTS_DIR / f"{_check_kind(kind).replace('-', '_')}.weights.h5"


def card(kind: str) -> dict[str, Any]:
    """The JSON card of the shipped weights of ``kind``: how they were trained and what they scored.

    Parameters
    ----------
    kind : {"denoiser", "curve", "zero-dce"}

    Returns
    -------
    dict
        Keys include ``command`` (the one command that trained them), ``config``, ``wall_minutes``
        and ``test_lol_v2_real_29_pairs``.

    Examples
    --------
    >>> card("denoiser")["params"]
    368916
    """
    return json.loads(weights_path(kind).with_suffix("").with_suffix(".json").read_text())


def _build(kind: str, options: dict[str, Any]) -> keras.Model:
    # TensorFlow loads when a network is built: reading cards and paths stays instant
    from lolenhance.models import build_dce_net, build_denoiser

    return build_denoiser(**options) if kind == "denoiser" else build_dce_net(kind, **options)


def _architectures(kind: str) -> list[dict[str, Any]]:
    """The builder options of every architecture a weights file of ``kind`` may be for, most usual first."""
    if kind == "curve":
        return [{"exposure_features": features} for features in EXPOSURE_FEATURES] + [{"exposure_input": False}]
    if kind == "denoiser":
        from lolenhance.models.denoiser import DENOISER_WIDTHS

        return [{"widths": widths} for widths in DENOISER_WIDTHS.values()]
    return [{}]


def exposure_features_of(net: keras.Model) -> str:
    """What a curve net is told of the whole image's exposure, read from its inputs' shapes.

    Parameters
    ----------
    net : keras.Model
        A :func:`lolenhance.models.build_dce_net` model.

    Returns
    -------
    str
        A key of :data:`lolenhance.curves.EXPOSURE_FEATURES`; ``"mean"`` for a net without the
        exposure input (Zero-DCE, or a curve net told only the count), which is then unused.

    Examples
    --------
    >>> exposure_features_of(load("curve"))
    'mean'
    """
    return exposure_features_of_width(net.inputs[2].shape[-1]) if len(net.inputs) == 3 else "mean"


def first_that_loads(candidates: Sequence[Callable[[], Any]], path: str | os.PathLike) -> Any:
    """The first freshly built candidate that ``path``'s weights fit.

    A weights file does not say which reading of the exposure its net was told; each reading's
    input has its own width, so exactly one architecture fits and trying each in turn is exact.
    Warnings of the candidates that do not fit are dropped; those of the one returned are raised.

    Parameters
    ----------
    candidates : sequence of callables
        Each builds one fresh model (with ``load_weights``).
    path : str or path-like

    Returns
    -------
    keras.Model
        The first candidate whose ``load_weights(path)`` succeeded.

    Raises
    ------
    Exception
        The last candidate's error when none fits.
    """
    failure: Exception | None = None
    for build in candidates:
        model = build()
        # Keras warns that the layers it cannot fill keep "freshly-initialized weights" before it
        # raises on the mismatch: untrue of the model returned, so only the one that fits may speak
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model.load_weights(path)
            except Exception as error:  # Keras raises ValueError/KeyError/OSError depending on the mismatch
                failure = error
                continue
        for warning in caught:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        return model
    if failure is None:
        raise ValueError("no candidate architecture to load into")
    raise failure


def load(kind: str, path: str | os.PathLike | None = None) -> keras.Model:
    """A fresh network of ``kind`` with the shipped (or given) weights.

    Parameters
    ----------
    kind : {"denoiser", "curve", "zero-dce"}
    path : str, path-like or None
        A ``.weights.h5`` file; default: :func:`weights_path` ``(kind)``. ``"curve"`` weights with
        and without the exposure input load, told any reading of it (:data:`lolenhance.curves.EXPOSURE_FEATURES`);
        ``"denoiser"`` weights of any width (:data:`lolenhance.models.denoiser.DENOISER_WIDTHS`).

    Returns
    -------
    keras.Model

    Raises
    ------
    WeightsError
        The file is missing, empty, not an HDF5 weights file, or its tensors do not fit the
        architecture (the message names the file and the problem).

    Examples
    --------
    >>> load("curve").name
    'dce_net_curve'
    """
    _check_kind(kind)
    path = Path(path) if path is not None else weights_path(kind)
    problem = _file_problem(path)
    if problem:
        raise WeightsError(f"{path}: {problem}")
    try:
        return first_that_loads([partial(_build, kind, options) for options in _architectures(kind)], path)
    except Exception as failure:  # Keras raises ValueError/KeyError/OSError depending on the mismatch
        raise WeightsError(
            f"{path}: does not fit the {kind} architecture or is damaged ({failure_summary(failure)})"
        ) from failure


def _file_problem(path: Path) -> str | None:
    """What makes ``path`` no weights file at all (missing, empty, not HDF5), or None."""
    import h5py

    if not path.is_file():
        return "weights file not found"
    if path.stat().st_size == 0:
        return "weights file is empty (0 bytes)"
    if not h5py.is_hdf5(path):
        return "not an HDF5 weights file (truncated or wrong format)"
    return None


def failure_summary(error: BaseException, limit: int = 160) -> str:
    """``"Type: first line of the message"``, at most ``limit`` characters.

    Keras's message for weights that do not fit a model lists every tensor it could not load, values
    included (hundreds of lines); a user needs its first line.

    Parameters
    ----------
    error : BaseException
    limit : int
        Longest summary; a longer one is cut and ends in "…".

    Returns
    -------
    str

    Examples
    --------
    >>> failure_summary(ValueError("shapes differ" + chr(10) + "[[0.1 0.2] ...]"))
    'ValueError: shapes differ'
    """
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_weights_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a non-empty HDF5 file: a weights file of *some* network.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    bool

    Examples
    --------
    >>> is_weights_file(weights_path("curve")), is_weights_file(WEIGHTS_DIR / "curve.json")
    (True, False)
    """
    return _file_problem(Path(path)) is None


def default_model(kind: str) -> keras.Model:
    """The shipped network of ``kind``, loaded once per process and then reused.

    Parameters
    ----------
    kind : {"denoiser", "curve", "zero-dce"}

    Returns
    -------
    keras.Model
    """
    if kind not in _CACHE:
        _CACHE[kind] = load(kind)
    return _CACHE[kind]
