"""Score weights on a training run's held-out Train images: real pairs and the exposure sweep.

Compares the weights a stage started from with the stage's best checkpoint (or ``--checkpoint
last``, or ``tail:K``: the equal average of the last K epochs of a ``--keep-epochs`` run) on that
stage's own validation split (``split_train_val`` with the run's seed), never on Test: PSNR on the
held-out real LOL pairs, and on their high images darkened by
:func:`lolenhance.robustness.exposure_sweep` at r = 1 (do no harm) … 64 with noise seed 7. The
numbers under ``validation_sweep_psnr_db`` in the weights cards come from it. Then the score ``fit``
selects on now (:func:`lolenhance.train.validation_score` on
:func:`lolenhance.train.synthetic_validation` of the run's synthesis), whatever the stage was
selected on. For Zero-DCE, how far that sweep is from the official weights' (:data:`OFFICIAL_ZERO_DCE_SWEEP`).
Last, the illuminant sweep (:func:`lolenhance.robustness.evaluate_illuminants`, noise
seed 7): PSNR and colour error of the held-out high images under tungsten, fluorescent and shade
light, well exposed and darkened. And how sure the real pairs' change is: the stage's PSNR minus the
start's, image by image, with a 90 % bootstrap interval of its mean (14 pairs decide little: a
stage whose interval straddles a rule's margin has not shown it keeps LOL). It first says how
many of the held-out pairs an earlier stage of the shipped lineage trained on
(:func:`lolenhance.train.pairs_trained_on`): for weights fine-tuned from that lineage, those pairs
are not held out. Both are run by the architecture as it is now (a curve net with its threshold, whatever
it was trained with)::

    python tools/validation_sweep.py denoiser runs/denoiser_v5 runs/denoiser_v4.weights.h5

RUN may also be a weights card (``lolenhance/weights/denoiser.json``): its ``config`` stands in for
the run's, so weights made without a run folder (``--weights``) are scored on a shipped stage's
split and synthesis. ``--split-seed`` holds out another split with that synthesis, e.g. the split
of an earlier stage whose weights never trained on it.
"""

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from lolenhance import evaluation, inference, pretrained, robustness, train
from lolenhance.data import list_pairs, load_pairs
from lolenhance.metrics import psnr

#: The official Zero-DCE weights (Guo et al., CVPR 2020) on LOL-v2 real Test's Normal images darkened
#: r times, PSNR dB, as issue 14 measured them (with a generator like ours): the target a Zero-DCE
#: trained as published is compared with. Train's held-out images stand in for Test, which no rule reads.
OFFICIAL_ZERO_DCE_SWEEP = {"1": 13.9, "2": 16.1, "4": 17.5, "8": 17.9, "16": 16.2, "32": 13.4}


def predictor(kind: str, net):
    """``image -> enhanced`` as the training run's validation does it."""
    if kind == "denoiser":
        return lambda image: inference.denoise(image, net)
    return lambda image: inference.enhance_curves(image, kind, model=net)


