"""Score a recipe by k-fold validation: its runs on every fold of Train against the weights they started from.

Each run trained with ``--folds K --fold k`` (one ``--split-seed`` for all) held out fold k; together
they score the recipe on every Train pair, each pair by a run that did not train on it in this
stage, so a rule's real-pair guard reads all pairs, not 14 (``tools/validation_sweep.py``'s
scores, pooled: real pairs per image, sweeps and illuminants as means over all held-out images)::

    python tools/kfold_score.py denoiser lolenhance/weights/denoiser.weights.h5 runs/kfold_den_f0 ... runs/kfold_den_f4

What ships after a k-fold decision is the average of the fold runs (``tools/weight_soup.py``, equal
coefficients): it has trained on every pair, so the k-fold score is the recipe's, not its own.

``--trained-pairs`` also scores every run on the real pairs it *trained* on, against the start.
When the start's lineage trained on every pair, a run that loses on its held-out pairs may be
forgetting what the start recalled, or paying the recipe's own cost: a loss on the pairs the run
trained on too is the recipe's cost; a gain there beside a loss on the held-out ones is forgetting.
"""

import argparse
import json
from pathlib import Path

import numpy as np
from validation_sweep import (  # tools/ is this script's folder, first on sys.path
    held_out_sets,
    lineage_note,
    report,
    score,
    summary,
)

from lolenhance import train
from lolenhance.data import list_pairs, load_pairs


def pooled(results: list[dict]) -> dict:
    """One result over all folds: per-image lists joined, means weighted by each fold's image count."""
    sizes = np.array([len(result["real"]) for result in results], float)
    weights = sizes / sizes.sum()
    out: dict = {"real": [value for result in results for value in result["real"]]}
    if "sweep" not in results[0]:
        return out
    out["sweep"] = {r: float(np.dot(weights, [res["sweep"][r] for res in results])) for r in results[0]["sweep"]}
    out["levels"] = None if results[0]["levels"] is None else {
        level: float(np.dot(weights, [res["levels"][level] for res in results])) for level in results[0]["levels"]}
    out["illuminants"] = {light: {r: [float(np.dot(weights, [res["illuminants"][light][r][i] for res in results]))
                                      for i in range(2)] for r in by_ratio} for light, by_ratio in results[0]["illuminants"].items()}
    return out


def trained_pairs_change(kind: str, start: str, runs: list[str], configs: list, pairs: list, checkpoint: str) -> dict:
    """Every run against ``start`` on the real pairs it trained on, pooled: per-pair change, interval, worst pair."""
    lows, highs = load_pairs(pairs)
    index = {pair.name: i for i, pair in enumerate(pairs)}  # every pair read once, then looked up per run
    start_real = score(kind, start, lows, highs, {}, None, real_only=True)["real"]
    before: list[float] = []
    after: list[float] = []
    by_run = []
    for run, config in zip(runs, configs, strict=True):
        trained = config.split(pairs)[0]
        run_lows, run_highs = [lows[index[p.name]] for p in trained], [highs[index[p.name]] for p in trained]
        after += score(kind, f"{run}/{checkpoint}.weights.h5", run_lows, run_highs, {}, None, real_only=True)["real"]
        before += [start_real[index[pair.name]] for pair in trained]
        by_run.append({"run": run, "pairs": len(trained), "start": float(np.mean(before[-len(trained):])),
                       "stage": float(np.mean(after[-len(trained):]))})
        print(f"fold {config.fold}: trained on {len(trained)} pairs, start {by_run[-1]['start']:.2f} dB, "
              f"stage {by_run[-1]['stage']:.2f} dB", flush=True)
    change = summary({"real": after}, {"real": before})["real_pair_change"]
    print(f"real pairs the runs trained on, stage - start, per pair (each pair once per run that trained on it, "
          f"{len(after)} in all): mean {change['mean']:+.2f} dB, 90 % bootstrap interval "
          f"[{change['interval_90'][0]:+.2f}, {change['interval_90'][1]:+.2f}], worst {change['worst_pair']:+.2f} dB",
          flush=True)
    return {"pairs_scored": len(after), "start_real_pairs": float(np.mean(before)),
            "stage_real_pairs": float(np.mean(after)), "real_pair_change": change, "by_run": by_run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["denoiser", "curve", "zero-dce"])
    parser.add_argument("start", help="the inference weights every fold run started from")
    parser.add_argument("runs", nargs="+", help="the run folders, one per fold")
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--checkpoint", choices=["best", "last"], default="best")
    parser.add_argument("--real-only", action="store_true")
    parser.add_argument("--json", help="also write the pooled scores here (as tools/validation_sweep.py --json)")
    parser.add_argument("--trained-pairs", action="store_true",
                        help="also score each run on the real pairs it trained on (see the module docstring)")
    args = parser.parse_args()
    configs = [train.TrainConfig(**json.load(open(f"{run}/config.json"))) for run in args.runs]
    shape = {(c.folds, c.validation_seed, c.split_by_scene) for c in configs}
    if len(shape) != 1 or configs[0].folds < 2 or sorted(c.fold for c in configs) != list(range(configs[0].folds)):
        raise SystemExit(f"the runs must be folds 0..K-1 of one k-fold split (same --folds, --split-seed, --split-by-scene); "
                         f"got {[(run, c.folds, c.fold, c.validation_seed, c.split_by_scene) for run, c in zip(args.runs, configs)]}")
    pairs = list_pairs(args.data, "train")
    print(lineage_note(args.kind, pairs, pairs), flush=True)
    by_fold: dict[str, list[dict]] = {"start": [], "stage": []}
    held_out: list[str] = []
    for run, config in zip(args.runs, configs, strict=True):
        val = config.split(pairs)[1]
        held_out += [pair.name for pair in val]
        lows, highs = load_pairs(val)
        sweep, selection = held_out_sets(config, highs)
        for name, path in (("start", args.start), ("stage", f"{run}/{args.checkpoint}.weights.h5")):
            by_fold[name].append(score(args.kind, path, lows, highs, sweep, selection, args.real_only))
        print(f"fold {config.fold}: {len(lows)} pairs, real pairs start {np.mean(by_fold['start'][-1]['real']):.2f} dB, "
              f"stage {np.mean(by_fold['stage'][-1]['real']):.2f} dB", flush=True)
    start, stage = pooled(by_fold["start"]), pooled(by_fold["stage"])
    scores = {"start": summary(start), "stage": summary(stage, start)}
    report("start", scores["start"])
    report(f"stage {args.checkpoint} ({len(configs)} folds)", scores["stage"])
    if args.trained_pairs:
        scores["trained_pairs"] = trained_pairs_change(args.kind, args.start, args.runs, configs, pairs, args.checkpoint)
    if args.json:
        record = {"held_out_pairs": held_out, "weights": {"start": args.start, "stage": args.runs}, "scores": scores}
        Path(args.json).write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
