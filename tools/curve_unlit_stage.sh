#!/usr/bin/env bash
# Stage 4 of the shipped curve model, on this 2-core CPU: the unlit reading (lolenhance.curves.unlit_levels,
# nothing a light source changes) learnt from the shipped weights instead of from scratch.
#   - the start is stage 3 (the weights of commit b58a533) by net surgery (--transplant-reading): its
#     mean's planes go onto the unlit mean's, the levels start at 0, so on a frame without a light the
#     start computes stage 3's function, and the stage learns what the levels add;
#   - light sources in a fifth of the synthesised scenes (--lamp-share 0.2), as the pilot arm unlit_lamps02;
#   - otherwise stage 3's recipe (its card: 50 % synthetic crops, one in five an identity pair, ratios
#     1-100, its lights, lr 3e-4, SSIM weight 0.1, 128 px crops) at this CPU's batch of 8, and stage 3's
#     held-out split (split seed 1, 14 pairs) with its selection score, so the card's numbers compare.
# Then it scores the best checkpoint as stage 3 was scored (tools/validation_sweep.py against the start,
# into runs/cpu_cur_stage4/scores.json) and with the lamp probe, without and with a halo
# (runs/cpu_cur_stage4/lamp.json, lamp_glow.json).
#   MINUTES  wall budget (default 150; a run that reaches it pauses, and the same command resumes it)
#   EPOCHS x STEPS  its schedule (default 10 x 600 steps of 8 crops); OUT  its run folder
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${OUT:-runs/cpu_cur_stage4}
START=runs/curve_s_b58a533.weights.h5
mkdir -p runs
[ -f $START ] || git show b58a533:lolenhance/weights/curve.weights.h5 > $START
$PY -m lolenhance.train curve --data ../shared/data/lol-real --out $OUT --epochs ${EPOCHS:-10} \
    --steps-per-epoch ${STEPS:-600} --batch-size 8 --crop-size 128 --learning-rate 3e-4 --ssim-weight 0.1 \
    --synthetic-share 0.5 --identity-share 0.2 --lamp-share 0.2 --exposure-features unlit \
    --init-weights $START --transplant-reading --seed 4 --split-seed 1 --max-minutes ${MINUTES:-150}
if [ $(( $(wc -l < $OUT/history.csv) - 1 )) -lt ${EPOCHS:-10} ]; then
    echo "paused by its budget: run the same command again to go on, then it is scored"; exit 0
fi
$PY tools/validation_sweep.py curve $OUT $START --json $OUT/scores.json
$PY tools/lamp_probe.py $START $OUT/best.weights.h5 --json $OUT/lamp.json
$PY tools/lamp_probe.py $START $OUT/best.weights.h5 --glow 0.1 --json $OUT/lamp_glow.json