def real_pair_change(before: list[float], after: list[float], seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``after - before`` (per image, dB) and its 90 % percentile-bootstrap interval.

    >>> mean, low, high = real_pair_change([20.0, 22.0, 24.0, 26.0], [21.0, 22.5, 24.0, 27.5])
    >>> mean, low <= mean <= high
    (0.75, True)
    """
    change = np.asarray(after, float) - np.asarray(before, float)
    low, high = evaluation.mean_interval(change, seed=seed)
    return float(change.mean()), low, high


def lineage_note(kind: str, pairs: list, held_out: list) -> str:
    """How many of ``held_out`` some stage of the shipped ``kind``'s lineage trained on (its card's splits)."""
    try:
        seen = {pair.name for pair in train.pairs_trained_on(pretrained.card(kind), pairs)}
    except ValueError as error:  # other data than the card's: its splits do not apply
        return f"the shipped {kind}'s lineage does not apply to this data ({error})"
    return (f"{sum(pair.name in seen for pair in held_out)} of {len(held_out)} held-out pairs were trained on by a stage "
            f"of the shipped {kind}'s lineage (its card): for weights of that lineage their PSNR is partly recall")


def score(kind: str, weights, lows: list, highs: list, sweep: dict, selection: dict | None,
          real_only: bool = False) -> dict:
    """Everything the rules read, for one weights file (or an already loaded network) on one split's
    held-out images.

    ``{"real": per-pair PSNRs}``, and unless ``real_only``: ``"sweep"`` (PSNR per darkening r),
    ``"levels"`` (the selection sweep's PSNR per level, or None), ``"illuminants"`` (light → r →
    ``[PSNR, colour error]``), each a mean over the images.
    """
    enhance = predictor(kind, train.load_weights_file(kind, weights) if isinstance(weights, str) else weights)
    result: dict = {"real": [psnr(enhance(low), high) for low, high in zip(lows, highs, strict=True)]}
    if real_only:
        return result
    result["sweep"] = {f"{ratio:g}": psnr([enhance(x) for x in xs], highs) for ratio, xs in sweep.items()}
    result["levels"] = None if selection is None else {
        level: float(psnr([enhance(x) for x in level_lows], targets)) for level, (level_lows, targets) in selection.items()}
    lights = robustness.evaluate_illuminants({"weights": enhance}, highs, seed=7)["weights"]
    result["illuminants"] = {light.split(" (")[0]: {ratio: [s["psnr"], s["colour_error"]] for ratio, s in by_ratio.items()}
                             for light, by_ratio in lights.items()}
    return result


def held_out_sets(config: train.TrainConfig, highs: list) -> tuple[dict, dict | None]:
    """The sweeps a split's high images are scored on: the exposure sweep (r = 1 … 64, noise seed 7)
    and the run's own selection sweep (None without synthesis)."""
    sweep = robustness.exposure_sweep(highs, (1, *robustness.SWEEP_RATIOS), seed=7)
    synthesis = config.synthesis()
    return sweep, None if synthesis is None else train.synthetic_validation(list(highs), synthesis, config.validation_seed)


def summary(result: dict, before: dict | None = None) -> dict:
    """A result as the rules read it (and ``--json`` writes it): means, the selection score, and the
    real pairs' change from ``before`` (mean, 90 % bootstrap interval, worst pair)."""
    real = float(np.mean(result["real"]))
    out: dict = {"real_pairs": real, "real_per_pair": result["real"]}
    if "sweep" in result:
        cells = result["illuminants"]
        out.update(sweep=result["sweep"], illuminants=cells,
                   illuminant_mean_colour_error=float(np.mean([c[1] for by in cells.values() for c in by.values()])))
        if result["levels"] is not None:
            out["selection_levels"] = {f"{level:g}": value for level, value in result["levels"].items()}
            out["selection_score"] = train.validation_score(real, result["levels"])
    if before is not None:
        mean, low, high = real_pair_change(before["real"], result["real"])
        out["real_pair_change"] = {"mean": mean, "interval_90": [low, high],
                                   "worst_pair": min(b - a for a, b in zip(before["real"], result["real"], strict=True))}
    return out


def official_gap(sweep: dict) -> dict:
    """How far a Zero-DCE's sweep is from :data:`OFFICIAL_ZERO_DCE_SWEEP`: ``|PSNR - official|`` per r,
    their sum and the largest.

    >>> gap = official_gap({"1": 12.9, "2": 16.6, "4": 17.5, "8": 18.9, "16": 16.2, "32": 11.4, "64": 9.0})
    >>> gap["per_ratio"]["32"], round(gap["sum"], 2), gap["largest"]
    (2.0, 4.5, 2.0)
    """
    per_ratio = {ratio: round(abs(sweep[ratio] - target), 4) for ratio, target in OFFICIAL_ZERO_DCE_SWEEP.items()}
    return {"per_ratio": per_ratio, "sum": sum(per_ratio.values()), "largest": max(per_ratio.values())}


def report(name: str, scores: dict) -> None:
    """Print one weights file's :func:`summary` (the lines the cards' numbers are copied from)."""
    real = round(scores["real_pairs"], 2)
    if "sweep" not in scores:
        print(name, json.dumps({"real_pairs": real}), flush=True)
    else:
        print(name, json.dumps({**{r: round(v, 2) for r, v in scores["sweep"].items()}, "real_pairs": real}), flush=True)
        if "selection_score" in scores:
            print(f"{name}: selection score {scores['selection_score']:.2f}",
                  json.dumps({level: round(value, 2) for level, value in scores["selection_levels"].items()}), flush=True)
        print(f"{name}: illuminants (PSNR dB, colour error °)",
              json.dumps({light: {r: [round(v, 2) for v in cell] for r, cell in by_ratio.items()}
                          for light, by_ratio in scores["illuminants"].items()}),
              f"mean colour error {scores['illuminant_mean_colour_error']:.2f}°", flush=True)
        if "official_gap" in scores:
            gap = scores["official_gap"]
            print(f"{name}: |PSNR - official Zero-DCE| per r", json.dumps({r: round(v, 2) for r, v in gap["per_ratio"].items()}),
                  f"sum {gap['sum']:.2f}, largest {gap['largest']:.2f} dB", flush=True)
    if "real_pair_change" in scores:
        change = scores["real_pair_change"]
        low, high = change["interval_90"]
        print(f"real pairs, {name} - start, per image: mean {change['mean']:+.2f} dB, 90 % bootstrap interval "
              f"[{low:+.2f}, {high:+.2f}] over {len(scores['real_per_pair'])} pairs, worst image "
              f"{change['worst_pair']:+.2f} dB", flush=True)


