"""Score weights on a training run's held-out Train images: real pairs and the exposure sweep.

Compares the weights a stage started from with the stage's best checkpoint (or ``--checkpoint
last``) on that stage's own validation split (``split_train_val`` with the run's seed), never on
Test: PSNR on the held-out real LOL pairs, and on their high images darkened by
:func:`lolenhance.robustness.exposure_sweep` at r = 1 (do no harm) … 64 with noise seed 7. The
numbers under ``validation_sweep_psnr_db`` in the weights cards come from it. Then the score ``fit``
selects on now (:func:`lolenhance.train.validation_score` on
:func:`lolenhance.train.synthetic_validation` of the run's synthesis), whatever the stage was
selected on. Last, the illuminant sweep (:func:`lolenhance.robustness.evaluate_illuminants`, noise
seed 7): PSNR and colour error of the held-out high images under tungsten, fluorescent and shade
light, well exposed and darkened. And how sure the real pairs' change is: the stage's PSNR minus the
start's, image by image, with a 90 % bootstrap interval of its mean (14 pairs decide little: a
stage whose interval straddles a rule's margin has not shown it keeps LOL). It first says how
many of the held-out pairs an earlier stage of the shipped lineage trained on
(:func:`lolenhance.train.pairs_trained_on`): for weights fine-tuned from that lineage, those pairs
are not held out. Both are run by the architecture as it is now (a curve net with its threshold, whatever
it was trained with)::

    python tools/validation_sweep.py denoiser runs/denoiser_v5 runs/denoiser_v4.weights.h5
"""

import argparse
import json

import numpy as np
from scipy import stats

from lolenhance import inference, pretrained, robustness, train
from lolenhance.data import list_pairs, load_pairs, scene_groups
from lolenhance.metrics import psnr


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
    interval = stats.bootstrap((change,), np.mean, confidence_level=0.9, n_resamples=10_000,
                               method="percentile", random_state=seed).confidence_interval
    return float(change.mean()), float(interval.low), float(interval.high)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["denoiser", "curve", "zero-dce"])
    parser.add_argument("run", help="the stage's run folder (config.json, best.weights.h5)")
    parser.add_argument("start", help="the inference weights the stage started from")
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--checkpoint", choices=["best", "last"], default="best", help="the stage's checkpoint to score")
    parser.add_argument("--real-only", action="store_true", help="only the real pairs and their change (no sweeps)")
    parser.add_argument("--weights", nargs="+", metavar="WEIGHTS",
                        help="score these weights files (inference weights or checkpoints, e.g. averages made by "
                             "tools/weight_soup.py) instead of the run's checkpoint, each against the start, on the "
                             "run's split and synthesis")
    args = parser.parse_args()
    config = train.TrainConfig(**json.load(open(f"{args.run}/config.json")))
    pairs = list_pairs(args.data, "train")
    _, val = train.split_train_val(pairs, config.val_pairs, config.validation_seed,
                                   scene_groups(pairs) if config.split_by_scene else None)
    lows, highs = load_pairs(val)
    # a start fine-tuned from the shipped lineage inherits what every earlier stage trained on
    seen = {pair.name for pair in train.pairs_trained_on(pretrained.card(args.kind), pairs)}
    print(f"{sum(pair.name in seen for pair in val)} of {len(val)} held-out pairs were trained on by a stage of the "
          f"shipped {args.kind}'s lineage (its card): for weights of that lineage their PSNR is partly recall", flush=True)
    sweep = robustness.exposure_sweep(highs, (1, *robustness.SWEEP_RATIOS), seed=7)
    synthesis = config.synthesis()
    selection = None if synthesis is None else train.synthetic_validation(list(highs), synthesis, config.validation_seed)
    candidates = args.weights or [f"{args.run}/{args.checkpoint}.weights.h5"]
    names = ["start", *(args.weights or [f"stage {args.checkpoint}"])]
    per_image = {}
    for name, path in zip(names, [args.start, *candidates], strict=True):
        enhance = predictor(args.kind, train.load_weights_file(args.kind, path))
        per_image[name] = [psnr(enhance(low), high) for low, high in zip(lows, highs, strict=True)]
        real = float(np.mean(per_image[name]))
        if args.real_only:
            print(name, json.dumps({"real_pairs": round(real, 2)}), flush=True)
        else:
            row = {f"{ratio:g}": round(psnr([enhance(x) for x in xs], highs), 2) for ratio, xs in sweep.items()}
            row["real_pairs"] = round(real, 2)
            print(name, json.dumps(row), flush=True)
            if selection is not None:
                levels = {level: float(psnr([enhance(x) for x in level_lows], targets))
                          for level, (level_lows, targets) in selection.items()}
                print(f"{name}: selection score {train.validation_score(real, levels):.2f}",
                      json.dumps({f"{level:g}": round(value, 2) for level, value in levels.items()}), flush=True)
            lights = robustness.evaluate_illuminants({name: enhance}, highs, seed=7)[name]
            cells = {light.split(" (")[0]: {ratio: [round(s["psnr"], 2), round(s["colour_error"], 2)]
                                            for ratio, s in by_ratio.items()} for light, by_ratio in lights.items()}
            mean_colour = np.mean([s["colour_error"] for by_ratio in lights.values() for s in by_ratio.values()])
            print(f"{name}: illuminants (PSNR dB, colour error °)", json.dumps(cells),
                  f"mean colour error {mean_colour:.2f}°", flush=True)
        if name != "start":
            mean, low, high = real_pair_change(per_image["start"], per_image[name])
            worst = min(after - before for before, after in zip(per_image["start"], per_image[name], strict=True))
            print(f"real pairs, {name} - start, per image: mean {mean:+.2f} dB, 90 % bootstrap interval "
                  f"[{low:+.2f}, {high:+.2f}] over {len(lows)} pairs, worst image {worst:+.2f} dB", flush=True)


if __name__ == "__main__":
    main()
