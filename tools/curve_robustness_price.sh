#!/usr/bin/env bash
# What does robustness cost the curve model on LOL scenes it has never seen? Fresh curve models
# (random initialisation, no shipped lineage), one per CPU core, identical but for the training mix:
#   robust      half of every batch synthesised from Train highs (ratios 1-100, lights on the Planckian
#               locus 2700-12 000 K, one synthetic crop in five an identity pair), as the shipped stages;
#   lolonly     the real LOL pairs alone;
#   neutral     the robust mix under one near-neutral light (6504 K, no tint): its exposures without
#               its lights, which splits the price into what the exposures and what the lights cost;
#   robust_s12  the robust recipe from another seed (initialisation and crops): how far one seed moves it.
# All hold out the same 28 pairs, whole scenes (--split-seed 11 --val-pairs 28 --split-by-scene: the
# held-out scenes of tools/device/fresh_lineage.sh), which none trains on. Then the last checkpoints
# are scored on those pairs at n = 8 (tools/validation_sweep.py; the shipped weights are the "start"
# there, for reference only: their lineage trained on every Train pair), and each price below that
# two of them allow is written into runs/curve_robustness_price.json, with each run's command and wall
# time (benchmarks/results/curve_robustness_price.json is that file plus the readings fixed beforehand).
#   ARMS     the runs to train, at most two at a time (one per core; default "robust lolonly"); runs
#            already finished are kept and scored with them
#   MINUTES  wall budget of each run (default 75; a run that reaches it is paused, and the same
#            command finishes it); EPOCHS x STEPS  its schedule (default 6 x 600 steps of 8 crops)
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
recipe="--data ../shared/data/lol-real --epochs ${EPOCHS:-6} --steps-per-epoch ${STEPS:-600} --batch-size 8 \
--crop-size 128 --learning-rate 1e-3 --ssim-weight 0.1 --split-seed 11 --val-pairs 28 --split-by-scene \
--max-minutes ${MINUTES:-75}"
mix="--synthetic-share 0.5 --identity-share 0.2 --max-tint 0.1 --min-cct 2700 --max-cct 12000"
declare -A arm=(
    [robust]="--seed 11 $mix"
    [lolonly]="--seed 11"
    [neutral]="--seed 11 $mix --max-tint 0 --min-cct 6504 --max-cct 6504"
    [robust_s12]="--seed 12 $mix"
)
mkdir -p runs
core=0
for name in ${ARMS:-robust lolonly}; do
    taskset -c $core $PY -m lolenhance.train curve --out runs/cpu_cur_$name $recipe ${arm[$name]} \
        > runs/cpu_cur_$name.log 2>&1 &
    core=$(( (core + 1) % 2 ))
done
wait
scored=()
for name in robust lolonly neutral robust_s12; do
    [ -f runs/cpu_cur_$name/last.weights.h5 ] && scored+=(runs/cpu_cur_$name/last.weights.h5)
done
$PY tools/validation_sweep.py curve runs/cpu_cur_robust lolenhance/weights/curve.weights.h5 \
    --weights "${scored[@]}" --json runs/curve_robustness_price.json
# the prices: real-pair PSNR of one arm minus another's, pair by pair, mean and 90 % bootstrap interval
$PY - <<'PY'
import json

import numpy as np

from lolenhance.data import list_pairs, scene_groups
from lolenhance.evaluation import mean_interval

PRICES = {"price_of_robustness_db": ("lolonly", "robust", "lol-only minus robust"),
          "price_of_the_exposures_db": ("lolonly", "neutral", "lol-only minus neutral (the exposure mix, one light)"),
          "price_of_the_lights_db": ("neutral", "robust", "neutral minus robust (the lights on the locus)"),
          "seed_difference_db": ("robust_s12", "robust", "robust from seed 12 minus robust from seed 11")}
record = json.load(open("runs/curve_robustness_price.json"))
scores = {path.split("/")[1][len("cpu_cur_"):]: value for path, value in record["scores"].items() if path != "start"}
# sibling captures of one scene make a pair bootstrap too narrow: resample whole scenes as well
train_pairs = list_pairs("../shared/data/lol-real", "train")
group_of = dict(zip((pair.name for pair in train_pairs), scene_groups(train_pairs)))
groups = np.array([group_of[name] for name in record["held_out_pairs"]])
for key, (minuend, subtrahend, what) in PRICES.items():
    if minuend not in scores or subtrahend not in scores:
        continue
    price = np.array(scores[minuend]["real_per_pair"]) - np.array(scores[subtrahend]["real_per_pair"])
    low, high = mean_interval(price.tolist(), seed=0)
    by_scene = [price[groups == group] for group in sorted(set(groups))]
    rng = np.random.default_rng(0)
    means = [np.concatenate([by_scene[i] for i in rng.integers(0, len(by_scene), len(by_scene))]).mean()
             for _ in range(10_000)]
    record[key] = {"what": f"{what}, real-pair PSNR at n = 8, per held-out pair", "mean": round(float(price.mean()), 2),
                   "interval_90": [round(low, 2), round(high, 2)], "scenes": len(by_scene),
                   "scene_interval_90": [round(float(v), 2) for v in np.percentile(means, [5, 95])],
                   "lol_only_higher" if minuend == "lolonly" else "first_higher": int((price > 0).sum()),
                   "pairs": len(price)}
    print(f"{what}: {price.mean():+.2f} dB, 90 % bootstrap interval [{low:+.2f}, {high:+.2f}], "
          f"scene bootstrap {record[key]['scene_interval_90']}, first higher on {(price > 0).sum()} of {len(price)}")
# what each scored run was: its one command, wall time and epochs (its run.json and history.csv)
record["runs"] = {}
for arm in scores:
    run = json.load(open(f"runs/cpu_cur_{arm}/run.json"))
    epochs = len(open(f"runs/cpu_cur_{arm}/history.csv").read().strip().splitlines()) - 1
    record["runs"][arm] = {key: run[key] for key in ("command", "wall_minutes", "git_commit")} | {"epochs_run": epochs}
json.dump(record, open("runs/curve_robustness_price.json", "w"), indent=1)
PY
