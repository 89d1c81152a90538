"""Calibrate the curve model's ``auto`` iteration count on Train, and write it into its card.

The count-conditioned curve model was trained so that n = 8 gives the well-exposed image. On the
scenes it was trained on it does (fitted on its own training split, below, the best count is 8 or 9
at every exposure up to 0.28); on scenes it has not seen it falls short by a margin that depends on
the input's exposure (at n = 8 its output is 8-21 % too dark on dim and dark held-out inputs, 4 %
too bright on well-exposed ones). ``auto`` corrects that: from the input's exposure alone it picks
the count that brought *unseen* images of that exposure closest to their references. So it is fitted
on the curve model's held-out validation split of Train (``split_train_val`` with the card's seed,
the split its checkpoint was chosen on): the real LOL pairs, and their high images darkened by the
capture model of :func:`lolenhance.robustness.darken` (a well-exposed scene taken r times darker,
shot and read noise, 8-bit sRGB) at every octave r = 1 … 64 (r = 1: the image itself, where the
right count leaves it alone), with noise drawn apart from the validation sweep's. Test is never
used. The numbers this script prints on those pairs are therefore in-sample; LOL-v2 real Test, in
the benchmark, is the out-of-sample check.

Earlier fits, kept under ``runs/`` (git-ignored) with their scores: on the training split with the
same darkening (``runs/auto_trainsplit``, 173 inputs: counts 8-9 below exposure 0.28, the model's
own scenes) and on the training synthesis (``runs/auto_trainsynth``).

Two steps, the first one resumable and shardable over processes::

    python tools/calibrate_auto_count.py score --shard 0/2 &   # per-image PSNR at every count
    python tools/calibrate_auto_count.py score --shard 1/2
    python tools/calibrate_auto_count.py fit --write           # bins, counts -> curve.json

The scores go to ``runs/auto/`` (git-ignored); ``fit`` prints the table and, per set, the PSNR at
n = 8 and auto on those pairs (the validation sweep's noise seed, 7).
"""

import argparse
import glob
import json
import os

import numpy as np

from lolenhance import curves, evaluation, inference, pretrained, robustness, train
from lolenhance.data import list_pairs, load_pairs
from lolenhance.metrics import psnr

COUNTS = tuple(range(3, 15))
RATIOS = (1, *robustness.SWEEP_RATIOS)
BIN_CHOICES = (2, 3, 4, 5, 6, 8)
OUT = "runs/auto"


