#!/usr/bin/env bash
# What does robustness cost the curve model on LOL scenes it has never seen? Two fresh curve models
# (random initialisation, no shipped lineage), one per CPU core, identical but for the training mix:
#   robust    half of every batch synthesised from Train highs (ratios 1-100, lights on the Planckian
#             locus 2700-12 000 K, one synthetic crop in five an identity pair), as the shipped stages;
#   lol-only  the real LOL pairs alone.
# Both hold out the same 28 pairs, whole scenes (--split-seed 11 --val-pairs 28 --split-by-scene: the
# held-out scenes of tools/device/fresh_lineage.sh), which neither run trains on. Then both last
# checkpoints are scored on those pairs at n = 8 (tools/validation_sweep.py; the shipped weights are
# the "start" there, for reference only: their lineage trained on every Train pair).
#   MINUTES  wall budget of each run (default 75; a run that reaches it is paused, and the same
#            command finishes it); EPOCHS x STEPS  its schedule (default 6 x 600 steps of 8 crops)
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
recipe="--data ../shared/data/lol-real --epochs ${EPOCHS:-6} --steps-per-epoch ${STEPS:-600} --batch-size 8 \
--crop-size 128 --learning-rate 1e-3 --ssim-weight 0.1 --split-seed 11 --val-pairs 28 --split-by-scene --seed 11 \
--max-minutes ${MINUTES:-75}"
mkdir -p runs
taskset -c 0 $PY -m lolenhance.train curve --out runs/cpu_cur_robust $recipe --synthetic-share 0.5 \
    --identity-share 0.2 --min-cct 2700 --max-cct 12000 --max-tint 0.1 > runs/cpu_cur_robust.log 2>&1 &
taskset -c 1 $PY -m lolenhance.train curve --out runs/cpu_cur_lolonly $recipe > runs/cpu_cur_lolonly.log 2>&1 &
wait
$PY tools/validation_sweep.py curve runs/cpu_cur_robust lolenhance/weights/curve.weights.h5 \
    --weights runs/cpu_cur_robust/last.weights.h5 runs/cpu_cur_lolonly/last.weights.h5 \
    --json runs/curve_robustness_price.json
# the price: lol-only minus robust, pair by pair, its mean and 90 % bootstrap interval
$PY - <<'PY'
import json
from lolenhance.evaluation import mean_interval
scores = json.load(open("runs/curve_robustness_price.json"))["scores"]
robust, lol_only = (scores[f"runs/cpu_cur_{arm}/last.weights.h5"]["real_per_pair"] for arm in ("robust", "lolonly"))
price = [a - b for a, b in zip(lol_only, robust, strict=True)]
low, high = mean_interval(price, seed=0)
record = json.load(open("runs/curve_robustness_price.json"))
# sibling captures of one scene make a pair bootstrap too narrow: resample whole scenes as well
import numpy as np
from lolenhance.data import list_pairs, scene_groups
train_pairs = list_pairs("../shared/data/lol-real", "train")
group_of = dict(zip((pair.name for pair in train_pairs), scene_groups(train_pairs)))
groups = np.array([group_of[name] for name in record["held_out_pairs"]])
by_scene = [np.array(price)[groups == group] for group in sorted(set(groups))]
rng = np.random.default_rng(0)
means = [np.concatenate([by_scene[i] for i in rng.integers(0, len(by_scene), len(by_scene))]).mean() for _ in range(10_000)]
record["price_of_robustness_db"] = {"what": "lol-only minus robust, real-pair PSNR at n = 8, per held-out pair",
                                    "mean": round(sum(price) / len(price), 2), "interval_90": [round(low, 2), round(high, 2)],
                                    "scenes": len(by_scene),
                                    "scene_interval_90": [round(float(v), 2) for v in np.percentile(means, [5, 95])],
                                    "lol_only_higher": sum(p > 0 for p in price), "pairs": len(price)}
json.dump(record, open("runs/curve_robustness_price.json", "w"), indent=1)
print(f"price of robustness, lol-only - robust, real pairs at n = 8 over {len(price)} clean pairs: "
      f"{sum(price) / len(price):+.2f} dB, 90 % bootstrap interval [{low:+.2f}, {high:+.2f}], "
      f"lol-only higher on {sum(p > 0 for p in price)} of {len(price)}")
PY
