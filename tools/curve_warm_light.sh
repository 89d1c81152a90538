#!/usr/bin/env bash
# Can a CPU fine-tune with lights on the Planckian locus keep a warm scene's colour in the curve model?
#
# The shipped curve model (stage 3, b58a533) was trained with colour changes drawn off the locus
# (sensor.SynthesisConfig's temperature/tint, and LOL's own casts half the time). Under tungsten it
# greys the scene out: on the held-out Train images of its split (seed 1) its colour error in the
# illuminant sweep is 12.8 deg at r = 4 and 27.2 deg at r = 16, where the denoiser, fine-tuned with lights
# from 2700 K to 12 000 K (its stage 6), keeps 3-5 deg on Test. The CPU curve pilots trained with those lights
# (benchmarks/results/curve_robustness_price.json) reach about 5 deg, but from scratch, below the shipped
# model on the real pairs. This fine-tunes the shipped weights with those lights instead, twice (seeds 51 and 52,
# one core each): half the crops synthesised (20 % of those well exposed), lights 2700-12 000 K with
# tint up to 0.1, Adam on a cosine from 2e-4, 6 x 400 steps of 8 crops of 128 px, the shipped split
# (split seed 1). Both are scored on their last checkpoint by tools/validation_sweep.py on the 14
# held-out Train images of split seed 1 (never Test), at the shipped auto count, into runs/cur_warm_NAME.json.
# The rule that decides whether one ships is in the message of the commit that added this script.
#   MINUTES   training budget per run (default 70; a paused run resumes when this is run again)
#   SEEDS     (default "51 52"); EPOCHS x STEPS (default 6 x 400)
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export TF_CPP_MIN_LOG_LEVEL=3
START=runs/curve_s3.weights.h5
git show b58a533:lolenhance/weights/curve.weights.h5 > "$START"
core=0
for seed in ${SEEDS:-51 52}; do
    name=s$seed
    (taskset -c $core $PY -m lolenhance.train curve --data ../shared/data/lol-real --out runs/cur_warm_$name \
        --epochs ${EPOCHS:-6} --steps-per-epoch ${STEPS:-400} --batch-size 8 --crop-size 128 \
        --learning-rate 2e-4 --ssim-weight 0.1 --synthetic-share 0.5 --identity-share 0.2 \
        --min-cct 2700 --max-cct 12000 --max-tint 0.1 --seed $seed --split-seed 1 \
        --init-weights "$START" --max-minutes ${MINUTES:-70} \
     && taskset -c $core $PY tools/validation_sweep.py curve runs/cur_warm_$name "$START" --checkpoint last \
        --json runs/cur_warm_$name.json) > runs/cur_warm_$name.log 2>&1 &
    core=$(( (core + 1) % $(nproc) ))
done
wait
for seed in ${SEEDS:-51 52}; do
    echo "== s$seed"; grep "real_pairs\|colour error\|real pairs" runs/cur_warm_s$seed.log
done