def run_config(run: str, split_seed: int | None = None) -> train.TrainConfig:
    """The training config a run folder's ``config.json`` or a weights card's ``config`` records.

    Parameters
    ----------
    run : str
        A run folder, or a weights card (``.json``) whose ``config`` holds a stage's config.
    split_seed : int, optional
        Hold out this seed's split (:attr:`lolenhance.train.TrainConfig.validation_seed`) instead.

    Returns
    -------
    TrainConfig
    """
    path = Path(run)
    if path.suffix == ".json":
        recorded = json.loads(path.read_text()).get("config")
        if not isinstance(recorded, dict):
            raise ValueError(f"{path}: a weights card without a 'config' (the stage's TrainConfig) to score on")
    else:
        recorded = json.loads((path / "config.json").read_text())
    config = train.TrainConfig(**recorded)
    return config if split_seed is None else dataclasses.replace(config, split_seed=split_seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["denoiser", "curve", "zero-dce"])
    parser.add_argument("run", help="the stage's run folder (config.json, best.weights.h5), or a weights card "
                                    "(its config; with --weights)")
    parser.add_argument("start", help="the inference weights the stage started from")
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--checkpoint", default="best",
                        help="the stage's checkpoint to score: best, last, or tail:K, the equal average of the last K "
                             "epochs of a run trained with --keep-epochs (train.tail_average)")
    parser.add_argument("--real-only", action="store_true", help="only the real pairs and their change (no sweeps)")
    parser.add_argument("--weights", nargs="+", metavar="WEIGHTS",
                        help="score these weights files (inference weights or checkpoints, e.g. averages made by "
                             "tools/weight_soup.py) instead of the run's checkpoint, each against the start, on the "
                             "run's split and synthesis")
    parser.add_argument("--split-seed", type=int, help="hold out this seed's split instead of the run's")
    parser.add_argument("--json", help="also write every score here (per pair, per level, per light) for a card")
    args = parser.parse_args()
    if args.run.endswith(".json") and not args.weights:
        parser.error(f"{args.run}: a weights card has no checkpoints; name the weights to score with --weights")
    checkpoint, described = f"{args.run}/{args.checkpoint}.weights.h5", None
    if not args.weights and args.checkpoint.startswith("tail"):
        try:
            checkpoint, averaged = train.load_run_checkpoint(args.kind, args.run, args.checkpoint)
        except ValueError as error:
            parser.error(str(error))
        described = f"{args.run}/epochs {averaged} (equal average)"
    elif args.checkpoint not in ("best", "last"):
        parser.error(f"--checkpoint must be best, last or tail:K, got {args.checkpoint!r}")
    try:
        config = run_config(args.run, args.split_seed)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    pairs = list_pairs(args.data, "train")
    _, val = config.split(pairs)
    lows, highs = load_pairs(val)
    # a start fine-tuned from the shipped lineage inherits what every earlier stage trained on
    print(lineage_note(args.kind, pairs, val), flush=True)
    sweep, selection = held_out_sets(config, highs)
    candidates = args.weights or [checkpoint]
    names = ["start", *(args.weights or [f"stage {args.checkpoint}"])]
    results, summaries = {}, {}
    for name, path in zip(names, [args.start, *candidates], strict=True):
        results[name] = score(args.kind, path, lows, highs, sweep, selection, args.real_only)
        summaries[name] = summary(results[name], None if name == "start" else results["start"])
        if args.kind == "zero-dce" and "sweep" in summaries[name]:
            summaries[name]["official_gap"] = official_gap(summaries[name]["sweep"])
        report(name, summaries[name])
    if args.json:
        sources = args.weights or [described or checkpoint]
        record = {"split_seed": config.validation_seed, "held_out_pairs": [pair.name for pair in val], "weights": dict(zip(names, [args.start, *sources])),
                  "scores": summaries}
        Path(args.json).write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
