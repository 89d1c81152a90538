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