def samples(data: str, seed: int):
    """``(name, low, reference)`` for every fitting sample: the held-out real pairs of the model's
    split, then their high images darkened by the sweep's capture model at every octave r = 1 … 64."""
    _, held_out = train.split_train_val(list_pairs(data, "train"), 14, seed)
    for index, pair in enumerate(held_out):
        (low,), (high,) = load_pairs([pair])
        yield f"real/{pair.low.name}", low, high
        for ratio in RATIOS:
            rng = np.random.default_rng([seed, 7919, index, ratio])
            yield f"r{ratio}/{pair.low.name}", robustness.darken(high, ratio, rng), high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["score", "fit"])
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--shard", default="0/1", help="i/k: score every k-th sample from the i-th")
    parser.add_argument("--bins", type=int, help="exposure bins of equal sample count (default: chosen by cross-validation)")
    parser.add_argument("--write", action="store_true", help="write the table into lolenhance/weights/curve.json")
    parser.add_argument("--scores", default=OUT, help="folder of the score files (default runs/auto)")
    args = parser.parse_args()
    card = pretrained.card("curve")
    seed = train.lineage_splits(card)[0].validation_seed  # the split the checkpoint was chosen on
    net = pretrained.load("curve")
    if args.step == "score":
        shard, shards = (int(part) for part in args.shard.split("/"))
        path = f"{OUT}/scores_{shard}of{shards}.json"
        try:
            done = json.load(open(path))
        except FileNotFoundError:
            done = {}
        for index, (name, low, reference) in enumerate(samples(args.data, seed)):
            if index % shards != shard or name in done:
                continue
            done[name] = {"exposure": curves.image_exposure(low).tolist(),
                          "psnr": {str(n): psnr(inference.enhance_curves(low, "curve", n, model=net), reference)
                                   for n in COUNTS}}
            json.dump(done, open(path + ".tmp", "w"))
            os.replace(path + ".tmp", path)
            print(index, name, flush=True)
        return
    scores = {}
    for path in sorted(glob.glob(f"{args.scores}/scores_*of*.json")):
        scores.update(json.load(open(path)))
    names = sorted(scores)
    exposures = np.array([scores[name]["exposure"] for name in names], np.float32)
    table_psnr = np.array([[scores[name]["psnr"][str(n)] for n in COUNTS] for name in names])
    # the number of bins: leave one scene out (its real pair and its whole sweep), fit on the
    # others, score the left-out scene at the counts that fit gives it; the training's selection score
    scenes = np.array([name.split("/")[1] for name in names])
    sets = np.array([name.split("/")[0] for name in names])
    cross_validated = {}
    for bins in BIN_CHOICES:
        got = np.zeros(len(names))
        for scene in np.unique(scenes):
            fit = evaluation.fit_auto_iterations(exposures[scenes != scene], table_psnr[scenes != scene], COUNTS, bins)
            for index in np.flatnonzero(scenes == scene):
                count = curves.auto_iterations(np.full((2, 2, 3), exposures[index].mean(), np.float32), fit)
                got[index] = table_psnr[index, COUNTS.index(count)]
        levels = {float(name[1:]): got[sets == name].mean() for name in sorted(set(sets) - {"real"})}
        cross_validated[bins] = round(train.validation_score(got[sets == "real"].mean(), levels), 3)
    at_8 = {float(name[1:]): table_psnr[sets == name, COUNTS.index(8)].mean() for name in sorted(set(sets) - {"real"})}
    score_at_8 = round(train.validation_score(table_psnr[sets == "real", COUNTS.index(8)].mean(), at_8), 3)
    print("selection score, leave one scene out, by bins:", cross_validated, f"(n = 8: {score_at_8})")
    bins = args.bins or max(cross_validated, key=cross_validated.__getitem__)
    table = evaluation.fit_auto_iterations(exposures, table_psnr, COUNTS, bins=bins)
    print(f"{len(names)} samples ({sum(n.startswith('real') for n in names)} real), {bins} bins:", json.dumps(table))
    # on the fit's own pairs (in-sample): the validation pairs and their high images, the sweep's noise
    pairs = list_pairs(args.data, "train")
    _, val = train.split_train_val(pairs, 14, seed)
    lows, highs = load_pairs(val)
    check_inputs = {"real pairs": lows, **{f"r = {r:g}": xs for r, xs in
                                           robustness.exposure_sweep(highs, RATIOS, seed=7).items()}}
    checks = {}
    for label, xs in check_inputs.items():
        fixed = psnr([inference.enhance_curves(x, "curve", 8, model=net) for x in xs], highs)
        auto = psnr([inference.enhance_curves(x, "curve", "auto", model=net, auto_table=table) for x in xs], highs)
        checks[label] = {"psnr_n_8": round(fixed, 2), "psnr_auto": round(auto, 2)}  # in-sample
        print(f"held-out {label}: n = 8 {fixed:.2f} dB, auto {auto:.2f} dB", flush=True)
    if args.write:
        path = pretrained.WEIGHTS_DIR / "curve.json"
        full = json.load(open(path))
        full["auto_iterations"] = {**table, "fitted_on": (
            f"{len(names)} inputs from the curve model's held-out validation split of LOL-v2 real Train "
            f"(split_train_val seed {seed}, 14 pairs): the real pairs, and their high images darkened by "
            "robustness.darken at r = 1, 2, 4 ... 64; Test never used"),
            "bins_chosen_by": "train.validation_score of the held-out pairs, leaving one scene out at a time",
            "cross_validated_selection_score_by_bins": cross_validated, "selection_score_at_n_8": score_at_8,
            "command": "python tools/calibrate_auto_count.py score && python tools/calibrate_auto_count.py fit --write",
            "in_sample_check": checks}
        json.dump(full, open(path, "w"), indent=2, ensure_ascii=False)
        open(path, "a").write("\n")


if __name__ == "__main__":
    main()
