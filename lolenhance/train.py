"""Training logic shared by the learned models: data split, pipeline, fit, checkpoints, resume.

One command trains a model; the exact command behind each shipped weights file is in its JSON card
(``lolenhance/weights/*.json``, ``command``). For example, the LOL-only denoiser of the first round::

    python -m lolenhance.train denoiser --data ../shared/data/lol-real --out runs/denoiser

(also ``lolenhance train denoiser ...``). What :func:`fit` does, for any model and loss:

* a **validation split carved from the training split** (``val_pairs`` pairs, fixed by the seed
  or by ``split_seed``, which sibling runs share; or fold ``fold`` of ``folds``, k-fold, see
  :func:`fold_split`; the eval/Test split is never used for model selection) scored as PSNR on
  whole images after every epoch; with synthesis, also its high images at every octave of darkening, the two
  weighed equally (:func:`validation_score`; every level is logged in the history);
* ``tf.data`` pairs (on Keras's other backends the NumPy twin,
  :class:`lolenhance.pipeline.PairBatchStream`) with aligned random crops and :class:`lolenhance.augment.PairedAugmenter`
  (geometric transforms only; in a short 640-step denoiser run on LOL-v2 real it made no
  measurable difference to validation PSNR, 19.86 dB with vs 19.93 dB without — it is kept as
  a regulariser for long runs, where that has not been measured yet);
* Adam with cosine decay, a (1 − SSIM) term beside L1 (:func:`lolenhance.models.losses.l1_ssim_loss`);
* callbacks: best-val-PSNR weights (``best.weights.h5``; with ``keep_epochs`` every epoch's too),
  a CSV history, early stopping on the
  validation PSNR, ``BackupAndRestore`` every epoch (the same command again continues an
  interrupted run where it stopped), a wall-clock budget (a pause, which the same command
  resumes), a NaN guard that stops with a clear message instead of saving NaN weights, and on
  the NumPy stream (Keras's other backends) ``data_wait_share``, the part of each epoch's steps
  spent waiting for batches;
* **resuming gives the uninterrupted result**: ``BackupAndRestore`` restores the weights, the
  optimiser state and the epoch, and the data stream restarts exactly where the interrupted run
  left it, because every training element is a pure function of ``(seed, element index)``
  (:func:`lolenhance.pipeline.make_pair_dataset` with ``start``). The final weights equal those of
  an uninterrupted run within float tolerance; the curve model's iteration count per batch is
  part of the stream too (:func:`lolenhance.pipeline.with_iteration_counts`). Early stopping's
  patience counter restarts on resume;
* a ``tf.distribute.Strategy`` (default: the current one): under ``MirroredStrategy`` or
  ``MultiWorkerMirroredStrategy`` the model and optimiser are built in its scope and each global
  batch is split across replicas, so the result is that of one device with the same global batch
  (tested for two devices and for two worker processes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lolenhance import inference, pretrained
from lolenhance.curves import ESTIMATION_SCALE, EXPOSURE_FEATURES
from lolenhance.data import Pair, list_pairs, load_pairs, scene_groups
from lolenhance.metrics import psnr
from lolenhance.pipeline import PairBatchStream, make_pair_dataset, resize_pairs, with_iteration_counts
from lolenhance.sensor import SynthesisConfig, synthesise_pair

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

__all__ = [
    "TrainConfig", "split_train_val", "validation_levels", "synthetic_validation", "validation_psnrs",
    "validation_score", "fit", "train_denoiser", "train_curves", "export_weights", "load_checkpoint", "load_weights_file",
    "average_weights", "lineage_splits", "pairs_trained_on", "fold_split", "TrainingDiverged", "epoch_weights",
    "tail_epochs", "tail_average", "load_run_checkpoint",
]


class TrainingDiverged(RuntimeError):
    """The loss became NaN/Inf; training was stopped and no NaN weights were saved."""


@dataclass
class TrainConfig:
    """Hyper-parameters of a training run (all recorded in the run's ``config.json``).

    Attributes
    ----------
    epochs, steps_per_epoch : int
        ``epochs × steps_per_epoch`` optimiser steps in all.
    batch_size, crop_size : int
        Global batch (split across replicas) and square crop side.
    learning_rate : float
        Peak of the cosine-decay schedule (decays to 1 % of it), or the rate throughout with
        ``constant_learning_rate``.
    constant_learning_rate : bool
        Hold the learning rate instead of the cosine decay, as Zero-DCE's authors train.
    clip_norm : float
        ``> 0``: clip the global norm of every step's gradient to it (Zero-DCE's authors: 0.1).
    weight_decay : float
        ``> 0``: the coupled L2 decay of PyTorch's ``Adam(weight_decay=...)``, added to the
        gradient after clipping (:class:`lolenhance.models.optimizers.CoupledL2Adam`; Zero-DCE's
        authors: 1e-4). 0: plain Adam, as every stage shipped so far.
    ssim_weight : float
        Weight of the (1 − SSIM) term beside L1.
    val_pairs : int
        Pairs of the training split held out for validation.
    augment : bool
        Geometric paired augmentation (flips, rotations, scaled crops).
    patience : int
        Early stopping: epochs without a better validation PSNR.
    max_minutes : float or None
        Wall-clock budget; training pauses after the epoch that exceeds it, keeping its resume
        state, so the same command run again finishes the schedule.
    seed : int
    synthetic_share : float
        Share of training crops synthesised from the high images by the physical model
        (:class:`lolenhance.sensor.SynthesisConfig`; 0: real pairs only). With a positive share
        the validation also renders the *validation* high images at every octave of the ratio
        range (:func:`synthetic_validation`) and selects on :func:`validation_score` (real pairs
        and the sweep with equal weight), so model selection rewards doing no harm and every
        exposure, not LOL alone.
    identity_share : float
        Share of the synthesised crops that are a well-exposed image and itself.
    min_ratio, max_ratio : float
        Darkening factor range of the synthesised lows (log-uniform; below 1: over-exposed).
    min_cct, max_cct : float
        Scene lights of synthesised (and relit real) pairs on the Planckian locus, correlated
        colour temperature in kelvin (``SynthesisConfig.cct_range``); 0: the default
        ``temperature_range`` instead, as every stage shipped before these options.
    max_tint : float
        Green–magenta tint of those lights, uniform in ``±max_tint``.
    lamp_share : float
        Share of the synthesised scenes that hold light sources, saturated in both exposures
        (``SynthesisConfig.lamp_share``; 0: none, as every stage shipped so far).
    init_weights : str or None
        Start from these inference weights (a ``.weights.h5`` of the same network, e.g. an
        earlier shipped model) instead of a random initialisation: fine-tuning.
    workers : int
        Keras backends other than TensorFlow only: processes that compute the training batches
        (:class:`lolenhance.pipeline.PairBatchStream`; 0: in the training process). The batches
        do not depend on it.
    split_by_scene : bool
        Hold out whole scenes for validation (:func:`lolenhance.data.scene_groups`), so that no
        validation pair has a sibling capture of its scene in training. Off by default: every stage
        shipped so far was selected on the pair-wise split its card names.
    split_seed : int or None
        Seed of the validation split and of its synthetic sweep; None: ``seed``. Sibling runs
        with different ``seed`` (crops, noise, initialisation) and one ``split_seed`` hold out the
        same pairs, so their scores compare and their weights can be averaged
        (:func:`average_weights`) without any of them having trained on the held-out pairs.
    resize : int
        ``> 0``: train on every training image (low and high) resized to ``resize × resize``
        (:func:`lolenhance.pipeline.resize_pairs`), as Zero-DCE's authors do (256); crops are then
        cut from those. Validation stays at native size, as users' photos come. 0: native size.
    folds, fold : int
        ``folds > 1``: k-fold validation instead of ``val_pairs`` — hold out fold ``fold`` of
        ``folds`` (:func:`fold_split`, whole scenes with ``split_by_scene``). Runs of every fold
        together score a recipe on every Train pair, each by a run that did not train on it.
    exposure_features : {"mean", "mean_highlights", "mean_upper", "mean_unclipped", "unlit"}
        ``"curve"`` only: what the net is told of the whole image's exposure
        (:func:`lolenhance.curves.image_exposure`); ``"mean"``, as every stage shipped so far.
    transplant_reading : bool
        ``"curve"`` only: ``init_weights`` are a net told another reading of the exposure; start
        from them by :func:`lolenhance.models.dce_net.transplant_reading` (their mean's planes onto
        this reading's, its other numbers at 0), so a new reading is learnt from the shipped
        function instead of from scratch.
    denoiser_width : {"base", "wide"}
        ``"denoiser"`` only: the channel widths of its three levels
        (:data:`lolenhance.models.denoiser.DENOISER_WIDTHS`); ``"base"``, as every stage shipped so far.
    """

    epochs: int = 40
    steps_per_epoch: int = 250
    batch_size: int = 8
    crop_size: int = 192
    learning_rate: float = 2e-3
    ssim_weight: float = 0.2
    val_pairs: int = 14
    augment: bool = True
    patience: int = 15
    max_minutes: float | None = None
    seed: int = 0
    synthetic_share: float = 0.0
    identity_share: float = 0.2
    min_ratio: float = 1.0
    max_ratio: float = 100.0
    min_cct: float = 0.0
    max_cct: float = 0.0
    max_tint: float = 0.15
    lamp_share: float = 0.0
    init_weights: str | None = None
    workers: int = 0
    split_by_scene: bool = False
    split_seed: int | None = None
    folds: int = 0
    fold: int = 0
    resize: int = 0
    keep_epochs: bool = False
    constant_learning_rate: bool = False
    clip_norm: float = 0.0
    weight_decay: float = 0.0
    exposure_features: str = "mean"
    transplant_reading: bool = False
    denoiser_width: str = "base"

    def split(self, pairs: list[Pair]) -> tuple[list[Pair], list[Pair]]:
        """``(train, val)`` of ``pairs`` as this run splits them (:func:`split_train_val` or :func:`fold_split`)."""
        groups = scene_groups(pairs) if self.split_by_scene else None
        if self.folds > 1:
            return fold_split(pairs, self.folds, self.fold, self.validation_seed, groups)
        return split_train_val(pairs, self.val_pairs, self.validation_seed, groups)

    @property
    def validation_seed(self) -> int:
        """The seed of the validation split and sweep: ``split_seed``, else ``seed``."""
        return self.seed if self.split_seed is None else self.split_seed

    def synthesis(self) -> SynthesisConfig | None:
        """The :class:`lolenhance.sensor.SynthesisConfig` of this run (``None`` without synthesis)."""
        if self.synthetic_share <= 0:
            return None
        return SynthesisConfig(share=self.synthetic_share, identity_share=self.identity_share,
                               ratio_range=(self.min_ratio, self.max_ratio),
                               tint_range=(-self.max_tint, self.max_tint),
                               cct_range=(self.min_cct, self.max_cct) if self.max_cct > 0 else None,
                               lamp_share=self.lamp_share)


def split_train_val(pairs: list[Pair], val_pairs: int, seed: int,
                    groups: list[int] | None = None) -> tuple[list[Pair], list[Pair]]:
    """Hold out ``val_pairs`` pairs of a training split, chosen by a seeded permutation.

    Parameters
    ----------
    pairs : list of Pair
    val_pairs : int
    seed : int
    groups : list of int, optional
        A group id per pair (e.g. :func:`lolenhance.data.scene_groups`): whole groups are held
        out, in a seeded order, until at least ``val_pairs`` pairs are, so no scene is on both
        sides. Without it, single pairs (the split of every stage shipped so far).

    Returns
    -------
    train, val : list of Pair
        Both in the original (sorted) order.
    """
    if not 0 < val_pairs < len(pairs):
        raise ValueError(f"val_pairs must be in [1, {len(pairs) - 1}] for {len(pairs)} pairs, got {val_pairs}")
    if groups is None:
        order = np.random.default_rng(seed).permutation(len(pairs))
        held_out = set(order[:val_pairs].tolist())
    else:
        if len(groups) != len(pairs):
            raise ValueError(f"groups has {len(groups)} ids for {len(pairs)} pairs")
        held_out = set()
        for group in np.random.default_rng(seed).permutation(sorted(set(groups))):
            if len(held_out) >= val_pairs:
                break
            held_out |= {i for i, g in enumerate(groups) if g == group}
        if len(held_out) == len(pairs):
            raise ValueError(f"holding out whole scenes for {val_pairs} validation pairs leaves no training pair")
    return ([p for i, p in enumerate(pairs) if i not in held_out], [p for i, p in enumerate(pairs) if i in held_out])


def lineage_splits(card: dict) -> list[TrainConfig]:
    """The split of every stage a weights card records: its own and its ``previous_stages``'.

    Parameters
    ----------
    card : dict
        A weights card (``lolenhance/weights/*.json``, :func:`lolenhance.pretrained.card`).

    Returns
    -------
    list of TrainConfig
        One per stage with a recorded ``config`` (the split fields are what count:
        :meth:`TrainConfig.split`), oldest last as the card lists them.

    Raises
    ------
    ValueError
        A recorded stage has no ``config`` with its split (then what its lineage saw is unknown).

    Examples
    --------
    >>> card = {"config": {"seed": 2, "val_pairs": 14}, "previous_stages": [{"config": {"seed": 0, "val_pairs": 14}}]}
    >>> [split.validation_seed for split in lineage_splits(card)]
    [2, 0]
    """
    known = set(TrainConfig.__dataclass_fields__)
    splits = []
    for index, stage in enumerate([card, *card.get("previous_stages", [])]):
        config = stage.get("config") or {}
        if "seed" not in config or "val_pairs" not in config:
            raise ValueError(f"stage {index} of the card ({stage.get('command', 'no command')[:60]!r}) records no split "
                             "(config.seed, config.val_pairs): what its lineage trained on is unknown")
        splits.append(TrainConfig(**{name: value for name, value in config.items() if name in known}))
    return splits


def pairs_trained_on(card: dict, pairs: list[Pair]) -> list[Pair]:
    """The pairs that some stage of a weights card's lineage trained on.

    A stage fine-tuned from earlier weights inherits what they learnt, so a pair held out by the
    last stage's split but trained on by an earlier stage is **not** held out for these weights:
    its PSNR is partly recall. Only the pairs this returns none of are clean validation data.

    Parameters
    ----------
    card : dict
        A weights card (:func:`lineage_splits`).
    pairs : list of Pair
        The training split the stages were split from (:func:`lolenhance.data.list_pairs` ``"train"``).

    Returns
    -------
    list of Pair
        In the original order.
    """
    seen: set[str] = set()
    for split in lineage_splits(card):
        seen |= {pair.name for pair in split.split(pairs)[0]}
    return [pair for pair in pairs if pair.name in seen]


def fold_split(pairs: list[Pair], folds: int, fold: int, seed: int,
               groups: list[int] | None = None) -> tuple[list[Pair], list[Pair]]:
    """Hold out fold ``fold`` of a seeded ``folds``-way partition of ``pairs`` (k-fold validation).

    Groups (whole scenes with ``groups``, else single pairs) are taken in a seeded order and each
    goes to the fold holding the fewest pairs so far, so the folds differ by at most one group's
    size and together hold every pair exactly once.

    Parameters
    ----------
    pairs : list of Pair
    folds : int
        At least 2.
    fold : int
        ``0 <= fold < folds``.
    seed : int
    groups : list of int, optional
        A group id per pair (:func:`lolenhance.data.scene_groups`).

    Returns
    -------
    train, val : list of Pair
        Both in the original (sorted) order.

    Examples
    --------
    >>> from pathlib import Path
    >>> pairs = [Pair(Path(f"{i}.png"), Path(f"{i}.png"), str(i)) for i in range(10)]
    >>> sorted(len(fold_split(pairs, 3, k, seed=0)[1]) for k in range(3))
    [3, 3, 4]
    >>> sorted(p.name for k in range(3) for p in fold_split(pairs, 3, k, seed=0)[1]) == sorted(p.name for p in pairs)
    True
    """
    if folds < 2 or not 0 <= fold < folds:
        raise ValueError(f"need folds >= 2 and 0 <= fold < folds, got fold {fold} of {folds}")
    groups = list(range(len(pairs))) if groups is None else list(groups)
    if len(groups) != len(pairs):
        raise ValueError(f"groups has {len(groups)} ids for {len(pairs)} pairs")
    if len(set(groups)) < folds:
        raise ValueError(f"{len(set(groups))} groups cannot fill {folds} folds")
    members: list[list[int]] = [[] for _ in range(folds)]
    for group in np.random.default_rng(seed).permutation(sorted(set(groups))):
        smallest = min(range(folds), key=lambda k: len(members[k]))
        members[smallest] += [i for i, g in enumerate(groups) if g == group]
    held_out = set(members[fold])
    return ([p for i, p in enumerate(pairs) if i not in held_out], [p for i, p in enumerate(pairs) if i in held_out])


#: A validation PSNR above this counts as this: beyond it a change is invisible (the do-no-harm
#: goal of issue 14), so near-identity outputs at r = 1 cannot buy a loss at another exposure.
VALIDATION_PSNR_CAP_DB = 35.0


def validation_levels(ratio_range: tuple[float, float]) -> tuple[float, ...]:
    """Darkening factors of the validation sweep: every octave of ``ratio_range`` from its start.

    Parameters
    ----------
    ratio_range : (float, float)
        ``(min_ratio, max_ratio)`` of a :class:`lolenhance.sensor.SynthesisConfig`.

    Returns
    -------
    tuple of float
        ``min_ratio · 2**k`` for every ``k`` that stays within ``max_ratio``.

    Examples
    --------
    >>> validation_levels((1.0, 100.0))
    (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
    >>> validation_levels((0.125, 8.0))
    (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
    """
    low, high = ratio_range
    if not 0 < low <= high:
        raise ValueError(f"ratio_range must be 0 < min <= max, got {ratio_range}")
    count = int(np.floor(np.log2(high / low) + 1e-9)) + 1
    return tuple(float(low * 2.0**k) for k in range(count))


def synthetic_validation(highs: list[np.ndarray], synthesis: SynthesisConfig, seed: int,
                         ) -> dict[float, tuple[list[np.ndarray], list[np.ndarray]]]:
    """An exposure sweep of the validation high images: every image at every validation level.

    Each image is rendered at every factor of :func:`validation_levels` (at 1 the low is the
    image itself: do no harm), with an illuminant and noise drawn from ``(seed, level, j)``.
    Every level of every image, because a selection that sees each image at one level missed a
    3.6 dB loss at r = 2 (denoiser stage 4 in ``lolenhance/weights/denoiser.json``).

    Parameters
    ----------
    highs : list of (H, W, 3) ndarray of float32 in [0, 1]
    synthesis : SynthesisConfig
    seed : int

    Returns
    -------
    dict
        ``{level: (lows, targets)}``, lists of (H, W, 3) float32 images, levels ascending.
    """
    from dataclasses import replace

    sweep = {}
    for level_index, ratio in enumerate(validation_levels(synthesis.ratio_range)):
        fixed = replace(synthesis, ratio_range=(ratio, ratio), identity_share=float(ratio == 1.0))
        lows, targets = [], []
        for index, high in enumerate(highs):
            low, target, _ = synthesise_pair(high, np.random.default_rng([seed, level_index, index]), fixed)
            lows.append(low)
            targets.append(target)
        sweep[ratio] = (lows, targets)
    return sweep


def validation_score(real_psnr: float, sweep_psnr: dict[float, float] | None) -> float:
    """The model-selection score: the real pairs' PSNR and the sweep's, with equal weight.

    Parameters
    ----------
    real_psnr : float
        Mean PSNR (dB) on the held-out real pairs.
    sweep_psnr : dict or None
        ``{level: mean PSNR}`` on :func:`synthetic_validation`; None without synthesis.

    Returns
    -------
    float
        ``real_psnr`` without a sweep; else the mean of ``real_psnr`` and the mean over levels
        of each level's PSNR capped at :data:`VALIDATION_PSNR_CAP_DB`.

    Examples
    --------
    >>> validation_score(24.0, None)
    24.0
    >>> validation_score(24.0, {1.0: 50.0, 2.0: 21.0})
    26.0
    """
    if not sweep_psnr:
        return float(real_psnr)
    capped = [min(value, VALIDATION_PSNR_CAP_DB) for value in sweep_psnr.values()]
    return float(0.5 * real_psnr + 0.5 * np.mean(capped))


def validation_psnrs(enhance: Callable[[np.ndarray], np.ndarray], lows: list[np.ndarray], highs: list[np.ndarray],
                     sweep: dict[float, tuple[list[np.ndarray], list[np.ndarray]]] | None,
                     ) -> tuple[float, dict[float, float] | None]:
    """Mean PSNR on the held-out real pairs and at each level of the validation sweep.

    Parameters
    ----------
    enhance : callable
        ``enhance(low) -> enhanced`` on one whole (H, W, 3) float32 image.
    lows, highs : lists of (H, W, 3) ndarray of float32
        The held-out real pairs.
    sweep : dict or None
        :func:`synthetic_validation` of their high images; None without synthesis.

    Returns
    -------
    real_psnr : float
    sweep_psnr : dict or None
        ``{level: mean PSNR}``, the arguments of :func:`validation_score`.
    """
    real = float(psnr([enhance(low) for low in lows], highs))
    if not sweep:
        return real, None
    return real, {level: float(psnr([enhance(low) for low in level_lows], targets))
                  for level, (level_lows, targets) in sweep.items()}


def _callbacks(out: Path, config: TrainConfig, val_lows, val_highs, val_sweep, predict: Callable,
               stream: PairBatchStream | None = None):
    import keras

    class DataWait(keras.callbacks.Callback):
        """Logs ``data_wait_share``: the part of an epoch's training steps spent waiting for batches."""

        def __init__(self, stream: PairBatchStream) -> None:
            super().__init__()
            self.stream = stream

        def on_epoch_begin(self, epoch, logs=None):
            self.began, self.waited = time.perf_counter(), self.stream.wait_seconds

        def on_epoch_end(self, epoch, logs=None):
            # first of the callbacks, so the validation that follows is not counted in the epoch
            if logs is not None:
                elapsed = time.perf_counter() - self.began
                logs["data_wait_share"] = (self.stream.wait_seconds - self.waited) / max(elapsed, 1e-9)

    class ValidationPSNR(keras.callbacks.Callback):
        """Scores whole validation images; keeps the best weights."""

        def __init__(self) -> None:
            super().__init__()
            self.best = -np.inf
            best_file = out / "best.json"
            if best_file.exists():  # resumed run: keep comparing against the earlier best
                self.best = json.loads(best_file.read_text())["val_psnr"]

        def on_epoch_end(self, epoch, logs=None):
            logs = logs if logs is not None else {}
            if not np.isfinite(logs.get("loss", 0.0)):
                self.model.stop_training = True
                raise TrainingDiverged(f"loss became {logs.get('loss')} at epoch {epoch + 1}; no weights were saved")
            real, sweep = validation_psnrs(lambda low: predict(self.model, low), val_lows, val_highs, val_sweep)
            if sweep:
                logs["val_psnr_real"] = real
                logs.update({f"val_psnr_ratio_{level:g}": value for level, value in sweep.items()})
            value = validation_score(real, sweep)
            logs["val_psnr"] = value
            if value > self.best:
                self.best = value
                self.model.save_weights(out / "best.weights.h5")
                (out / "best.json").write_text(json.dumps({"epoch": epoch + 1, "val_psnr": value}))
            if config.keep_epochs:
                (out / "epochs").mkdir(exist_ok=True)
                self.model.save_weights(epoch_weights(out, epoch + 1))

    class WallClock(keras.callbacks.Callback):
        """Stops at the budget as a pause: the resume state is kept, so the same command finishes the schedule."""

        def __init__(self) -> None:
            super().__init__()
            self.start = time.monotonic()
            self.paused = False

        def on_epoch_end(self, epoch, logs=None):
            if config.max_minutes is not None and time.monotonic() - self.start > 60 * config.max_minutes:
                self.paused = epoch + 1 < config.epochs
                print(f"wall-clock budget of {config.max_minutes} min reached after epoch {epoch + 1}"
                      + (f" of {config.epochs}; run the same command again to go on" if self.paused else ""), flush=True)
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            # after an interrupt Keras skips on_train_end, so that resume state is kept too
            if not self.paused:
                shutil.rmtree(out / "backup", ignore_errors=True)

    return [
        *([DataWait(stream)] if stream is not None else []),  # the tf.data path has no stream to time
        keras.callbacks.TerminateOnNaN(),
        ValidationPSNR(),
        keras.callbacks.CSVLogger(str(out / "history.csv"), append=True),
        keras.callbacks.EarlyStopping(monitor="val_psnr", mode="max", patience=config.patience),
        keras.callbacks.BackupAndRestore(str(out / "backup"), delete_checkpoint=False),  # WallClock decides
        WallClock(),
    ]


def epoch_weights(run_dir: str | os.PathLike, epoch: int) -> Path:
    """Where a run with ``keep_epochs`` keeps epoch ``epoch``'s weights (counted from 1).

    Examples
    --------
    >>> epoch_weights("runs/zd", 7).as_posix()
    'runs/zd/epochs/007.weights.h5'
    """
    return Path(run_dir) / "epochs" / f"{epoch:03d}.weights.h5"


def tail_epochs(run_dir: str | os.PathLike, count: int) -> list[int]:
    """The last ``count`` epochs whose weights a ``keep_epochs`` run kept, in order.

    Raises
    ------
    ValueError
        ``count < 2``, or the run kept fewer epochs (the message names the folder and what it holds).
    """
    if count < 2:
        raise ValueError(f"a tail average needs at least 2 epochs, got {count}")
    kept = sorted(int(path.name.split(".")[0]) for path in (Path(run_dir) / "epochs").glob("[0-9][0-9][0-9].weights.h5"))
    if len(kept) < count:
        raise ValueError(f"{run_dir}: kept the weights of {len(kept)} epochs ({kept}), fewer than the {count} asked "
                         "for (train with --keep-epochs)")
    return kept[-count:]


def _backed_up_epoch(backup_dir: Path) -> int:
    """Epochs completed by an interrupted run: what ``BackupAndRestore`` will resume from (0 if none)."""
    metadata = backup_dir / "training_metadata.json"  # written by keras.callbacks.BackupAndRestore
    if not (backup_dir / "latest.weights.h5").exists() or not metadata.exists():
        return 0
    try:
        return int(json.loads(metadata.read_text())["epoch"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{metadata}: unreadable resume state ({error}); delete {backup_dir} to start over") from error


def _work_around_keras_multi_worker(model: keras.Model, strategy: tf.distribute.Strategy, element_spec) -> None:
    """Let ``model.fit`` train under a ``MultiWorkerMirroredStrategy`` spanning several workers.

    Keras 3 (3.15, with TensorFlow 2.21) fails there before the first step, twice
    (keras-team/keras#20585, tensorflow/tensorflow#72388): to build the model it averages one
    distributed input batch with ``Strategy.reduce``, which the collectives cannot do for an
    ``(inputs, targets)`` tuple ("Attempt to convert a value (PerReplica ...)"); and it averages
    each step's logs with ``Strategy.reduce(..., axis=0)``, which fails on scalars ("Invalid
    reduction dimension 0 for input with 0 dimensions"). So the model, loss and optimiser are built
    here from the dataset's element spec (shapes only) and Keras's own build is skipped, and each
    step returns its logs with a leading axis of one, which ``axis=0`` averages back to Keras's
    scalars. The arithmetic of a step is unchanged. The test is Keras's own (``_in_multi_worker_mode``),
    so one worker, ``MirroredStrategy`` and the default strategy keep Keras's path.
    """
    import keras
    import tensorflow as tf

    if not (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and strategy.extended._in_multi_worker_mode()):
        return
    with strategy.scope():
        model._symbolic_build(data_batch=element_spec)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    step = model.train_step
    model.train_step = lambda data: keras.tree.map_structure(lambda log: keras.ops.expand_dims(log, 0), step(data))


def fit(
    build_model: Callable[[], keras.Model],
    loss: Callable | None,
    train_pairs: list[Pair] | tuple[list[np.ndarray], list[np.ndarray]],
    val_pairs: list[Pair] | tuple[list[np.ndarray], list[np.ndarray]],
    out: str | os.PathLike,
    config: TrainConfig,
    *,
    predict: Callable[[keras.Model, np.ndarray], np.ndarray],
    strategy: tf.distribute.Strategy | None = None,
    callbacks: list | None = None,
    verbose: int = 2,
    with_exposure: bool = False,
    iteration_counts: bool = False,
) -> keras.Model:
    """Train ``build_model()`` on aligned pairs with the callbacks of the module docstring.

    Parameters
    ----------
    build_model : callable
        Returns a fresh (uncompiled) model; called inside ``strategy.scope()``.
    loss : callable or None
        ``loss(y_true, y_pred)``; None for a model that adds its own loss (Zero-DCE).
    train_pairs, val_pairs : list of Pair, or (lows, highs) lists of images
    out : str or path-like
        Run folder: ``best.weights.h5``, ``last.weights.h5``, ``history.csv``, ``config.json``,
        ``backup/`` (resume state). Re-running with the same folder resumes a run that was
        interrupted or paused by ``config.max_minutes``; a finished run's folder is refused
        (``FileExistsError``), since training again would overwrite its weights.
    config : TrainConfig
    predict : callable
        ``predict(model, low) -> enhanced`` on one whole image (for validation PSNR).
    strategy : tf.distribute.Strategy, optional
        Default: ``tf.distribute.get_strategy()``.
    callbacks : list of keras.callbacks.Callback, optional
        Extra callbacks, run after the built-in ones.
    verbose : int
        Keras ``fit`` verbosity (1: progress bar, 2: one line per epoch).
    with_exposure : bool
        Feed the model ``(low crop, exposure of the whole low image)`` (see
        :func:`lolenhance.pipeline.make_pair_dataset`).
    iteration_counts : bool
        Give every batch the curve model's iteration count and grade its target to match
        (:func:`lolenhance.pipeline.with_iteration_counts`; needs ``with_exposure``).

    Notes
    -----
    On the TensorFlow backend the data is :func:`lolenhance.pipeline.make_pair_dataset` (a
    ``tf.data`` graph) and ``strategy`` applies. On the other Keras backends (``KERAS_BACKEND=torch``,
    used on a GPU machine without TensorFlow; JAX is untried) it is :class:`lolenhance.pipeline.PairBatchStream`
    computed by ``config.workers`` processes — the same recipe, resumable the same way, drawn with
    NumPy's generator (so another sample of crops than TensorFlow's) — and ``strategy`` must be None.

    Returns
    -------
    keras.Model
        The model with its final weights (the best ones are in ``best.weights.h5``).
    """
    import keras

    from lolenhance.augment import PairedAugmenter  # Albumentations: a second to import

    on_tensorflow = keras.backend.backend() == "tensorflow"
    if strategy is not None and not on_tensorflow:
        raise ValueError(f"a tf.distribute strategy needs the TensorFlow backend; Keras runs on {keras.backend.backend()}")
    if iteration_counts and not with_exposure:
        raise ValueError("iteration_counts needs with_exposure (the curve model's inputs)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # a resumed run continues the data stream where the interrupted one stopped (see module docstring)
    first_epoch = _backed_up_epoch(out / "backup")
    earlier = [name for name in ("best.weights.h5", "last.weights.h5", "epochs") if (out / name).exists()]
    if first_epoch == 0 and earlier:  # a finished run: training again would overwrite what it kept
        raise FileExistsError(f"{out}: holds a finished run ({', '.join(earlier)}) and no resume state to go on "
                              "from; train into another folder, or delete this one to start over")
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2))
    keras.utils.set_random_seed(config.seed)
    if isinstance(val_pairs, tuple):
        val_lows, val_highs = val_pairs
    else:
        val_lows, val_highs = load_pairs(val_pairs)
    synthesis = config.synthesis()
    val_sweep = None if synthesis is None else synthetic_validation(list(val_highs), synthesis, config.validation_seed)
    if config.resize:
        if config.crop_size > config.resize:
            raise ValueError(f"crop_size {config.crop_size} does not fit in images resized to {config.resize}")
        train_pairs = resize_pairs(train_pairs, config.resize)
    augment = PairedAugmenter(photometric=False) if config.augment else None
    if not on_tensorflow:
        stream = PairBatchStream(train_pairs, batch_size=config.batch_size, crop_size=config.crop_size,
                                 seed=config.seed, augment=augment, with_exposure=with_exposure,
                                 synthesis=synthesis, iteration_counts=iteration_counts,
                                 exposure_features=config.exposure_features)
        batches = stream.batches(first_epoch * config.steps_per_epoch, workers=config.workers)
        try:
            return _fit_model(build_model, loss, batches, None, out, config, val_lows, val_highs, val_sweep, predict,
                              callbacks, verbose, stream=stream)
        finally:
            batches.close()  # ends the worker processes
    import tensorflow as tf

    strategy = strategy or tf.distribute.get_strategy()
    dataset = make_pair_dataset(
        train_pairs,
        batch_size=config.batch_size,
        crop_size=config.crop_size,
        seed=config.seed,
        augment=augment,
        start=first_epoch * config.steps_per_epoch * config.batch_size,
        with_exposure=with_exposure,
        synthesis=synthesis,
        exposure_features=config.exposure_features,
    )
    if iteration_counts:
        dataset = with_iteration_counts(dataset, seed=config.seed, start_batch=first_epoch * config.steps_per_epoch)
    # Several workers: Keras splits each global batch into per-replica batches and every worker keeps
    # its own (DATA sharding), so together they train on exactly the batches of one process; each
    # worker computes the whole stream and drops the other shares. AUTO would look for files to
    # shard first; this stream has none (it is computed from element indices).
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    dataset = dataset.with_options(options)
    return _fit_model(build_model, loss, dataset, strategy, out, config, val_lows, val_highs, val_sweep, predict,
                      callbacks, verbose)


def _optimizer(config: TrainConfig):
    """Adam on the run's schedule, clipping and coupled L2 (plain ``keras.optimizers.Adam`` without L2)."""
    import keras

    from lolenhance.models.optimizers import CoupledL2Adam

    schedule = config.learning_rate if config.constant_learning_rate else keras.optimizers.schedules.CosineDecay(
        config.learning_rate, config.epochs * config.steps_per_epoch, alpha=0.01)
    clipping = {"global_clipnorm": config.clip_norm} if config.clip_norm > 0 else {}
    if config.weight_decay > 0:
        return CoupledL2Adam(schedule, l2=config.weight_decay, **clipping)
    return keras.optimizers.Adam(schedule, **clipping)


def _fit_model(build_model, loss, dataset, strategy, out: Path, config: TrainConfig, val_lows, val_highs, val_sweep,
               predict, callbacks, verbose: int, stream: PairBatchStream | None = None):
    """Build, compile and ``model.fit`` on ``dataset`` (a ``tf.data`` stream under ``strategy``, or batches)."""
    import contextlib

    import keras

    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model = build_model()
        model.compile(optimizer=_optimizer(config), loss=loss)
    if strategy is not None:
        _work_around_keras_multi_worker(model, strategy, dataset.element_spec)
    built_in = _callbacks(out, config, val_lows, val_highs, val_sweep, predict, stream)
    try:
        model.fit(
            dataset,
            epochs=config.epochs,
            steps_per_epoch=config.steps_per_epoch,
            callbacks=built_in + list(callbacks or []),
            verbose=verbose,
            shuffle=False,  # the stream is already shuffled, by the seed (make_pair_dataset)
        )
    finally:
        # CSVLogger closes its file in on_train_end, which an exception (NaN, interrupt) skips
        for callback in built_in:
            csv_file = getattr(callback, "csv_file", None)
            if isinstance(callback, keras.callbacks.CSVLogger) and csv_file is not None and not csv_file.closed:
                csv_file.close()
    if not all(np.isfinite(w).all() for w in model.get_weights()):
        raise TrainingDiverged("weights contain NaN/Inf after training; nothing was saved")
    model.save_weights(out / "last.weights.h5")
    return model


def _load_init_weights(net: keras.Model, path: str, architecture: str, hint: str = "") -> None:
    """Load ``--init-weights`` into ``net``, or fail in one line naming the file and what it does not fit."""
    try:
        net.load_weights(path)
    except Exception as error:  # Keras raises ValueError/KeyError/OSError depending on the mismatch
        raise pretrained.WeightsError(f"{path}: --init-weights does not fit the {architecture} "
                                      f"({pretrained.failure_summary(error)}){hint}") from error


def train_denoiser(
    data: str | os.PathLike | None, out: str | os.PathLike, config: TrainConfig, *, strategy=None, verbose: int = 2
) -> keras.Model:
    """The denoiser recipe: :func:`fit` with :func:`lolenhance.models.build_denoiser`.

    Parameters
    ----------
    data : str, path-like or None
        Data root (see :func:`lolenhance.data.resolve_root`); its ``train`` split is used.
    out : str or path-like
        Run folder (see :func:`fit`).
    config : TrainConfig
    strategy : tf.distribute.Strategy, optional
    verbose : int

    Returns
    -------
    keras.Model
    """
    # Keras and TensorFlow load when a training starts, so `lolenhance --help` stays fast
    from lolenhance.models import DENOISER_WIDTHS, build_denoiser
    from lolenhance.models.losses import l1_ssim_loss

    if config.denoiser_width not in DENOISER_WIDTHS:
        raise ValueError(f"denoiser_width must be one of {sorted(DENOISER_WIDTHS)}, got {config.denoiser_width!r}")

    def build() -> keras.Model:
        model = build_denoiser(DENOISER_WIDTHS[config.denoiser_width])
        if config.init_weights:
            _load_init_weights(model, config.init_weights, f"{config.denoiser_width!r} denoiser")
        return model

    pairs = list_pairs(data, "train")
    train_pairs, val_pairs = config.split(pairs)
    return fit(
        build,
        l1_ssim_loss(config.ssim_weight),
        train_pairs,
        val_pairs,
        out,
        config,
        predict=lambda model, low: inference.denoise(low, model),
        strategy=strategy,
        verbose=verbose,
    )


def train_curves(
    kind: str, data: str | os.PathLike | None, out: str | os.PathLike, config: TrainConfig, *, strategy=None,
    verbose: int = 2,
) -> keras.Model:
    """The DCE-Net recipes: ``"curve"`` (supervised, :func:`lolenhance.models.losses.mse_ssim_loss` with
    ``config.ssim_weight``, a random iteration count per batch with an exposure-graded target, see
    :func:`lolenhance.pipeline.with_iteration_counts`) or ``"zero-dce"`` (the four zero-reference
    losses; the high images are never used).

    Parameters
    ----------
    kind : {"curve", "zero-dce"}
    data, out, config, strategy, verbose
        As :func:`train_denoiser`.

    Returns
    -------
    keras.Model
        The :class:`lolenhance.models.CurveEnhancer`; its ``net`` holds the DCE-Net.
    """
    from lolenhance.models import CurveEnhancer
    from lolenhance.models.dce_net import transplant_reading
    from lolenhance.models.losses import mse_ssim_loss

    if config.transplant_reading and kind != "curve":
        raise ValueError("transplant_reading is for the curve net, which is told the exposure")

    def build() -> keras.Model:
        model = CurveEnhancer(kind, exposure_features=config.exposure_features)
        if config.init_weights and config.transplant_reading:
            source = load_weights_file("curve", config.init_weights)
            transplant_reading(source, model.net)
        elif config.init_weights:
            described = f"{kind} net told {config.exposure_features!r}" if kind == "curve" else f"{kind} net"
            _load_init_weights(model.net, config.init_weights, described, hint="; from a curve net told another "
                               "reading, --transplant-reading" if kind == "curve" else "")
        return model

    pairs = list_pairs(data, "train")
    train_pairs, val_pairs = config.split(pairs)
    return fit(
        build,
        mse_ssim_loss(config.ssim_weight) if kind == "curve" else None,
        train_pairs,
        val_pairs,
        out,
        config,
        predict=lambda model, low: inference.enhance_curves(
            low, kind, model=model.net, scale=ESTIMATION_SCALE if kind == "curve" else 1.0),
        strategy=strategy,
        verbose=verbose,
        with_exposure=kind == "curve",
        iteration_counts=kind == "curve",
    )


def load_checkpoint(model_kind: str, path: str | os.PathLike) -> keras.Model:
    """The inference network held in a run's checkpoint (``best.weights.h5`` / ``last.weights.h5``).

    Parameters
    ----------
    model_kind : {"denoiser", "curve", "zero-dce"}
    path : str or path-like
        Weights saved by :func:`fit`: the denoiser itself, or the
        :class:`lolenhance.models.CurveEnhancer` training model around a DCE-Net.

    Returns
    -------
    keras.Model
        The network :mod:`lolenhance.inference` runs (for the curve models, the enhancer's ``net``).
    """
    from lolenhance.models import DENOISER_WIDTHS, CurveEnhancer, build_denoiser

    if model_kind == "denoiser":
        # a checkpoint does not say its widths: only one preset's shapes fit
        return pretrained.first_that_loads([partial(build_denoiser, widths) for widths in DENOISER_WIDTHS.values()], path)
    # a checkpoint does not say what its net was told: each reading is tried until the shapes fit
    readings = EXPOSURE_FEATURES if model_kind == "curve" else ("mean",)
    enhancer = pretrained.first_that_loads(
        [partial(CurveEnhancer, model_kind, exposure_features=features) for features in readings], path)
    return enhancer.net


def load_weights_file(model_kind: str, path: str | os.PathLike) -> keras.Model:
    """The inference network in a weights file: shipped-style inference weights or a run's checkpoint.

    Parameters
    ----------
    model_kind : {"denoiser", "curve", "zero-dce"}
    path : str or path-like
        Inference weights (:func:`lolenhance.pretrained.load`), else a checkpoint of :func:`fit`
        (:func:`load_checkpoint`; for the denoiser the two are the same file format).

    Returns
    -------
    keras.Model

    Raises
    ------
    lolenhance.pretrained.WeightsError
        Neither reading fits; the message names the file.
    """
    try:
        # a checkpoint is read as inference weights first (the warnings of that failed try are dropped)
        return pretrained.load(model_kind, path)
    except pretrained.WeightsError as first:
        if not pretrained.is_weights_file(path):  # missing, empty or not HDF5: no checkpoint either
            raise
        try:
            return load_checkpoint(model_kind, path)
        except Exception as error:  # Keras raises ValueError/KeyError/OSError depending on the mismatch
            raise pretrained.WeightsError(
                f"{first} (nor is it a {model_kind} training checkpoint: {pretrained.failure_summary(error)})") from error


def average_weights(model_kind: str, sources: list[tuple[str | os.PathLike, float]]) -> keras.Model:
    """A weighted average of networks fine-tuned from one start: a "model soup".

    Weights fine-tuned from the same starting point usually lie in one basin of the loss, so
    their average is a network of its own, often better than each of them on data unlike the
    training data (Wortsman et al., "Model soups", ICML 2022); averaging a fine-tuned network with
    its start trades what the fine-tuning gained against what it lost, often better than either
    end on both (WiSE-FT: Wortsman et al., "Robust fine-tuning of zero-shot models", CVPR 2022).
    Every tensor, including normalisation statistics, is averaged with the same coefficients.

    Parameters
    ----------
    model_kind : {"denoiser", "curve", "zero-dce"}
    sources : list of (path, coefficient)
        Weights files (:func:`load_weights_file`) and their coefficients: each >= 0, summing to 1.

    Returns
    -------
    keras.Model
        A fresh inference network holding the average.

    Raises
    ------
    ValueError
        Fewer than two sources, a negative coefficient, coefficients not summing to 1, or two
        files whose networks differ in architecture (the message names the file).
    """
    if len(sources) < 2:
        raise ValueError(f"a weight average needs at least two weights files, got {len(sources)}")
    coefficients = np.array([float(coefficient) for _, coefficient in sources])
    if np.any(coefficients < 0) or abs(coefficients.sum() - 1.0) > 1e-6:
        raise ValueError(f"coefficients must be >= 0 and sum to 1, got {coefficients.tolist()}")
    nets = [load_weights_file(model_kind, path) for path, _ in sources]
    first = [w.shape for w in nets[0].get_weights()]
    for (path, _), net in zip(sources[1:], nets[1:], strict=True):
        shapes = [w.shape for w in net.get_weights()]
        if [len(net.inputs), shapes] != [len(nets[0].inputs), first]:
            raise ValueError(f"{path}: its {model_kind} network differs in architecture from {sources[0][0]}'s "
                             f"({len(shapes)} tensors, inputs {len(net.inputs)}; expected {len(first)}, "
                             f"inputs {len(nets[0].inputs)})")
    tensors = zip(*(net.get_weights() for net in nets), strict=True)
    # float64 sums, so the average of identical networks is that network to the last bit of float32
    nets[0].set_weights([np.sum([c * t.astype(np.float64) for c, t in zip(coefficients, group, strict=True)], axis=0)
                         .astype(group[0].dtype) for group in tensors])
    return nets[0]


def tail_average(model_kind: str, run_dir: str | os.PathLike, count: int) -> keras.Model:
    """The equal average of the last ``count`` epochs' weights of a ``keep_epochs`` run.

    Parameters
    ----------
    model_kind : {"denoiser", "curve", "zero-dce"}
    run_dir : str or path-like
        A :func:`fit` run folder trained with ``keep_epochs``.
    count : int
        How many of the last kept epochs to average (>= 2).

    Returns
    -------
    keras.Model
        The inference network holding the average (:func:`average_weights`).
    """
    return load_run_checkpoint(model_kind, run_dir, f"tail:{count}")[0]


def load_run_checkpoint(model_kind: str, run_dir: str | os.PathLike,
                        checkpoint: str = "best") -> tuple[keras.Model, list[int] | None]:
    """The inference network a run's checkpoint names, and the epochs it averages (None for one checkpoint).

    Parameters
    ----------
    model_kind : {"denoiser", "curve", "zero-dce"}
    run_dir : str or path-like
        A :func:`fit` run folder.
    checkpoint : {"best", "last"} or "tail:K"
        ``best.weights.h5``, ``last.weights.h5``, or the equal average of the last K epochs of a
        ``keep_epochs`` run (:func:`tail_average`).

    Returns
    -------
    net : keras.Model
    averaged_epochs : list of int or None

    Raises
    ------
    ValueError
        Any other ``checkpoint``, or fewer kept epochs than K (:func:`tail_epochs`).
    """
    if checkpoint in ("best", "last"):
        return load_checkpoint(model_kind, Path(run_dir) / f"{checkpoint}.weights.h5"), None
    if not (checkpoint.startswith("tail:") and checkpoint[5:].isdigit()):
        raise ValueError(f"checkpoint must be 'best', 'last' or 'tail:K' (K an integer), got {checkpoint!r}")
    epochs = tail_epochs(run_dir, int(checkpoint[5:]))
    return average_weights(model_kind, [(epoch_weights(run_dir, epoch), 1 / len(epochs)) for epoch in epochs]), epochs


def export_weights(model_kind: str, run_dir: str | os.PathLike, dest: str | os.PathLike | None = None,
                   extra: dict | None = None, checkpoint: str = "best") -> Path:
    """Ship a run's best weights into the package: ``<kind>.weights.h5``, ``.json``, ``_history.csv``.

    Parameters
    ----------
    model_kind : {"denoiser", "curve", "zero-dce"}
    run_dir : str or path-like
        A finished :func:`fit` run folder (``best.weights.h5``, ``history.csv``, ``run.json``).
    dest : str, path-like or None
        Default: ``lolenhance/weights/``.
    extra : dict, optional
        More fields for the JSON record (e.g. measured test metrics).
    checkpoint : {"best", "last"} or "tail:K"
        Which of the run's checkpoints to ship: the best validation epoch (``best.weights.h5``),
        the last epoch (``last.weights.h5``, e.g. when a later selection rule prefers it), or the
        equal average of the last K epochs of a ``keep_epochs`` run (:func:`tail_average`); the
        record's ``shipped_checkpoint``, ``best_epoch`` and ``best_val_psnr`` say which, and
        ``averaged_epochs`` which epochs a tail average holds.

    Returns
    -------
    Path
        The written weights file (inference network only).
    """
    run_dir = Path(run_dir)
    dest = Path(dest) if dest is not None else Path(__file__).resolve().parent / "weights"
    stem = model_kind.replace("-", "_")
    net, averaged = load_run_checkpoint(model_kind, run_dir, checkpoint)
    target = dest / f"{stem}.weights.h5"
    net.save_weights(target)
    shutil.copyfile(run_dir / "history.csv", dest / f"{stem}_history.csv")
    record = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").exists() else {}
    best = json.loads((run_dir / "best.json").read_text())
    record.update({"params": net.count_params(), "shipped_checkpoint": checkpoint, "best_epoch": best["epoch"],
                   "best_val_psnr": best["val_psnr"], **({"averaged_epochs": averaged} if averaged else {}),
                   **(extra or {})})
    (dest / f"{stem}.json").write_text(json.dumps(record, indent=2) + "\n")
    return target


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the training options (one per :class:`TrainConfig` field) to ``parser``."""
    parser.add_argument("model", choices=["denoiser", "curve", "zero-dce"], help="what to train")
    parser.add_argument("--data", help="data root (default: $LOL_ROOT, else the embedded set)")
    parser.add_argument("--out", required=True, help="run folder; re-running with it resumes")
    defaults = TrainConfig()
    for name, value in asdict(defaults).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool) and not value:
            parser.add_argument(flag, dest=name, action="store_true", help=f"enable {name}")
        elif isinstance(value, bool):
            parser.add_argument(f"--no-{name.replace('_', '-')}", dest=name, action="store_false", help=f"disable {name}")
        elif name == "init_weights":
            parser.add_argument(flag, default=None, help="start from these weights (fine-tuning)")
        elif name == "exposure_features":
            parser.add_argument(flag, choices=sorted(EXPOSURE_FEATURES), default=value, help=f"default {value}")
        elif name == "denoiser_width":
            parser.add_argument(flag, choices=["base", "wide"], default=value,
                                help=f"denoiser only: channel widths (models.denoiser.DENOISER_WIDTHS), default {value}")
        else:
            kind = float if isinstance(value, float) or name == "max_minutes" else int
            parser.add_argument(flag, type=kind, default=value, help=f"default {value}")


def config_from_arguments(args: argparse.Namespace) -> TrainConfig:
    """The :class:`TrainConfig` that options parsed by :func:`add_arguments` describe."""
    return TrainConfig(**{name: getattr(args, name) for name in asdict(TrainConfig())})


def run(args: argparse.Namespace) -> int:
    """Run a training from parsed arguments; writes ``run.json`` (command, time, the commit it started from).

    A run paused by ``--max-minutes`` and finished by the same command again reports the wall time
    of all its calls.
    """
    config = config_from_arguments(args)
    record_file = Path(args.out) / "run.json"
    earlier_minutes = json.loads(record_file.read_text())["wall_minutes"] if record_file.exists() else 0.0
    start = time.time()
    # the code the run starts from: HEAD may move on while a long run trains
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    if args.model == "denoiser":
        train_denoiser(args.data, args.out, config)
    else:
        train_curves(args.model, args.data, args.out, config)
    record = {
        "model": args.model,
        "command": " ".join(["python -m lolenhance.train", *sys.argv[1:]]) if __name__ == "__main__" else " ".join(sys.argv),
        "data": str(args.data),
        "wall_minutes": round(earlier_minutes + (time.time() - start) / 60, 1),
        "git_commit": commit or None,
        "config": asdict(config),
        "synthesis": asdict(synthesis) if (synthesis := config.synthesis()) is not None else None,
    }
    record_file.write_text(json.dumps(record, indent=2))
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    main_parser = argparse.ArgumentParser(prog="python -m lolenhance.train", description="Train a model on LOL.")
    add_arguments(main_parser)
    sys.exit(run(main_parser.parse_args()))
